"""Handing a value from one step to its consumers on one machine: the formats before and after
the hand-off without copies (issue 27, item 2), side by side.

Run: .venv/bin/python benchmarks/bench_handoff.py [--sizes 20,200] [--consumers 1,3] [--no-e2e]

Values: a pandas DataFrame of mixed dtypes (int64, float64, strings, a categorical, tz-aware
datetimes) and a float64 numpy array, each of about SIZE MB in memory, and a dict holding both
(what pickle carries). Two parts:

1. Formats. A producer process makes each value and saves it in the old format (Parquet,
   ``.npy`` read whole, cloudpickle: bytes in memory, then the file) and the new one (Arrow IPC,
   ``.npy``, pickle protocol 5, streamed into the file): save time, the memory the save adds
   (RSS peak during it less RSS before), bytes on disk; each with its sha256, as the store
   records it (the new formats through ``DataStore.save_values`` itself). Then 1 or 3 consumer
   processes load it at once, as the steps after the producer do (each touches the value: sums
   over its numbers): load time (median of the consumers) and the consumers' PSS (psutil
   ``memory_full_info().pss``) summed, steady after the load and at its peak (sampled every
   50 ms), less what the same processes hold without the value. Files are read warm, from the
   page cache, as a consumer right after its producer does.
2. End to end. A notebook whose first step makes the frame and the array and whose 1 or 3 next
   steps read them: ``notebook-ops run --no-track --no-cache`` with the code before this change
   (``--baseline REV``, extracted with ``git archive``) and with this code, against papermill
   running the same notebook in one kernel (no hand-off at all): wall time, the ratio to
   papermill, peak PSS of the command's process tree (sampled every 0.2 s). On two cores shared
   with other work, kernel start-up and load noise weigh more here than the hand-off itself.

Nothing here asserts a time; docs/benchmarks.md quotes a run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from bench_scale import NBO, PAPERMILL, _cell, run_with_peak_pss  # noqa: E402

from notebook_ops.kernel_side import serializers  # noqa: E402

MB = 1e6
# the old format and the new one for each value (kinds of kernel_side/serializers.py)
FORMATS = {
    "frame": ("parquet", "pandas-arrow"),
    "array": ("npy", "npy"),
    "object": ("cloudpickle", "pickle5"),
}

MAKE = """
import numpy as np, pandas as pd
def make(mb):
    rows = int(mb * 1e6 / 40)
    rng = np.random.default_rng(0)
    words = np.array([f"w{i:04d}" for i in range(1000)])
    frame = pd.DataFrame({
        "i": rng.integers(0, 1_000_000, rows),
        "f": rng.random(rows),
        "s": words[rng.integers(0, 1000, rows)],
        "c": pd.Categorical(rng.choice(["red", "green", "blue"], rows)),
        "t": pd.date_range("2024-01-01", periods=rows, freq="s", tz="Europe/Paris"),
    })
    array = rng.random(int(mb * 1e6 / 8))
    return frame, array
"""

TOUCH = """
def touch(value):
    if isinstance(value, dict):
        return sum(touch(v) for v in value.values())
    if hasattr(value, "columns"):
        return float(value["f"].sum() + value["i"].sum()) + len(value["s"])
    return float(value.sum())
"""

CONSUMER = (
    """
import json, sys, time
import numpy as np, pandas as pd, pyarrow
from notebook_ops.kernel_side import serializers
"""
    + TOUCH
    + """
kind, path, mapped = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
if kind:
    ser = serializers.by_kind(kind)
    t = time.perf_counter()
    if mapped:
        value = ser.load_file(path)
    else:
        with open(path, "rb") as f:
            value = ser.load(f.read())
    load = time.perf_counter() - t
    touch(value)
    took = time.perf_counter() - t
else:
    load = took = 0.0
print(json.dumps({"load_s": load, "load_touch_s": took}), flush=True)
sys.stdin.readline()
"""
)


PRODUCER = (
    MAKE
    + """
import hashlib, json, os, sys, threading, time
import psutil
from notebook_ops.kernel_side import serializers
from notebook_ops.kernel_side.data_store import DataStore
from notebook_ops.util import atomic
what, mb, kind, path = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
old = sys.argv[5] == "old"
folder = os.path.join(os.path.dirname(path), "store")
frame, array = make(mb)
value = {"frame": frame, "array": array, "object": {"frame": frame, "array": array}}[what]
me = psutil.Process()
base = me.memory_info().rss
peak = [base]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], me.memory_info().rss)
        done.wait(0.01)
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
t = time.perf_counter()
if old:  # as the store wrote before: the bytes in memory, then the file
    dump = {"parquet": serializers._dump_parquet, "cloudpickle": serializers._dump_pickle}.get(
        kind, serializers.by_kind(kind).dump
    )
    data = dump(value)
    hashlib.sha256(data).hexdigest()
    atomic.write_bytes(path, data)
else:  # as the store saves now (streamed into the file, hashed as written)
    entry = DataStore(folder).save_values("p", {what: value})[what]
    assert entry["kind"] == kind, entry
    os.replace(os.path.join(folder, "p", entry["file"]), path)
took = time.perf_counter() - t
done.set()
sampler.join()
print(json.dumps({"save_s": took, "extra_mb": (max(peak[0], me.memory_info().rss) - base) / 2**20}))
"""
)


def produce(what: str, mb: float, kind: str, path: Path, label: str) -> dict:
    """The value made and saved in a process of its own: save time, memory the save added (RSS
    peak during the save, sampled every 10 ms, less the RSS before it)."""
    done = subprocess.run(
        [sys.executable, "-c", PRODUCER, what, str(mb), kind, str(path), label],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.splitlines()[-1])


def _pss(pids) -> float:
    import psutil

    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_full_info().pss
        except psutil.Error:
            pass
    return total / 2**20


def consume(kind: str, path: str, mapped: bool, n: int) -> dict:
    """``n`` consumer processes load the file at once: load times, PSS summed (MiB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONSUMER, kind, path, "1" if mapped else "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(n)
    ]
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _pss([p.pid for p in procs]))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rows = [json.loads(p.stdout.readline()) for p in procs]
    steady = _pss([p.pid for p in procs])
    done.set()
    sampler.join()
    for p in procs:
        p.communicate("\n", timeout=120)
    return {
        "load_s": statistics.median(r["load_s"] for r in rows),
        "touch_s": statistics.median(r["load_touch_s"] for r in rows),
        "pss": steady,
        "peak": max(peak[0], steady),
    }


def formats(sizes, consumers, work: Path) -> list[dict]:
    ns: dict = {}
    exec(MAKE, ns)
    out = []
    for mb in sizes:
        frame, array = ns["make"](mb)
        print(
            f"{mb} MB: frame {frame.memory_usage(deep=True).sum() / MB:.0f} MB "
            f"({len(frame):,} rows), array {array.nbytes / MB:.0f} MB",
            flush=True,
        )
        del frame, array
        bare = {n: consume("", "", False, n) for n in consumers}
        for what in FORMATS:
            for label, kind in zip(("old", "new"), FORMATS[what], strict=True):
                ser = serializers.by_kind(kind)
                path = work / f"{what}-{mb}{ser.ext}"
                saved = produce(what, mb, kind, path, label)
                save = saved["save_s"]
                mapped = label == "new" and ser.load_file is not None
                for n in consumers:
                    got = consume(kind, str(path), mapped, n)
                    row = {
                        "mb": mb,
                        "value": what,
                        "format": f"{label} {kind}{' mapped' if mapped else ''}",
                        "n": n,
                        "save_s": save,
                        "save_extra_mb": saved["extra_mb"],
                        "disk_mb": path.stat().st_size / MB,
                        "load_s": got["load_s"],
                        "touch_s": got["touch_s"],
                        "pss": got["pss"] - bare[n]["pss"],
                        "peak": got["peak"] - bare[n]["pss"],
                    }
                    out.append(row)
                    print(
                        f"  {what:6} {row['format']:22} x{n}: "
                        f"save {save:6.2f} s (+{saved['extra_mb']:4.0f} MiB), "
                        f"disk {row['disk_mb']:6.0f} MB, "
                        f"load {row['load_s']:6.3f} s (+touch {row['touch_s']:6.3f}), "
                        f"PSS {row['pss']:6.0f} MiB (peak {row['peak']:6.0f})",
                        flush=True,
                    )
                path.unlink()
    return out


def handoff_notebook(mb: float, consumers: int) -> dict:
    cells = [
        _cell("p", f"mb = {mb}  # size of each value in MB\n", ["parameters"]),
        _cell("s", MAKE + TOUCH, ["setup"]),
        _cell(0, "frame, array = make(mb)\n", ["step:produce"]),
    ]
    cells += [
        _cell(
            i,
            f"total{i} = touch(frame) + touch(array) + {i}\nprint(total{i})\n",
            [f"step:use{i}", "after:produce"],
        )
        for i in range(1, consumers + 1)
    ]
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def baseline_source(rev: str | None, work: Path) -> tuple[str, Path]:
    """The package as it was before this change, extracted from git (``rev``, default: the
    parent of the commit that added kernel_side/mapped_formats.py)."""
    if not rev:
        added = subprocess.run(
            [
                "git",
                "log",
                "--diff-filter=A",
                "--format=%H",
                "--",
                "notebook_ops/kernel_side/mapped_formats.py",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        rev = f"{added[-1]}^"
    rev = subprocess.run(
        ["git", "rev-parse", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    dest = work / "baseline"
    dest.mkdir()
    archive = subprocess.run(
        ["git", "archive", rev, "notebook_ops"], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return rev, dest


def end_to_end(sizes, consumers, repeat: int, rev: str | None, work: Path) -> list[dict]:
    saved = os.environ.get("PYTHONPATH")
    try:
        return _end_to_end(sizes, consumers, repeat, rev, work)
    finally:
        os.environ.pop("PYTHONPATH", None)
        if saved is not None:
            os.environ["PYTHONPATH"] = saved


def _end_to_end(sizes, consumers, repeat: int, rev: str | None, work: Path) -> list[dict]:
    rev, old_src = baseline_source(rev, work)
    sources = {"papermill": ROOT, f"run, before ({rev[:12]})": old_src, "run, now": ROOT}
    out = []
    for mb in sizes:
        for n in consumers:
            folder = work / f"e2e-{mb}-{n}"
            folder.mkdir()
            nb = folder / "handoff.ipynb"
            nb.write_text(json.dumps(handoff_notebook(mb, n)))
            row: dict = {"mb": mb, "n": n}
            for label, src in sources.items():
                if label == "papermill":
                    cmd = PAPERMILL + ["--no-progress-bar", str(nb), str(folder / "pm-out.ipynb")]
                else:
                    cmd = NBO + ["run", str(nb), "--no-track", "--no-cache", "--quiet"]
                os.environ["PYTHONPATH"] = str(src)  # the command and its kernels run this code
                runs = [run_with_peak_pss(cmd, folder) for _ in range(repeat)]
                row[label] = (min(w for w, _ in runs), min(p for _, p in runs))
            out.append(row)
            pm_wall, pm_pss = row["papermill"]
            parts = [f"papermill {pm_wall:5.1f} s {pm_pss:6.0f} MiB"]
            for label in list(sources)[1:]:
                wall, pss = row[label]
                parts.append(
                    f"{label} {wall:5.1f} s (x{wall / pm_wall:.2f}) {pss:6.0f} MiB (x{pss / pm_pss:.2f})"
                )
            print(f"  {mb} MB, 1 -> {n}: " + "; ".join(parts), flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="20,200", help="MB per value, comma-separated")
    ap.add_argument("--consumers", default="1,3", help="numbers of consumer steps, comma-separated")
    ap.add_argument("--repeat", type=int, default=1, help="end to end: best of this many runs")
    ap.add_argument("--baseline", default=None, help="git revision of the code before (default: found)")
    ap.add_argument("--no-e2e", action="store_true", help="the formats only")
    ap.add_argument("--no-formats", action="store_true", help="end to end only")
    args = ap.parse_args()
    sizes = [float(s) if "." in s else int(s) for s in args.sizes.split(",")]
    consumers = [int(n) for n in args.consumers.split(",")]
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-handoff-"))
    load0 = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load {load0:.1f}; work in {work}", flush=True)
    if not args.no_formats:
        print("\nformats (PSS: the consumers' together, less the same processes without the value)")
        formats(sizes, consumers, work)
    if not args.no_e2e:
        print("\nend to end (best of %d; PSS: peak of the whole process tree)" % args.repeat)
        end_to_end(sizes, consumers, args.repeat, args.baseline, work)
    print(f"\nload {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
