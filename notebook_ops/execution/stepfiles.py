"""The step-notebook cells that bring a step its files (``notebook_ops.kernel_side.file_handoff``).

Before the setup cells: the project's code folders on ``sys.path`` (relative to the kernel's
working folder, the notebook's folder or its copy in a bundle's workspace), the files upstream
steps wrote, the external data files fetched from their URL parameters. After the step's
code: the files later steps read, saved to the data store. The step notebook's metadata lists
the sha256 of the local modules the step imports, so the step cache (and a bundle's content
hash) changes when they do. Nothing is added for a step that needs none of it.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path


def _code_roots(pipeline) -> list[str]:
    project = pipeline.project
    if project is None:
        return []
    out = []
    for root in project.code_roots:
        if root == project.notebook_dir:
            continue  # the kernel's working folder is on sys.path already
        out.append(posixpath.relpath(root, project.notebook_dir).replace(os.sep, "/"))
    return out


def _external(pipeline, step) -> dict:
    project = pipeline.project
    if project is None:
        return {}
    read = set(step.parameters_read) if step is not None else None
    return {path: name for path, name, _ in project.external if read is None or name in read}


def project_up(pipeline) -> str:
    """The project's top folder relative to the kernel's working folder (the notebook's)."""
    project = pipeline.project
    if project is None or project.notebook_dir in ("", "."):
        return "."
    return posixpath.relpath(".", project.notebook_dir)


def upstream(pipeline, step: str) -> list[str]:
    """The steps ``step`` runs after, directly or not, in graph order. All of them, not only
    those that hand on files: which do is seen at run time (``_files.json`` in the store)."""
    seen: set[str] = set()
    todo = list(pipeline.step(step).after)
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo += list(pipeline.step(s).after)
    if not seen:
        return []
    return [n for n in pipeline._by_name if n in seen]  # graph order (its steps' order)


def has_downstream(pipeline, step: str) -> bool:
    """Whether any step runs after ``step`` (then the files it writes are handed on): looked up
    in the pipeline's dependents, built once, not by reading every step for every step."""
    return bool(pipeline._children.get(step))


def prepare_cells(pipeline, step, prefix: str) -> list[dict]:
    """``step`` None: the single-kernel notebook (code folders and external files only)."""
    from notebook_ops.execution.stepnb import PLUMBING_TAG, _cell, literal  # noqa: PLC0415 - cycle: stepnb builds on stepfiles

    roots = _code_roots(pipeline)
    files_in = dict(step.files_in) if step is not None else {}
    external = _external(pipeline, step)
    if not (roots or files_in or external):
        return []
    src = (
        "# notebook-ops: the project's code folders, files from upstream steps, external files\n"
        "import notebook_ops.kernel_side.file_handoff as _nbo_files\n"
        f"_nbo_files.prepare(globals(), code_roots={literal(roots)}, "
        f"files_in={literal(files_in)}, external={literal(external)})\n"
    )
    return [
        _cell(
            "code",
            src,
            f"{prefix}-files-in",
            tags=[PLUMBING_TAG],
            extra_meta={"jupyter": {"source_hidden": True}},
        )
    ]


def save_cells(step, prefix: str) -> list[dict]:
    from notebook_ops.execution.stepnb import PLUMBING_TAG, _cell, literal  # noqa: PLC0415 - cycle: stepnb builds on stepfiles

    if not step.files_out:
        return []
    src = (
        "# notebook-ops: save the files later steps read\n"
        "import notebook_ops.kernel_side.file_handoff as _nbo_files\n"
        f"_nbo_files.save({literal(list(step.files_out))})\n"
    )
    return [
        _cell(
            "code",
            src,
            f"{prefix}-files-out",
            tags=[PLUMBING_TAG],
            extra_meta={"jupyter": {"source_hidden": True}},
        )
    ]


def metadata(pipeline, step) -> dict:
    """``{"local_code": {path: sha256}}`` of the local modules ``step`` imports (or {})."""
    project = pipeline.project
    if project is None or not step.modules:
        return {}
    digests = dict(project.modules)
    return {"local_code": {m: digests[m] for m in step.modules if m in digests}}


def local_tops(pipeline) -> set[str]:
    """Top-level names of the project's own modules (never preloaded into a kernel: the notebook
    may set ``sys.path`` first, and the kernel would import another module of that name)."""
    project = pipeline.project
    if project is None:
        return set()
    roots = sorted(project.code_roots, key=len, reverse=True)
    out = set()
    for path, _ in project.modules:
        for root in roots:
            prefix = "" if root == "." else root + "/"
            if path.startswith(prefix):
                out.add(path[len(prefix) :].split("/")[0].removesuffix(".py"))
                break
    return out


def asset_signature(pipeline, step) -> dict:
    """What the step cache keys on for the data files ``step`` reads: their sha256 in a bundle,
    (size, mtime) of each file in a checkout (hashing big data on every run would cost more)."""
    project = pipeline.project
    if project is None or not step.assets:
        return {}
    sig: dict = {}
    if project.asset_digests:
        for asset in step.assets:
            sig[asset] = sorted(
                d for d in project.asset_digests if d[0] == asset or d[0].startswith(asset + "/")
            )
        return sig

    root = Path(project.root)
    for asset in step.assets:
        p = root / asset
        files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
        sig[asset] = [
            (f.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns) for f in files for st in [f.stat()]
        ]
    return sig
