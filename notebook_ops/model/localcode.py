"""The project's own Python code a notebook imports: which files, found where.

An import is local when it resolves to a file inside the project (the git work tree holding
the notebook, else the notebook's folder widened to the files its code names: ``project_root``)
through one of the folders the notebook's kernel searches: a folder the notebook puts on
``sys.path`` with a literal, the notebook's own folder (the kernel's working folder), or the
project's top folder (code run from the checkout's root) unless an installed distribution
provides that name. A local module brings its package's ``__init__.py`` chain and, statically
and transitively, the local modules it imports in turn.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from notebook_ops.model.imports import ImportRef, parse_imports
from notebook_ops.util import confine

# notebook-ops ships itself as a wheel: never as project code, even from its own checkout.
NEVER_LOCAL = frozenset({"notebook_ops"})


def project_root(notebook_dir: Path, reaches: Iterable[str] = ()) -> Path:
    """The git work tree holding ``notebook_dir`` (its top folder). Outside git: the notebook's
    folder, widened to the nearest folder that also holds what its code names by a relative
    path (``reaches``: ``../datasets/x.csv`` makes the notebook's parent the project), so a
    ``notebooks/`` + ``datasets/`` folder is one project to the panel, a run and an export.
    Never above the root a server request is confined to (``util.confine``), never the home
    folder nor the disk's root: code and data there are not the project's (a path climbing that
    far stays outside it, and export says so)."""
    limit = confine.active_root()
    for d in [notebook_dir, *notebook_dir.parents]:
        if (d / ".git").exists():
            return d
        if limit is not None and os.path.realpath(d) == limit:
            break
    return _widened(notebook_dir, reaches, limit)


def _too_wide(folder: Path, limit: str | None) -> bool:
    """A folder no project outside git may span: the disk's root, the home folder or above it,
    or above the server's root."""
    if folder == Path(folder.anchor):
        return True
    home = Path.home()
    if folder == home or home.is_relative_to(folder):
        return True
    return limit is not None and not confine.inside(limit, folder)


def _widened(notebook_dir: Path, reaches: Iterable[str], limit: str | None) -> Path:
    """``notebook_dir`` widened to hold every relative path in ``reaches`` it can hold."""
    root = notebook_dir
    for rel in reaches:
        if not rel or rel.startswith("~") or posixpath.isabs(rel) or not rel.startswith(".."):
            continue
        target = Path(posixpath.normpath((notebook_dir / rel).as_posix()))
        common = Path(os.path.commonpath([root, target]))
        if common != root and not _too_wide(common, limit):
            root = common
    return root


@lru_cache(maxsize=1)
def _installed_top_names() -> frozenset[str]:
    from importlib.metadata import packages_distributions  # noqa: PLC0415 - importlib.metadata costs 63 ms CPU to import, loaded on first use

    try:
        return frozenset(packages_distributions())
    except Exception:  # noqa: BLE001 - a broken dist-info must not break the analysis
        return frozenset()


@dataclass
class CodeScan:
    """Local modules found for a set of cells: project-relative POSIX paths."""

    root: Path
    roots: list[Path]  # search folders, in the kernel's order
    fallback: Path | None = None  # the project's top folder, when not in roots
    files: dict[str, Path] = field(default_factory=dict)  # rel path -> absolute path
    used_roots: set[str] = field(default_factory=set)  # project-relative search folders used
    local_tops: set[str] = field(default_factory=set)  # top-level names found locally
    others: dict[str, str] = field(default_factory=dict)  # top name -> local module importing it
    _done: set[Path] = field(default_factory=set)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _find(self, parts: list[str], roots) -> tuple[Path, list[Path]] | None:
        """(search root, files to ship) for the dotted name ``parts``, or None."""
        for root in roots:
            found = self._resolve_in(root, parts)
            if found:
                return root, found
        return None

    @staticmethod
    def _resolve_in(base: Path, parts: list[str]) -> list[Path]:
        """The ``__init__.py`` chain and module file of ``parts`` under ``base``, or []."""
        files: list[Path] = []
        d = base
        for i, part in enumerate(parts):
            pkg, mod = d / part, d / f"{part}.py"
            if (pkg / "__init__.py").is_file():
                files.append(pkg / "__init__.py")
                d = pkg
            elif mod.is_file():
                files.append(mod)  # a module: what follows is an attribute
                return files
            elif pkg.is_dir() and i < len(parts) - 1:
                d = pkg  # a namespace package
            else:
                return files
        return files

    def add(self, ref: ImportRef, *, importer: Path | None = None) -> bool:
        """Resolve one import (of a cell, or of the module file ``importer``); True if local."""
        if ref.level:
            if importer is None:
                return False
            base = importer.parent
            for _ in range(ref.level - 1):
                base = base.parent
            parts = ref.module.split(".") if ref.module else []
            files = self._resolve_in(base, parts) if parts else []
            if not _inside(base, self.root):
                return False
            self._take(files)
            self._take_names(base, parts, ref.names)
            return True
        parts = ref.module.split(".")
        if parts[0] in NEVER_LOCAL:
            return False
        found = self._find(parts, self.roots)
        if found is None and self.fallback is not None:
            found = self._find(parts, [self.fallback])  # (a stat first: listing the installed
            if found is not None and parts[0] in _installed_top_names():  # names costs ~1 s)
                found = None
        if found is None:
            return False
        root, files = found
        self.used_roots.add(self.rel(root) or ".")
        self.local_tops.add(parts[0])
        self._take(files)
        self._take_names(root, parts, ref.names)
        return True

    def _take_names(self, root: Path, parts: list[str], names) -> None:
        """``from pkg import sub``: ``sub`` may be a submodule."""
        pkg = root.joinpath(*parts)
        if pkg.is_dir():
            for n in names:
                if n != "*":
                    self._take(self._resolve_in(pkg, [n]))

    def _take(self, files: list[Path]) -> None:
        for f in files:
            f = f.resolve()
            if f in self._done or not _inside(f, self.root):
                continue
            self._done.add(f)
            self.files[self.rel(f)] = f
            try:
                code = f.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for ref in parse_imports(code):
                if not self.add(ref, importer=f) and not ref.level and not ref.optional:
                    self.others.setdefault(ref.top, self.rel(f))  # installed, or nowhere


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def search_roots(root: Path, notebook_dir: Path, sys_paths: list[str]) -> list[Path]:
    """Where the kernel finds modules, in order: literal sys.path folders (inside the project),
    then the notebook's folder (the kernel's working folder)."""
    out: list[Path] = []
    for entry in sys_paths:
        p = Path(os.path.expanduser(entry))
        p = (p if p.is_absolute() else notebook_dir / p).resolve()
        if p.is_dir() and _inside(p, root) and p not in out:
            out.append(p)
    if notebook_dir.resolve() not in out:
        out.append(notebook_dir.resolve())
    return out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
