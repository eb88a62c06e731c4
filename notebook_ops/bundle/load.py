"""Reading a bundle back: verify it, then rebuild the Pipeline and the step notebooks to run.

A bundle is a folder or its ``.tar.gz``. An archive is extracted once into a cache folder keyed
by the archive's hash (so runs have a working folder that outlives this call) and verified on
every load like a folder: a tampered or truncated bundle is refused, naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from notebook_ops.bundle import archive, checksums
from notebook_ops.bundle import manifest as manifest_mod
from notebook_ops.errors import BundleInvalid
from notebook_ops.model.pipeline import Cell, LoggedModel, Parameter, Pipeline, Project, Step
from notebook_ops.util.procs import alive


@dataclass
class Bundle:
    folder: Path  # the bundle's files (the extraction folder for an archive)
    source: Path  # what the user gave: the folder or the archive
    manifest: dict
    digest: str  # sha256 of SHA256SUMS: one hash naming the whole bundle
    files: list[str]

    @property
    def label(self) -> str:
        return f"{self.manifest['name']} v{self.manifest['version']}"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "notebook-ops" / "bundles"


def _extract_cached(path: Path, into=None) -> tuple[Path, list[str] | None]:
    """The archive's bundle folder in the cache, and its checked files when it was unpacked now.

    Unpacked into a staging folder and checked there (SHA256SUMS, the manifest) before it is renamed into the
    cache: a refused archive leaves nothing behind."""
    digest = checksums.sha256_file(path)
    root = Path(into) if into is not None else cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home (some containers): extract under the temp folder
        root = Path(tempfile.gettempdir()) / "notebook-ops-bundles"
        root.mkdir(parents=True, exist_ok=True)
    target = root / digest[:24]
    if target.is_dir():
        folders = [p for p in target.iterdir() if p.is_dir()]
        if len(folders) == 1:
            return folders[0], None
        shutil.rmtree(target, ignore_errors=True)
    _remove_stale_staging(root)
    staging = Path(tempfile.mkdtemp(prefix=f".extract-{os.getpid()}-", dir=root))
    try:
        inner = archive.extract(path, staging)
        try:
            files = checksums.check(inner)
            manifest_mod.read(inner)
        except BundleInvalid as exc:  # named by the archive and the entry, not the staging folder
            try:
                entry = Path(exc.path or "").relative_to(inner).as_posix()
            except ValueError:
                entry = ""
            raise BundleInvalid(
                f"{entry}: {exc.message}" if entry else exc.message, path=path, hint=exc.hint
            ) from None
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target / inner.name, files


def _remove_stale_staging(root: Path) -> None:
    """Staging folders of extractions whose process is gone (killed mid-way)."""

    for p in root.glob(".extract-*"):
        pid = p.name.split("-")[1] if p.name.count("-") >= 2 else ""
        if not pid.isdigit() or not alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)


def open_bundle(path, *, extract_to=None) -> Bundle:
    """Verify the bundle at ``path`` (checksums, manifest schema, step notebooks) and open it."""
    src = Path(path)
    if not src.exists():
        raise BundleInvalid("no such bundle (a folder or a .tar.gz)", path=src)
    checked = None
    if src.is_dir():
        folder = src
    elif archive.is_archive(src):
        folder, checked = _extract_cached(src, extract_to)
    else:
        raise BundleInvalid("not a bundle: give its folder or its .tar.gz", path=src)
    files = checked if checked is not None else checksums.check(folder)
    m = manifest_mod.read(folder)
    for step in m["steps"]:
        if step["notebook"] not in files:
            raise BundleInvalid(f"step {step['name']!r} has no notebook", path=folder / step["notebook"])
    digest = hashlib.sha256((folder / checksums.SUMS).read_bytes()).hexdigest()
    return Bundle(folder=folder, source=src, manifest=m, digest=digest, files=files)


def verify_bundle(path) -> Bundle:
    """``notebook-ops verify``: the same checks as loading; raises BundleInvalid on any fault.

    An archive is checked in a temporary folder removed afterwards (``folder`` is then gone)."""
    src = Path(path)
    if archive.is_archive(src):
        with tempfile.TemporaryDirectory(prefix="nbo-verify-") as tmp:
            return open_bundle(src, extract_to=tmp)
    return open_bundle(src)


def read_step_notebooks(bundle: Bundle) -> dict[str, dict]:
    out = {}
    for step in bundle.manifest["steps"]:
        path = bundle.folder / step["notebook"]
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise BundleInvalid("step notebook is not valid JSON", path=path) from None
        if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
            raise BundleInvalid("not an nbformat-4 notebook", path=path)
        out[step["name"]] = nb
    return out


def _default(p: dict):
    if p.get("secret"):  # no default: the value comes from the environment (model/secrets.py)
        return "" if p["type"] == "str" else None
    value = p["default"]
    return tuple(value) if p["type"] == "tuple" and isinstance(value, list) else value


def pipeline_from_manifest(m: dict, notebooks: dict[str, dict]):
    """The Pipeline a bundle describes, with cells rebuilt from the step notebooks."""

    cells: dict[int, Cell] = {}
    setup: set[int] = set()
    step_cells: dict[str, list[int]] = {}
    for name, nb in notebooks.items():
        for raw in nb["cells"]:
            meta = (raw.get("metadata") or {}).get("notebook_ops") or {}
            idx = meta.get("source_cell")
            if not isinstance(idx, int):
                continue
            source = "".join(raw.get("source") or [])
            tags = tuple((raw.get("metadata") or {}).get("tags") or ())
            if "setup" in tags:
                setup.add(idx)
                cells[idx] = Cell(idx, raw["cell_type"], source, "setup", None, ("setup",))
            else:
                role = "code" if raw["cell_type"] == "code" else "markdown"
                cells[idx] = Cell(idx, raw["cell_type"], source, role, name, ())
                step_cells.setdefault(name, []).append(idx)
    size = max(cells) + 1 if cells else 0
    dense = tuple(cells.get(i) or Cell(i, "raw", "", "skip", None) for i in range(size))
    settings_steps = {}
    steps = []
    for s in m["steps"]:
        options = dict(s.get("options") or {})
        resources = {k: v for k, v in (s.get("resources") or {}).items() if v is not None}
        if resources:
            options["resources"] = resources
        settings_steps[s["name"]] = options
        steps.append(
            Step(
                name=s["name"],
                cells=tuple(sorted(step_cells.get(s["name"], ()))),
                after=tuple(s["after"]),
                inputs=tuple(s["inputs"]),
                outputs=tuple(s["outputs"]),
                input_sources=tuple(sorted((s.get("input_sources") or {}).items())),
                parameters_read=tuple(s.get("parameters") or ()),
                options=options,
                metrics=tuple(s.get("metrics") or ()),
                changed=tuple(s.get("changed") or ()),
                input_candidates=tuple(
                    (n, tuple(c)) for n, c in sorted((s.get("input_candidates") or {}).items())
                ),
                watch=tuple(s.get("watch") or ()),
                modules=tuple(s.get("modules") or ()),
                assets=tuple(s.get("assets") or ()),
                files_in=tuple(sorted((s.get("files_in") or {}).items())),
                files_out=tuple(s.get("files_out") or ()),
                notebook=s.get("source"),
                notebook_product=s.get("notebook_product"),
                models=tuple(
                    LoggedModel(m.get("name"), None, m.get("expression")) for m in s.get("models") or ()
                ),
            )
        )
    settings = {
        k: m[k]
        for k in (
            "owner",
            "objective",
            "metric_targets",
            "schedules",
            "promote",
            "alerts",
            "cost_per_cpu_hour",
        )
        if m.get(k)
    }
    settings["name"] = m["name"]
    settings["steps"] = settings_steps
    files = m.get("files")
    project = (
        Project(
            root="",
            notebook_dir=files["notebook_dir"],
            code_roots=tuple(files["code_roots"]),
            modules=tuple((f["path"], f["sha256"]) for f in files["code"]),
            assets=tuple(f["path"] for f in files["assets"]),
            asset_digests=tuple((f["path"], f["sha256"]) for f in files["assets"]),
            external=tuple((e["path"], e["parameter"], e["url"]) for e in files.get("external") or ()),
            dirs=tuple(files.get("dirs") or ()),
        )
        if files
        else None
    )
    return Pipeline(
        name=m["name"],
        path=None,
        cells=dense,
        steps=tuple(steps),
        project=project,
        parameters=tuple(
            Parameter(p["name"], p["type"], _default(p), p.get("help", ""), secret=bool(p.get("secret")))
            for p in m["parameters"]
        ),
        setup_cells=tuple(sorted(setup)),
        parameters_cell=None,
        settings=settings,
        kernel_name=m["kernel"]["name"],
        language=m["kernel"]["language"],
        notebook_hash=m["provenance"]["source_notebook"]["sha256"],
    )


def load_bundle(path):
    """``(Pipeline, {step: notebook dict}, manifest)`` of a verified bundle (folder or archive)."""
    b = open_bundle(path)
    notebooks = read_step_notebooks(b)
    return pipeline_from_manifest(b.manifest, notebooks), notebooks, b.manifest
