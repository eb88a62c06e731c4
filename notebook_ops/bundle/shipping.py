"""What a bundle carries from the project besides its notebooks: ``code/`` and ``assets/``.

The model found, per step, the local modules and data files the notebook needs
(``model/files.py``); here they are checked and listed for the writer, each at its
project-relative path under ``code/`` or ``assets/``, with size and sha256 for the manifest;
the folders the code writes into (``dirs``) are listed for the workspace to create.
Refused, with one line naming the cell and the fix: an import nothing provides (neither an
installed distribution nor the project), a file read from outside the project (or through a
symlink out of it), data over the size limit (``bundle.max_asset_mb``, default 100 MB in all).
A file that is or holds a credential (by name or content: ``secrets``) is refused, naming the
step that reads it and the fix, unless excluded (``assets.exclude``) or allowed
(``assets.allow_secrets``).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from notebook_ops.bundle import secret_guard as secrets
from notebook_ops.bundle.archive import EDITOR_DROPPINGS
from notebook_ops.bundle.checksums import sha256_file
from notebook_ops.errors import ExportRefused
from notebook_ops.model.files import outside_message

CODE_DIR, ASSETS_DIR = "code", "assets"
DEFAULT_MAX_ASSET_MB = 100


@dataclass
class Shipment:
    files: dict[str, Path] = field(default_factory=dict)  # bundle path -> source file
    manifest: dict | None = None  # the manifest's "files" section
    warnings: list[str] = field(default_factory=list)
    allowed: set[str] = field(default_factory=set)  # bundle paths named like secrets, allowed
    code_bytes: int = 0
    asset_bytes: int = 0

    def summary(self) -> str:
        m = self.manifest or {}
        return (
            f"{len(m.get('code', []))} local module(s) ({_size(self.code_bytes)}), "
            f"{len(m.get('assets', []))} data file(s) ({_size(self.asset_bytes)})"
        )


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB" if n >= 1000 else f"{n} B"


def _entry(rel: str, path: Path) -> dict:
    return {"path": rel, "size": path.stat().st_size, "sha256": sha256_file(path)}


def _max_bytes(pipeline) -> float:
    value = ((pipeline.settings or {}).get("bundle") or {}).get("max_asset_mb")
    return float(value if isinstance(value, (int, float)) else DEFAULT_MAX_ASSET_MB) * 1e6


def check_imports(pipeline, unresolved: list[str], path) -> None:
    """An import neither installed nor in the project: refused, naming the first cell."""
    project = pipeline.project
    if project is None:
        return
    for m, module in project.code_imports:
        if m in set(unresolved):
            raise ExportRefused(
                f"'import {m}' resolves to nothing: no installed distribution and no module of "
                "the project provides it",
                path=Path(project.root) / module,
                hint="pip install it in the notebook's environment, or make the import optional "
                "(try/except ImportError)",
            )
    missing = [(m, cell) for m, cell in project.imports if m in set(unresolved)]
    if missing:
        m, cell = missing[0]
        more = f" (and {', '.join(n for n, _ in missing[1:])})" if len(missing) > 1 else ""
        raise ExportRefused(
            f"'import {m}'{more} resolves to nothing: no installed distribution and no module "
            "of the project provides it",
            path=path,
            cell=cell,
            hint="pip install it in the notebook's environment, or put its folder on sys.path "
            "with a literal (sys.path.insert(0, 'src'))",
        )


def _files_under(root: Path, rel: str, path) -> list[tuple[str, Path]]:
    """(project-relative path, file) for a file or every file of a folder; symlinks out refused."""
    full = root / rel
    items = (
        [full]
        if full.is_file()
        else sorted(
            p
            for p in full.rglob("*")
            if p.is_file() and not set(p.relative_to(full).parts) & set(EDITOR_DROPPINGS)
        )
    )
    out = []
    for p in items:
        real = p.resolve()
        try:
            real.relative_to(root.resolve())
        except ValueError:
            raise ExportRefused(
                f"{p.relative_to(root).as_posix()} is a symlink to outside the "
                "project: a bundle carries only the project's files",
                path=path,
                hint="copy the file into the project, or declare it in metadata.notebook_ops.assets.external",
            ) from None
        out.append((p.relative_to(root).as_posix(), p))
    return out


def _refuse_credentials(pipeline, rel: str, file: Path, allow, path, kind: str, excludable=True) -> None:
    """A project file that is or holds a credential: refused, naming the step that needs it."""
    readers = [
        s.name
        for s in pipeline.steps
        if any(rel == a or rel.startswith(a.rstrip("/") + "/") for a in getattr(s, kind))
    ]
    secrets.refuse_credentials(
        rel,
        path=file,
        allow=allow,
        notebook_dir=pipeline.project.notebook_dir,
        where=path,
        step=readers[0] if readers else None,
        excludable=excludable,
    )


def collect(pipeline, path, extra_dirs=()) -> Shipment:
    """Check and list the project files the bundle carries (empty when it needs none), and the
    folders the code writes into (``extra_dirs``: more of them, project-relative, as observed)."""
    ship = Shipment()
    project = pipeline.project
    if project is None:
        return ship
    if project.outside:  # the panel lists the same as the problem outside-project
        p, cell, why = project.outside[0]
        message, hint = outside_message(p, why, project.root)
        raise ExportRefused(
            message.replace(", so the export will be refused", ""),
            path=path,
            cell=cell if cell >= 0 else None,
            hint=hint,
        )
    root = Path(project.root)
    fix = (
        "declare big files in metadata.notebook_ops.assets.external (path -> URL), "
        "exclude them (assets.exclude), or raise bundle.max_asset_mb"
    )
    code, assets = [], []
    allow = secrets.allowed_secrets(pipeline.settings)
    for rel, _digest in project.modules:
        _refuse_credentials(pipeline, rel, root / rel, allow, path, "modules", excludable=False)
        if secrets.is_secret_file(rel):  # named like one, and allowed by the author
            ship.allowed.add(f"{CODE_DIR}/{rel}")
        code.append(_entry(rel, root / rel))
        ship.files[f"{CODE_DIR}/{rel}"] = root / rel
    for asset in project.assets:
        for rel, file in _files_under(root, asset, path):
            _refuse_credentials(pipeline, rel, file, allow, path, "assets")
            if secrets.is_secret_file(rel):  # named like one, and allowed by the author
                ship.allowed.add(f"{ASSETS_DIR}/{rel}")
            if f"{ASSETS_DIR}/{rel}" not in ship.files:
                assets.append(_entry(rel, file))
                ship.files[f"{ASSETS_DIR}/{rel}"] = file
    ship.code_bytes = sum(e["size"] for e in code)
    ship.asset_bytes = sum(e["size"] for e in assets)
    limit = _max_bytes(pipeline)
    if ship.asset_bytes > limit:
        big = max(assets, key=lambda e: e["size"])
        raise ExportRefused(
            f"the data files read by the notebook total {_size(ship.asset_bytes)}, over the "
            f"{_size(int(limit))} limit (the biggest: {big['path']}, {_size(big['size'])})",
            path=path,
            hint=fix,
        )
    dirs = workspace_dirs(list(project.dirs) + list(extra_dirs), project.notebook_dir)
    if code or assets or dirs or project.external or any(s.files_in for s in pipeline.steps):
        ship.manifest = {
            "notebook_dir": project.notebook_dir,
            "code_roots": list(project.code_roots),
            "code": code,
            "assets": assets,
            "external": [{"path": p, "parameter": n, "url": u} for p, n, u in project.external],
        }
        if dirs:
            ship.manifest["dirs"] = dirs
    return ship


def workspace_dirs(dirs, notebook_dir: str) -> list[str]:
    """The folders a workspace must create (sorted, no repeats): project-relative, inside the
    project, not the top folder nor the notebook's (the workspace makes that one)."""
    out = set()
    for d in dirs:
        d = posixpath.normpath(str(d).replace("\\", "/"))
        if d in (".", notebook_dir) or posixpath.isabs(d) or d == ".." or d.startswith("../"):
            continue
        out.add(d)
    return sorted(out)
