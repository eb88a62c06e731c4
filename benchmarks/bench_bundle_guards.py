"""What the bundle guards cost and save: the credential scan of shipped files, and an archive bomb
refused by `run-step` (issue 26).

Run: .venv/bin/python benchmarks/bench_bundle_guards.py
1. Scan: `credentials.in_file` on files a project ships (the first 8 MB of each is read), median
   of REPEAT runs: a 100 MB CSV with a URL on every row, a 14 MB YAML, and a 9 MB YAML whose every
   line names a token (the worst case: each line of its first 2 MB is checked as an assignment).
2. Bomb: a real bundle archive plus 1 GiB of zeros listed in its SHA256SUMS (about 1.4 MB
   packed), given to `notebook-ops run-step` as a real subprocess (the bundle cache in a temp
   folder): time to the refusal and what stays in the cache afterwards.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from nbfactory import make_notebook, write_notebook  # noqa: E402
from notebook_ops.bundle import credentials  # noqa: E402

REPEAT = 5


def scan(work: Path) -> None:
    csv = work / "big.csv"
    row = "12345,some text value,3.14159,https://example.com/path?q=1,2026-01-01\n"
    csv.write_text(row * (100_000_000 // len(row)))
    yml = work / "big.yaml"
    yml.write_text("".join(f"key_{i}: value {i}\n" for i in range(600_000)))
    tokens = work / "tokens.yaml"
    tokens.write_text("".join(f"api_token_{i}: ${{TOKEN_{i}}}\n" for i in range(300_000)))
    for path, rel in ((csv, "data/big.csv"), (yml, "conf/big.yaml"), (tokens, "conf/tokens.yaml")):
        times = []
        for _ in range(REPEAT):
            t = time.perf_counter()
            found = credentials.in_file(path, rel)
            times.append(time.perf_counter() - t)
        print(
            f"scan {rel:18} {path.stat().st_size / 1e6:6.1f} MB: {statistics.median(times) * 1000:7.1f} ms "
            f"(found: {found})"
        )


def bomb(work: Path) -> None:
    proj = work / "proj"
    (proj / "data").mkdir(parents=True)
    (proj / "data" / "train.csv").write_text("x\n1\n")
    nb = write_notebook(
        proj / "nb.ipynb",
        make_notebook(
            [("n = 1", ["parameters"]), ("t = open('data/train.csv').read()", ["step:load"])],
            {"notebook_ops": {"name": "proj"}},
        ),
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(work / "cache")}
    cmd = [sys.executable, "-m", "notebook_ops"]
    subprocess.run(
        [*cmd, "export", str(nb), "-o", str(work / "dist"), "--no-mlflow", "--target", "none"],
        env=env,
        check=True,
        capture_output=True,
    )
    with tarfile.open(work / "dist" / "proj-v1.tar.gz", "r:gz") as tar:
        entries = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
    for n, (m, data) in enumerate(entries):
        if m.name.endswith("/SHA256SUMS") and data is not None:
            data += f"{'0' * 64}  assets/zeros.bin\n".encode()
            info = tarfile.TarInfo(m.name)
            info.size, info.mode = len(data), 0o644
            entries[n] = (info, data)
            cut = n + 1
    archive = work / "bomb" / "proj-v1.tar.gz"
    archive.parent.mkdir()

    def tar_bytes(items, close: bool) -> bytes:
        raw = io.BytesIO()
        t = tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT)
        for info, data in items:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
        if close:
            t.close()
        return raw.getvalue()

    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(archive, "wb") as f:
        f.write(c.compress(tar_bytes(entries[:cut], False)))
        zeros = tarfile.TarInfo("proj-v1/assets/zeros.bin")
        zeros.size = 1 << 30
        f.write(c.compress(zeros.tobuf(tarfile.PAX_FORMAT)))
        block = bytes(1 << 20)
        for _ in range(1 << 10):
            f.write(c.compress(block))
        f.write(c.compress(tar_bytes(entries[cut:], True)))
        f.write(c.flush())
    t = time.perf_counter()
    r = subprocess.run(
        [*cmd, "run-step", str(archive), "load", "--data", str(work / "store")],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t
    left = sum(p.stat().st_size for p in (work / "cache").rglob("*") if p.is_file())
    print(
        f"bomb {archive.stat().st_size / 1e6:.2f} MB packed, 1 GiB inside: run-step exit {r.returncode} in "
        f"{elapsed:.2f} s, {left / 1e6:.1f} MB left in the bundle cache"
    )
    print("  " + r.stderr.strip()[:200])


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-guards-"))
    try:
        scan(work)
        bomb(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
