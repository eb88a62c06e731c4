"""The run folder and its ``run.json``: the record a scheduler, the server and the panel read.

``run.json`` is rewritten atomically (temp file + ``os.replace``) on every change, so a reader
polling it always sees a complete document; it is written and read through its contract
(``notebook_ops.model.contracts.runs.RunRecord``), so no field the contract lacks gets in.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timezone
from pathlib import Path

from notebook_ops.errors import NotFoundError
from notebook_ops.model.contracts.runs import FINAL_STATUSES, RUN_JSON, RunListing, RunRecord
from notebook_ops.util import atomic, procs

__all__ = [
    "FINAL_STATUSES",
    "RUN_JSON",
    "RunFolder",
    "find_run",
    "list_runs",
    "load_run",
    "new_run_id",
    "now_iso",
    "runs_root",
]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    """Sortable by time, unique enough: ``20261129-031502-a1b2c3``."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def runs_root(notebook_path=None) -> Path:
    """``<notebook dir>/.notebook_ops/runs`` (the current folder without a notebook)."""
    base = Path(notebook_path).resolve().parent if notebook_path else Path.cwd()
    return base / ".notebook_ops" / "runs"


class RunFolder:
    """Paths inside one run folder."""

    def __init__(self, path):
        self.path = Path(path).resolve()

    @property
    def record_path(self) -> Path:
        return self.path / RUN_JSON

    @property
    def data_dir(self) -> Path:
        return self.path / "data"

    @property
    def steps_dir(self) -> Path:
        return self.path / "steps"

    @property
    def logs_dir(self) -> Path:
        return self.path / "logs"

    def create(self) -> None:
        for d in (self.path, self.steps_dir, self.logs_dir):
            d.mkdir(parents=True, exist_ok=True)

    def step_notebook(self, step: str) -> Path:
        return self.steps_dir / f"{step}.ipynb"

    def step_log(self, step: str) -> Path:
        return self.logs_dir / f"{step}.log"

    def write(self, record) -> dict:
        """Write ``record`` (a RunRecord or its dict) as its contract has it; -> what was written."""
        data = (record if isinstance(record, RunRecord) else RunRecord.from_dict(record)).to_dict()
        atomic.write_json(self.record_path, data)
        return data

    def read(self) -> dict:
        try:
            return json.loads(self.record_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFoundError("no run.json in this folder", path=self.path) from None
        except ValueError:
            raise NotFoundError("run.json is not valid JSON", path=self.path) from None


def find_run(ref, root=None) -> RunFolder:
    """A run by folder path or by run id under ``root`` (default: runs of the current folder)."""
    p = Path(str(ref))
    if (p / RUN_JSON).is_file():
        return RunFolder(p)
    root = Path(root) if root else runs_root()
    cand = root / str(ref)
    if (cand / RUN_JSON).is_file():
        return RunFolder(cand)
    matches = sorted(d for d in root.glob(f"{ref}*") if (d / RUN_JSON).is_file()) if root.is_dir() else []
    if len(matches) == 1:
        return RunFolder(matches[0])
    hint = "several runs match; give more of the id" if matches else f"runs live in {root}"
    raise NotFoundError(f"no run {ref!r}", hint=hint)


def load_run(ref, root=None) -> dict:
    return find_run(ref, root).read()


def list_runs(root=None) -> list[dict]:
    """Every run under ``root``, newest first (a broken run.json is listed as unreadable)."""
    root = Path(root) if root else runs_root()
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir(), reverse=True):
        f = d / RUN_JSON
        if not f.is_file():
            continue
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
        except ValueError:
            rec = None
        if not isinstance(rec, dict):
            out.append({"run_id": d.name, "status": "unreadable", "run_dir": str(d)})
            continue
        listing = RunListing.from_dict({**rec, "run_dir": str(d)})
        if listing.status == "running":
            listing.process_alive = _alive(listing.pid, listing.host)
        out.append(listing.to_dict())
    return out


def _alive(pid, host) -> bool | None:
    """Whether a "running" run's process still exists (None: another host, or unknown)."""
    import socket

    if not isinstance(pid, int) or host != socket.gethostname():
        return None
    return procs.alive(pid)
