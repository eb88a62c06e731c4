"""A wheel of the notebook_ops that is running, for the bundle's ``wheels/`` folder.

notebook-ops is not on PyPI, so a bundle carries the package it was exported with. The wheel is
built from the installed package itself (editable or not), with the installed metadata: no build
backend, no source tree, no network; and byte-identical for the same code and date.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
import zipfile
from importlib import metadata
from pathlib import Path

from notebook_ops._version import __version__

DIST = "notebook-ops"
PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the notebook_ops package folder
EXCLUDED_DIRS = {"__pycache__", "labextension", ".ipynb_checkpoints"}  # built UI: not needed to run
EXCLUDED_SUFFIXES = (".pyc", ".pyo")


def _package_files(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in EXCLUDED_DIRS for part in rel.parts) or not path.is_file():
            continue
        if path.suffix in EXCLUDED_SUFFIXES:
            continue
        out.append(path)
    return out


def package_digest() -> str:
    """sha256 over the files the wheel carries: changes exactly when the shipped code does."""
    root = PACKAGE_ROOT
    h = hashlib.sha256(__version__.encode())
    for path in _package_files(root):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _metadata_text(meta, version: str) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {DIST}", f"Version: {version}"]
    for key in ("Summary", "License", "Requires-Python"):
        if meta.get(key):
            lines.append(f"{key}: {meta[key]}")
    lines += [f"Requires-Dist: {r}" for r in (meta.get_all("Requires-Dist") or [])]
    lines += [f"Provides-Extra: {e}" for e in (meta.get_all("Provides-Extra") or [])]
    return "\n".join(lines) + "\n"


def _entry_points(dist) -> str:
    groups: dict[str, list[str]] = {}
    for ep in dist.entry_points:
        groups.setdefault(ep.group, []).append(f"{ep.name} = {ep.value}")
    return "".join(f"[{g}]\n" + "\n".join(sorted(v)) + "\n\n" for g, v in sorted(groups.items()))


def wheel_name(version: str) -> str:
    return f"notebook_ops-{version}-py3-none-any.whl"


def build_wheel(dest_dir, *, epoch: int) -> Path:
    """Write ``notebook_ops-<version>-py3-none-any.whl`` into ``dest_dir``; returns its path."""
    dist = metadata.distribution(DIST)
    version = __version__
    root = PACKAGE_ROOT
    info = f"notebook_ops-{version}.dist-info"
    entries: list[tuple[str, bytes]] = [
        (f"notebook_ops/{p.relative_to(root).as_posix()}", p.read_bytes()) for p in _package_files(root)
    ]
    entries += [
        (f"{info}/METADATA", _metadata_text(dist.metadata, version).encode()),
        (
            f"{info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: notebook-ops\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        (f"{info}/entry_points.txt", _entry_points(dist).encode()),
    ]
    record = "".join(f"{name},{record_hash(data)},{len(data)}\n" for name, data in entries)
    record += f"{info}/RECORD,,\n"
    entries.append((f"{info}/RECORD", record.encode()))

    return write_wheel(entries, Path(dest_dir) / wheel_name(version), epoch=epoch)


def write_wheel(entries: list[tuple[str, bytes]], dest: Path, *, epoch: int) -> Path:
    """A reproducible wheel of ``entries`` (RECORD included by the caller) at ``dest``."""

    stamp = time.gmtime(max(epoch, 315532800))[:6]  # zip cannot store dates before 1980
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=stamp)
            zi.external_attr = 0o100644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data, compresslevel=9)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(buf.getvalue())
    return dest
