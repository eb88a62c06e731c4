"""The reproducible ``.tar.gz``: same files in, same bytes out.

Entries are sorted, owned by 0:0 with no user names, mode 644/755, all with one mtime (the
bundle's ``SOURCE_DATE_EPOCH``), and the gzip header carries no file name and no timestamp.
Extraction is streamed and refuses anything that would land outside its folder (absolute paths,
``..``, links, devices), a second top folder, an entry SHA256SUMS does not list, and more bytes or
entries than the limits (``limits``), before writing it.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from notebook_ops.errors import BundleInvalid
from notebook_ops.util import atomic, faults

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


DEFAULT_MAX_MB = 2048  # a bundle's data is capped at export (bundle.max_asset_mb, 100 MB)
DEFAULT_MAX_FILES = 20000
# Unset, the byte limit is also derived from the archive: real bundles (text, CSV, wheels)
# unpack to a few times their compressed size, a bomb to a thousand times.
MAX_RATIO, RATIO_FLOOR = 200, 100_000_000


def limits(archive=None) -> tuple[int, int]:
    """(bytes, members) an archive may unpack to: ``NOTEBOOK_OPS_BUNDLE_MAX_MB`` and
    ``NOTEBOOK_OPS_BUNDLE_MAX_FILES`` on the machine that unpacks it; else the defaults, the
    bytes also at most ``MAX_RATIO`` times the archive's size (``RATIO_FLOOR`` at least)."""

    def number(name: str) -> int | None:
        try:
            return max(1, int(os.environ[name]))
        except (KeyError, ValueError):
            return None

    max_mb, max_files = number("NOTEBOOK_OPS_BUNDLE_MAX_MB"), number("NOTEBOOK_OPS_BUNDLE_MAX_FILES")
    if max_mb is not None:
        max_bytes = max_mb * 1_000_000
    else:
        max_bytes = DEFAULT_MAX_MB * 1_000_000
        if archive is not None:
            max_bytes = min(max_bytes, max(RATIO_FLOOR, MAX_RATIO * Path(archive).stat().st_size))
    return max_bytes, max_files or DEFAULT_MAX_FILES


class _Budget:
    """What an archive may still unpack: checked on each member's header, before its data is read
    (a tar header declares the size), so a bomb is refused having read at most the cap."""

    def __init__(self, archive: Path):
        self.archive = archive
        self.max_bytes, self.max_files = limits(archive)
        self.bytes = self.files = 0
        self.listed: set[str] | None = None  # SHA256SUMS, once read: nothing else may follow
        self.seen: set[str] = set()
        self.top: str | None = None

    def admit(self, m: tarfile.TarInfo) -> str:
        """The member's path inside the bundle folder ("" for the folder); BundleInvalid if unsafe."""
        parts = PurePosixPath(m.name).parts
        if m.name.startswith("/") or ".." in parts or not parts or "\\" in m.name:
            raise BundleInvalid(
                f"unsafe entry {m.name!r} in the archive (outside its folder)", path=self.archive
            )
        if not (m.isfile() or m.isdir()):
            raise BundleInvalid(f"entry {m.name!r} is a link or device; refused", path=self.archive)
        if self.top is None:
            self.top = parts[0]
        elif parts[0] != self.top:
            raise BundleInvalid("a bundle archive holds exactly one top folder", path=self.archive)
        rel = "/".join(parts[1:])
        if rel in self.seen:
            raise BundleInvalid(f"entry {m.name!r} appears twice in the archive", path=self.archive)
        self.seen.add(rel)
        self.files += 1
        self.bytes += m.size if m.isfile() else 0
        if self.files > self.max_files or self.bytes > self.max_bytes:
            what = (
                f"more than {self.max_files} entries"
                if self.files > self.max_files
                else f"more than {self.max_bytes // 1_000_000} MB unpacked"
            )
            raise BundleInvalid(
                f"the archive holds {what}: refused before unpacking it all",
                path=self.archive,
                hint="raise NOTEBOOK_OPS_BUNDLE_MAX_MB / NOTEBOOK_OPS_BUNDLE_MAX_FILES if the bundle is "
                "really that big",
            )
        if m.isfile() and self.listed is not None and rel not in self.listed:
            raise BundleInvalid(f"entry {m.name!r} is not in SHA256SUMS", path=self.archive)
        return rel

    def read_sums(self, rel: str, data: bytes) -> None:
        """After SHA256SUMS (packed before the files it lists but the manifest), only what it
        lists may follow."""
        from notebook_ops.bundle.checksums import SUMS, parse  # noqa: PLC0415 - cycle: checksums imports archive.bundle_files

        if rel == SUMS:
            try:
                self.listed = set(parse(data.decode("utf-8", errors="replace"), SUMS)) | {SUMS}
            except BundleInvalid as exc:  # named by the archive, as every fault of it
                raise BundleInvalid(f"{SUMS}: {exc.message}", path=self.archive) from None


@contextlib.contextmanager
def _stream(archive: Path, budget: _Budget):
    """The archive's tar stream, each member to be passed to ``budget.admit``; on leaving, the
    gzip stream is read to its end (bounded), so its CRC and length are checked: a truncated or
    altered archive is refused even when its tar entries came through."""
    try:
        with open(archive, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            with tarfile.open(fileobj=gz, mode="r|") as tar:
                yield tar
            left = max(0, budget.max_bytes - budget.bytes) + (1 << 20)
            while chunk := gz.read(1 << 16):
                left -= len(chunk)
                if left < 0:
                    raise BundleInvalid("data after the archive's end: refused", path=archive)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BundleInvalid(f"damaged or truncated archive ({exc})", path=archive) from None


def iter_files(archive):
    """``(path in the bundle, bytes)`` of each file of the archive at ``archive``, streamed with
    the same checks as ``extract`` (nothing written anywhere)."""
    archive = Path(archive)
    budget = _Budget(archive)
    with _stream(archive, budget) as tar:
        for m in tar:
            rel = budget.admit(m)
            if m.isfile():
                f = tar.extractfile(m)
                data = f.read() if f else b""
                budget.read_sums(rel, data)
                yield rel, data


def extract(archive, dest_dir) -> Path:
    """Extract a bundle archive safely into ``dest_dir``; returns the bundle's folder in it.

    Streamed: each member is checked (inside one top folder, a regular file or folder, listed in
    SHA256SUMS once that is read, within the size and count limits) before it is written."""
    archive = Path(archive)
    dest = Path(dest_dir)
    budget = _Budget(archive)
    with _stream(archive, budget) as tar:
        for m in tar:
            rel = budget.admit(m)
            faults.point("bundle.archive.extract.member")
            try:
                tar.extract(m, dest, filter="data")
            except TypeError:  # Python without extraction filters: members checked above
                tar.extract(m, dest)
            if m.isfile():
                budget.read_sums(rel, (dest / m.name).read_bytes() if rel == "SHA256SUMS" else b"")
    if budget.top is None:
        raise BundleInvalid("the archive is empty", path=archive)
    return dest / budget.top


def matches_folder(archive, folder) -> bool:
    """Is the archive complete (read to its end: gzip CRC and length) and exactly the bundle
    folder's files? A truncated or altered archive is not kept as "unchanged" on re-export."""

    from notebook_ops.bundle.checksums import SUMS  # noqa: PLC0415 - cycle: checksums imports archive.bundle_files

    root = Path(folder)
    try:
        sums = (root / SUMS).read_bytes()
        wanted = {rel: digest for digest, _, rel in (ln.partition("  ") for ln in sums.decode().splitlines())}
        seen = {}
        for rel, data in iter_files(archive):
            seen[rel] = hashlib.sha256(data).hexdigest() if rel != SUMS else data == sums
    except (BundleInvalid, OSError, UnicodeDecodeError):
        return False
    return seen.pop(SUMS, False) is True and seen == wanted
