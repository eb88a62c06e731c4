"""``SHA256SUMS``: one line per file (``<sha256>  <path>``, sorted), checked by ``verify``."""

from __future__ import annotations

import hashlib
from pathlib import Path

from notebook_ops.bundle.archive import bundle_files
from notebook_ops.errors import BundleInvalid

SUMS = "SHA256SUMS"


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def render(folder) -> str:
    root = Path(folder)
    return "".join(f"{sha256_file(root / rel)}  {rel}\n" for rel in bundle_files(root) if rel != SUMS)


def inside(rel: str) -> bool:
    """A plain relative POSIX path that stays in its folder (no ``/x``, ``..``, ``\\``, ``~``)."""
    parts = rel.split("/")
    return (
        bool(rel)
        and not rel.startswith(("/", "~"))
        and "\\" not in rel
        and ":" not in parts[0]
        and not ({"..", ".", ""} & set(parts))
    )


def parse(text: str, path=SUMS) -> dict[str, str]:
    out = {}
    for n, line in enumerate(text.splitlines(), 1):
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64 or not rel:
            raise BundleInvalid(f"line {n} is malformed", path=path)
        if not inside(rel):
            raise BundleInvalid(f"line {n} names {rel!r}, outside the bundle", path=path)
        out[rel] = digest
    return out


def _real_inside(root: Path, path: Path) -> bool:
    """No symlink on the way: a bundle holds only regular files and folders."""
    p = path
    while p != root:
        if p.is_symlink():
            return False
        p = p.parent
    return True


def check(folder) -> list[str]:
    """Every file listed, present and unchanged, nothing unlisted. Returns the files checked."""
    root = Path(folder)
    sums_path = root / SUMS
    try:
        listed = parse(sums_path.read_text(encoding="utf-8"), sums_path)
    except FileNotFoundError:
        raise BundleInvalid("no SHA256SUMS: not a notebook-ops bundle", path=sums_path) from None
    except UnicodeDecodeError:
        raise BundleInvalid("SHA256SUMS is not text", path=sums_path) from None
    if sums_path.is_symlink():
        raise BundleInvalid("SHA256SUMS is a symlink: a bundle holds only regular files", path=sums_path)
    present = [rel for rel in bundle_files(root) if rel != SUMS]
    for rel in present:
        if rel not in listed:
            raise BundleInvalid("file not in SHA256SUMS (added after export)", path=root / rel)
    for rel, digest in listed.items():
        path = root / rel
        if not _real_inside(root, path):
            raise BundleInvalid(
                "is or lies under a symlink (it may point outside the bundle): refused", path=path
            )
        if not path.is_file():
            raise BundleInvalid("missing (listed in SHA256SUMS)", path=path)
        if sha256_file(path) != digest:
            raise BundleInvalid("checksum mismatch: changed after export", path=path)
    return sorted(listed)
