"""The reproducible ``.tar.gz``: same files in, same bytes out.

Entries are sorted, owned by 0:0 with no user names, mode 644/755, all with one mtime (the
bundle's ``SOURCE_DATE_EPOCH``), and the gzip header carries no file name and no timestamp.
Extraction refuses anything that would land outside its folder (absolute paths, ``..``, links).
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

from notebook_ops.bundle.errors import BundleInvalid
from notebook_ops.util import atomic


# Made by running a bundle in place (`notebook-ops run .`, `mlflow run .`, a venv beside it):
# run state, not bundle content, so neither packed nor checked.
RUN_STATE = (".notebook_ops", ".venv", "mlruns")
# Written by editors and tools that merely open or import a bundle's files (JupyterLab's
# checkpoints when the README is opened, Python's bytecode cache, macOS Finder): never bundle
# content, at any depth, so neither packed nor checked.
EDITOR_DROPPINGS = (".ipynb_checkpoints", "__pycache__", ".virtual_documents", ".DS_Store")


def bundle_files(folder) -> list[str]:
    """Every file of the bundle under ``folder``, as sorted POSIX paths relative to it."""
    root = Path(folder)
    out = []
    for top in sorted(root.iterdir()):
        if top.name in RUN_STATE or top.name in EDITOR_DROPPINGS:
            continue
        if top.is_file():
            out.append(top.name)
        elif top.is_dir():
            rels = (p.relative_to(root).as_posix() for p in top.rglob("*") if p.is_file())
            out.extend(r for r in rels if not set(r.split("/")) & set(EDITOR_DROPPINGS))
    return sorted(out)


def _dirs_of(files: list[str]) -> list[str]:
    dirs = set()
    for f in files:
        parts = f.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    return sorted(dirs)


def write_tar_gz(folder, dest, *, prefix: str, epoch: int) -> Path:
    """Pack ``folder`` as ``prefix/...`` into ``dest`` (written via a temp file and rename)."""
    root = Path(folder)
    files = bundle_files(root)
    members = [(d, True) for d in [""] + _dirs_of(files)] + [(f, False) for f in files]
    members.sort(key=lambda m: m[0])
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel, is_dir in members:
            name = f"{prefix}/{rel}" if rel else prefix
            info = tarfile.TarInfo(name)
            info.mtime = epoch
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if is_dir:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
                continue
            path = root / rel
            data = path.read_bytes()
            info.size = len(data)
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            tar.addfile(info, io.BytesIO(data))
    gz = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz, mtime=0, compresslevel=9) as f:
        f.write(raw.getvalue())
    return atomic.write_bytes(dest, gz.getvalue())


def is_archive(path) -> bool:
    name = str(path)
    return name.endswith((".tar.gz", ".tgz")) and Path(path).is_file()


def extract(archive, dest_dir) -> Path:
    """Extract a bundle archive safely into ``dest_dir``; returns the bundle's folder in it."""
    archive = Path(archive)
    dest = Path(dest_dir)
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = tar.getmembers()
            tops = set()
            for m in members:
                parts = Path(m.name).parts
                if m.name.startswith("/") or ".." in parts or not parts:
                    raise BundleInvalid(f"unsafe entry {m.name!r} in the archive", path=archive)
                if not (m.isfile() or m.isdir()):
                    raise BundleInvalid(f"entry {m.name!r} is a link or device; refused", path=archive)
                tops.add(parts[0])
            if len(tops) != 1:
                raise BundleInvalid("a bundle archive holds exactly one top folder", path=archive)
            try:
                tar.extractall(dest, members=members, filter="data")
            except TypeError:  # Python without extraction filters (< 3.10.12): members checked above
                tar.extractall(dest, members=members)
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as exc:
        raise BundleInvalid(f"damaged or truncated archive ({exc})", path=archive) from None
    return dest / tops.pop()
