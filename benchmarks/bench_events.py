"""What publishing events costs a run: the caller's cost per event, delivery rates, and the same
small pipeline run with no sink, with a live broker, and with a broker that is down.

Run: .venv/bin/python benchmarks/bench_events.py
The broker is pulsar-lite 0.2.0 (Pulsar binary protocol, not Apache Pulsar) on a free loopback
port; the client is the official pulsar-client. Figures are medians on this machine; the point
is the ratios (a down broker must cost a run nothing measurable).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "events"), str(ROOT / "tests"), str(ROOT)]

from conftest import SMALL, Broker  # noqa: E402  (the tests' broker helper and notebook)
from nbfactory import make_notebook  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def per_event(url: str, n: int = 2000) -> tuple[float, float]:
    """(µs per publish() in the caller's thread, events/s delivered until close returned)."""
    from notebook_ops.events import envelope as build
    from notebook_ops.events.publisher import Publisher

    events = [
        build.make_event(
            "step.finished",
            {
                "step": "s",
                "status": "succeeded",
                "duration_s": 1.0,
                "cached": False,
                "attempts": 1,
                "error": None,
                "metrics": {},
            },
            run_id="r",
            seq=i,
        )
        for i in range(n)
    ]
    pub = Publisher([url])
    t0 = time.perf_counter()
    for e in events:
        pub.publish(e)
    t1 = time.perf_counter()
    pub.close(timeout=120)
    t2 = time.perf_counter()
    return (t1 - t0) / n * 1e6, n / (t2 - t0)


def run_cli(nb: Path, *extra, env=None) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv/bin/notebook-ops"), "run", str(nb), "--no-track", "--no-cache", "-q", *extra],
        check=True,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nbo-bench-events-"))
    os.environ["NOTEBOOK_OPS_SPOOL_DIR"] = str(tmp / "spool")
    broker = Broker(tmp / "broker")
    broker.start()
    try:
        live = broker.topic_url("bench")
        down = f"pulsar://127.0.0.1:{free_port()}/bench"
        rows = [("jsonl file", str(tmp / "e.jsonl")), ("pulsar (live)", live), ("pulsar (down)", down)]
        print(f"{'sink':16} {'publish() µs/event':>20} {'delivered events/s':>20}")
        for name, url in rows:
            us, rate = per_event(url)
            print(f"{name:16} {us:20.1f} {rate:20.0f}" + ("   (spooled)" if "down" in name else ""))

        nb = tmp / "small.ipynb"
        nb.write_text(json.dumps(make_notebook(SMALL)))
        cases = [("no events", ()), ("pulsar live", ("--events", live)), ("pulsar down", ("--events", down))]
        times = {name: [] for name, _ in cases}
        for _ in range(5):  # interleaved, so load drifts hit all alike
            for name, extra in cases:
                times[name].append(run_cli(nb, *extra))
        base = statistics.median(times["no events"])
        print("\n`notebook-ops run` of a 2-step notebook (median of 5, CLI process, --no-track):")
        for name, _ in cases:
            m = statistics.median(times[name])
            print(f"  {name:12} {m:6.2f} s   x{m / base:.2f}")
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
