"""A folder is a pipeline: the notebooks in it, each one step (or its ``step:`` tags' steps), in
the order they hand each other things, with no tags needed.

``FOLDER/`` takes ``*.ipynb``; ``FOLDER/GLOB`` (e.g. ``analysis/[0-9]*.ipynb``) chooses.
Checkpoints and hidden files are skipped, and so is a notebook another one ``%run``s (its code
runs inside that one, as IPython runs it). The order comes from what they hand each other: a
file or a SQLite database one writes and another reads (``model/paths.py``, as ``files.py``
finds them in a notebook), and names one defines that another reads; ties (and cycles) are
broken by the number the names start with (``0-simulate``, ``1-eda``, ``2-y``, ``10-x``), then
by name. The notebooks run one after another in that order, as a person runs them by hand;
``pipeline_file_text`` writes it out as one of our pipeline files to edit (for instance to let
independent notebooks run in parallel). The graph is composed by ``multi``.
"""

from __future__ import annotations

import heapq
import os
import re
from dataclasses import dataclass
from pathlib import Path

from notebook_ops.errors import ConflictError, NotebookReadError
from notebook_ops.model import build, crossflow
from notebook_ops.model.multi import Composer
from notebook_ops.model.pipeline import Pipeline
from notebook_ops.model.tags import slug
from notebook_ops.util import confine
from notebook_ops.util.atomic import write_text

DEFAULT_GLOB = "*.ipynb"
_GLOB_CHARS = "*?["


def split_source(path) -> tuple[Path, str] | None:
    """(folder, glob) when ``path`` names a folder or ``FOLDER/GLOB``; None otherwise."""
    p = Path(path)
    if p.is_dir():
        return p, DEFAULT_GLOB
    if any(ch in p.name for ch in _GLOB_CHARS) and p.parent.is_dir():
        return p.parent, p.name
    return None


def is_folder_source(path) -> bool:
    return path is not None and split_source(path) is not None


def _skipped(path: Path, folder: Path) -> bool:
    rel = path.relative_to(folder)
    return (
        any(part.startswith(".") for part in rel.parts)
        or ".ipynb_checkpoints" in rel.parts
        or path.name.endswith("-checkpoint.ipynb")
        or path.suffix != ".ipynb"
    )


def number_key(path: Path) -> tuple:
    """``10-x`` after ``2-y``; names without a number after those with one, by name."""
    m = re.match(r"(\d+)", path.name)
    return (0, int(m.group(1)), path.name) if m else (1, 0, path.name)


def folder_notebooks(folder: Path, glob: str = DEFAULT_GLOB) -> list[Path]:
    folder = folder.resolve()
    found = [p.resolve() for p in folder.glob(glob) if p.is_file() and not _skipped(p, folder)]
    if not found:
        raise NotebookReadError(
            f"no notebooks match {glob} in this folder",
            path=folder,
            hint="pass the folder of the notebooks, or FOLDER/GLOB (e.g. 'analysis/[0-9]*.ipynb')",
        )
    for nb in found:  # a symlink out of the server's root is refused (no root: the CLI)
        confine.check(nb, nb.name, source=folder)
    return sorted(found, key=number_key)


def infer_order(notebooks: list[Path]) -> tuple[list[Path], dict[Path, list[tuple[Path, str]]], list[Path]]:
    """(the notebooks in run order, what each gets from which: (provider, 'file x' | 'name x'),
    the notebooks left out because another ``%run``s them)."""
    order, gets, helpers, _ = _infer(notebooks)
    return order, gets, helpers


def _infer(notebooks: list[Path]):
    """``infer_order``'s three, and which notebooks each one ``%run``s."""
    built = {nb: build.load_pipeline(nb) for nb in notebooks}
    runs = {
        nb: sorted({(nb.parent / target).resolve() for c in p.cells for target in c.runs})
        for nb, p in built.items()
    }
    ran = {target for targets in runs.values() for target in targets}
    helpers = [nb for nb in notebooks if nb in ran]
    steps = [nb for nb in notebooks if nb not in ran]
    writes, reads, defines, wants = {}, {}, {}, {}
    for nb in steps:
        uses = crossflow.file_uses(built[nb])
        writes[nb] = {os.path.normpath(nb.parent / f) for w, _ in uses.values() for f in w}
        reads[nb] = {os.path.normpath(nb.parent / f) for _, r in uses.values() for f in r}
        flows, setup = crossflow.step_flows(built[nb])
        defines[nb] = set().union(*(f.defines for f in flows.values())) | setup
        wants[nb] = set().union(*(set(f.external_reads) for f in flows.values())) - defines[nb]
    gets: dict[Path, list[tuple[Path, str]]] = {nb: [] for nb in steps}
    for nb in steps:
        for other in steps:
            if other == nb:
                continue
            for f in sorted(reads[nb] & writes[other]):
                if f in writes[nb] and f in reads[other] and number_key(other) > number_key(nb):
                    continue  # both update it (a database): the lower number goes first
                gets[nb].append((other, "file " + Path(os.path.relpath(f, nb.parent)).as_posix()))
            for n in sorted(wants[nb] & defines[other]):
                gets[nb].append((other, "name " + n))
    # Kahn's algorithm, ties by number; a cycle is broken at the lowest-numbered notebook left
    waiting = {nb: {o for o, _ in gets[nb]} for nb in steps}
    ready = [(number_key(nb), nb) for nb in steps if not waiting[nb]]
    heapq.heapify(ready)
    order: list[Path] = []
    while len(order) < len(steps):
        if not ready:
            left = min((nb for nb in steps if nb not in order), key=number_key)
            waiting[left] = set()
            ready = [(number_key(left), left)]
        _, nb = heapq.heappop(ready)
        if nb in order:
            continue
        order.append(nb)
        for other in steps:
            if nb in waiting[other] and other not in order:
                waiting[other].discard(nb)
                if not waiting[other]:
                    heapq.heappush(ready, (number_key(other), other))
    return order, gets, helpers, runs


def load_folder(path) -> Pipeline:
    """The pipeline of the notebooks in a folder (``FOLDER`` or ``FOLDER/GLOB``)."""

    source = split_source(path)
    assert source is not None, path
    folder, glob = source
    folder = folder.resolve()
    order, _, _ = infer_order(folder_notebooks(folder, glob))
    extra = {}
    for prev, nb in zip(order, order[1:], strict=False):
        extra[nb] = [Path(os.path.relpath(prev, nb.parent)).with_suffix("").as_posix()]
    composer = Composer(
        order[0],
        listed=order,
        extra_refs=extra,
        name=slug(folder.name) or "pipeline",
        settings={},
        file_hash=glob,
    )
    return composer.build()


def describe_order(path) -> list[str]:
    """Lines for ``inspect``: each notebook in run order and why it comes after others."""
    source = split_source(path)
    assert source is not None, path
    folder, glob = source
    order, gets, helpers = infer_order(folder_notebooks(folder, glob))
    lines = []
    for i, nb in enumerate(order, 1):
        why = "; ".join(f"{what} from {o.name}" for o, what in gets[nb])
        lines.append(f"  {i}. {nb.relative_to(folder.resolve()).as_posix()}" + (f"  ({why})" if why else ""))
    for nb in helpers:
        lines.append(
            f"  -  {nb.relative_to(folder.resolve()).as_posix()}  (%run by another notebook: runs inside it)"
        )
    return lines


@dataclass(frozen=True)
class FolderOrder:
    """The inferred order as the faces show it: each notebook in run order with its number,
    what it gets from which notebook and which notebooks it ``%run``s; the ``%run`` helpers."""

    folder: Path
    glob: str
    name: str
    order: tuple[Path, ...]
    gets: dict[Path, list[tuple[Path, str]]]
    runs: dict[Path, list[Path]]
    helpers: tuple[Path, ...]

    @staticmethod
    def number(path: Path) -> int | None:
        key = number_key(path)
        return key[1] if key[0] == 0 else None


def folder_order(path) -> FolderOrder:
    """The order of the notebooks in ``path`` (``FOLDER`` or ``FOLDER/GLOB``) and why."""
    source = split_source(path)
    if source is None:
        raise NotebookReadError(
            "not a folder of notebooks", path=path, hint="name a folder that holds notebooks"
        )
    folder, glob = source
    folder = folder.resolve()
    order, gets, helpers, runs = _infer(folder_notebooks(folder, glob))
    return FolderOrder(
        folder, glob, slug(folder.name) or "pipeline", tuple(order), gets, runs, tuple(helpers)
    )


def pipeline_file_text(path, target=None) -> str:
    """The inferred order as one of our pipeline files (``pipelinefile``), to edit; paths
    relative to ``target``'s folder (default: the notebooks' folder)."""
    text = _pipeline_file_text(path)
    return text if target is None else _relative_to(text, path, target)


def write_pipeline_file(path, out, *, overwrite: bool = False, exists_hint: str = "") -> Path:
    """Write the inferred order of ``path``'s notebooks to ``out`` (atomically); an existing
    file is kept (ConflictError, with the face's ``exists_hint``) unless ``overwrite``."""

    out = Path(out)
    if out.exists() and not overwrite:
        raise ConflictError("the file exists", path=out, hint=exists_hint or None)
    return write_text(out, pipeline_file_text(path, out))


def _relative_to(text: str, source, target) -> str:
    """Paths in ``text`` are relative to the notebooks' folder; rewrite them for ``target``'s."""
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

    src = split_source(source)
    assert src is not None
    base = src[0].resolve()
    where = Path(target).resolve().parent
    if where == base:
        return text
    head = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    doc = yaml.safe_load(text)
    for item in doc["notebooks"]:
        item["path"] = Path(os.path.relpath(base / item["path"], where)).as_posix()
        after = [Path(os.path.relpath(base / a, where)).as_posix() for a in item.get("after", [])]
        item.pop("after", None)
        if after:
            item["after"] = after
    return head + yaml.safe_dump(doc, sort_keys=False)


def _pipeline_file_text(path) -> str:
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

    source = split_source(path)
    assert source is not None, path
    folder, glob = source
    folder = folder.resolve()
    order, gets, _ = infer_order(folder_notebooks(folder, glob))
    items = []
    for i, nb in enumerate(order):
        item: dict = {"path": nb.relative_to(folder).as_posix()}
        if i:
            item["after"] = [order[i - 1].relative_to(folder).with_suffix("").as_posix()]
        items.append(item)
    head = (
        f"# notebook-ops pipeline file, inferred from the notebooks in {folder.name}/ ({glob}).\n"
        "# They run one after another in this order; edit 'after:' to change it (each names the\n"
        "# notebooks, without .ipynb, that must finish first; independent ones run in parallel).\n"
    )
    return head + yaml.safe_dump(
        {"name": slug(folder.name) or "pipeline", "notebooks": items}, sort_keys=False
    )
