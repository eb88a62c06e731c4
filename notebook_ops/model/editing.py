"""Editing pipeline tags of a cell, in memory and in a file (atomically, nothing else changed)."""

from __future__ import annotations

import json

from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.notebook import dumps_like, parse_notebook, read_bytes
from notebook_ops.util.atomic import write_text
from notebook_ops.model.tags import NAME_RULE, ROLE_TAGS, slug, valid_name
from notebook_ops.cellref import cell_label

_PIPELINE_PREFIXES = ("step:", "after:", "block:", "prev:")


def is_pipeline_tag(tag: str) -> bool:
    return tag in ROLE_TAGS or tag.startswith(_PIPELINE_PREFIXES)


def pipeline_tags(*, step: str | None = None, after=(), role: str | None = None) -> list[str]:
    """The tags for a cell; ``role`` is one of parameters, setup, skip (or None)."""
    if step is not None:
        if not valid_name(step):
            raise NotebookOpsError(
                f"step name '{step}' is not valid: {NAME_RULE}", hint=f"rename it, e.g. {slug(step)}"
            )
        for a in after:
            if not valid_name(a):
                raise NotebookOpsError(
                    f"after name '{a}' is not valid: {NAME_RULE}", hint=f"name a step, e.g. {slug(a)}"
                )
        return [f"step:{step}"] + [f"after:{a}" for a in after]
    if after:
        raise NotebookOpsError("after: needs a step on the same cell", hint="use --step NAME --after A")
    if role is None:
        return []
    if role not in ("parameters", "setup", "skip"):
        raise NotebookOpsError(f"unknown role {role!r}")
    return [role]


def retag_cell(nb: dict, cell: int, new_tags: list[str], path=None) -> dict:
    """Replace the pipeline tags of ``nb``'s cell at index ``cell`` (0-based) in place; other tags
    stay. The error names the cell as JupyterLab numbers it (from 1), as the user typed it."""
    cells = nb.get("cells", [])
    if not 0 <= cell < len(cells):
        numbered = f"its cells are numbered 1 to {len(cells)}" if cells else "it has no cells"
        raise NotebookOpsError(
            f"there is no {cell_label(cell)}; {numbered}",
            path=path,
            hint="give the cell's number as JupyterLab's status bar shows it (Cell N/M)",
        )
    meta = cells[cell].setdefault("metadata", {})
    kept = [t for t in meta.get("tags", []) if not is_pipeline_tag(t)]
    tags = kept + [t for t in new_tags if t not in kept]
    if tags:
        meta["tags"] = tags
    else:
        meta.pop("tags", None)
    return nb


def retag_file(path, cell: int, new_tags: list[str]) -> list[str]:
    """Retag the cell at index ``cell`` (0-based) of the notebook file ``path``; returns the
    cell's tags afterwards."""
    data = read_bytes(path)
    original = data.decode("utf-8")
    nb = parse_notebook(data, path=path)
    if json.loads(original).get("nbformat") != 4:
        raise NotebookOpsError(
            "tagging needs an nbformat 4 notebook",
            path=path,
            hint="open and save it in Jupyter to upgrade it first",
        )
    retag_cell(nb, cell, new_tags, path=path)
    try:
        write_text(path, dumps_like(nb, original))
    except OSError as exc:  # a read-only folder or file, a full disk: the file is as it was
        raise NotebookOpsError(
            f"cannot write the notebook: {exc.strerror or exc}",
            path=path,
            hint="the file is unchanged; make its folder writable (tags are saved by replacing the file)",
        ) from None
    return nb["cells"][cell].get("metadata", {}).get("tags", [])
