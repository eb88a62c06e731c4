"""Reading and writing notebook files without disturbing them.

Reading uses the standard ``json`` module (importing nbformat costs ~1 s with jupyter_server
installed); nbformat is imported only to upgrade notebooks older than v4, in memory. Writing
keeps the file's own JSON layout so a tag edit changes only the tags.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from notebook_ops.errors import NotebookReadError


def read_bytes(path) -> bytes:
    p = Path(path)
    if not p.exists():
        raise NotebookReadError("no such file", path=p, hint="check the path")
    if p.is_dir():
        raise NotebookReadError("is a folder, not a notebook", path=p)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise NotebookReadError(f"cannot read: {exc.strerror}", path=p) from None


def parse_notebook(data: bytes | str, path=None, notices: list | None = None) -> dict:
    """Parse notebook JSON into an nbformat-4 dict; older formats are upgraded in memory."""
    try:
        nb = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotebookReadError(
            f"not valid JSON ({exc})", path=path, hint="is this a .ipynb file saved by Jupyter?"
        ) from None
    except RecursionError:
        raise NotebookReadError(
            "JSON nested too deeply to be a notebook",
            path=path,
            hint="is this a .ipynb file saved by Jupyter?",
        ) from None
    if not isinstance(nb, dict) or "nbformat" not in nb or not ("cells" in nb or "worksheets" in nb):
        raise NotebookReadError("not a Jupyter notebook (no 'nbformat' and 'cells')", path=path)
    major = nb.get("nbformat")
    if not isinstance(major, int) or major < 1 or major > 4:
        raise NotebookReadError(
            f"unsupported nbformat version {major!r}", path=path, hint="notebook-ops reads nbformat 1-4"
        )
    if major < 4:
        import nbformat  # only for old notebooks  # noqa: PLC0415 - nbformat costs 1794 ms CPU to import, loaded on first use

        try:
            nb = dict(nbformat.convert(nbformat.from_dict(nb), 4))
        except Exception as exc:  # nbformat raises many kinds here
            raise NotebookReadError(f"cannot upgrade nbformat {major} notebook: {exc}", path=path) from None
        if notices is not None:
            notices.append(
                f"nbformat {major} upgraded to 4 in memory "
                "(the file is unchanged; save it from Jupyter to upgrade it)"
            )
    if not isinstance(nb.get("cells"), list):
        raise NotebookReadError("'cells' is not a list", path=path)
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or "cell_type" not in cell:
            raise NotebookReadError("malformed cell (no cell_type)", path=path, cell=i)
        check_cell(cell, i, path)
    return nb


_FIX = "open the notebook in Jupyter and save it, or fix the cell's JSON"


def check_cell(cell: dict, index: int, path=None) -> None:
    """Refuse what nbformat forbids and reading would otherwise coerce: ``source`` not a string
    or a list of strings, ``metadata`` not an object, ``tags`` not a list of strings."""
    src = cell.get("source", "")
    if not (isinstance(src, str) or (isinstance(src, list) and all(isinstance(s, str) for s in src))):
        raise NotebookReadError(
            f"the cell's source is {type(src).__name__}, not text", path=path, cell=index, hint=_FIX
        )
    meta = cell.get("metadata", {})
    if not isinstance(meta, dict):
        raise NotebookReadError(
            f"the cell's metadata is {type(meta).__name__}, not an object", path=path, cell=index, hint=_FIX
        )
    tags = meta.get("tags", [])
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise NotebookReadError(
            "the cell's metadata.tags is not a list of strings", path=path, cell=index, hint=_FIX
        )


def read_notebook(path, notices: list | None = None) -> dict:
    """The notebook at ``path`` as an nbformat-4 dict. Never modifies the file."""
    return parse_notebook(read_bytes(path), path=path, notices=notices)


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def cell_tags(cell: dict) -> list[str]:
    tags = (cell.get("metadata") or {}).get("tags") or []
    return [t for t in tags if isinstance(t, str)]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _detect_indent(text: str) -> int | None:
    """Jupyter writes indent=1; other tools 2 or none. Read it off the file's second line."""
    lines = text.split("\n", 2)
    if len(lines) < 2:
        return None
    second = lines[1]
    return len(second) - len(second.lstrip(" ")) or None


def dumps_like(nb: dict, original_text: str | None) -> str:
    """Serialise ``nb`` with the layout of ``original_text`` (Jupyter's by default)."""
    indent = 1 if original_text is None else _detect_indent(original_text)
    text = json.dumps(nb, indent=indent, ensure_ascii=False)
    if original_text is None or original_text.endswith("\n"):
        text += "\n"
    return text
