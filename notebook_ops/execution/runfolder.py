"""The run folder and its ``run.json``: the record a scheduler, the server and the panel read.

``run.json`` is rewritten atomically (temp file + ``os.replace``) on every change, so a reader
polling it always sees a complete document; it is written and read through its contract
(``notebook_ops.model.contracts.runs.RunRecord``), so no field the contract lacks gets in.
"""

from __future__ import annotations

import copy
import json
import secrets
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

from notebook_ops.errors import NotFoundError
from notebook_ops.model.contracts.runs import FINAL_STATUSES, RUN_JSON, RunListing, RunRecord, StepRecord
from notebook_ops.util import atomic, faults, procs

__all__ = [
    "FINAL_STATUSES",
    "RUN_JSON",
    "RunFolder",
    "RecordWriter",
    "find_run",
    "list_runs",
    "load_run",
    "new_run_id",
    "now_iso",
    "run_order",
    "runs_root",
]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run_order(run_id: str, started_at: str | None) -> tuple[str, str]:
    """Sort key of runs by when they started. A run id is its start second and a random suffix,
    so runs of one second go by ``started_at`` (milliseconds): by id alone an older run could
    pass for the newest."""
    return run_id[:15], started_at or ""


def new_run_id() -> str:
    """Sortable by time, unique enough: ``20261129-031502-a1b2c3``."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def runs_root(notebook_path=None) -> Path:
    """``<notebook dir>/.notebook_ops/runs``; a folder of notebooks: ``<folder>/.notebook_ops/runs``
    (where its runs go: beside its notebooks); the current folder without a notebook."""
    if notebook_path and Path(notebook_path).is_dir():
        return Path(notebook_path).resolve() / ".notebook_ops" / "runs"
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
        faults.point("runner.run_json.before_write")
        atomic.write_json(self.record_path, data)
        return data

    def write_text(self, text: str) -> None:
        """Write run.json's text as rendered (``RecordWriter``), atomically."""
        faults.point("runner.run_json.before_write")
        atomic.write_text(self.record_path, text)

    def write_failed_in_place(self, data: dict, reason: str) -> bool:
        """Last resort when ``write`` cannot (a full disk): mark the run failed in the existing
        run.json by overwriting it in place with a smaller record (no new blocks needed), so it
        never stays "running". Whether that worked."""
        steps = {
            name: {"status": "failed" if st.get("status") in ("pending", "running") else st.get("status")}
            for name, st in (data.get("steps") or {}).items()
        }
        small = {
            "run_id": data.get("run_id"),
            "status": "failed",
            "pipeline": data.get("pipeline"),
            "source": data.get("source"),
            "started_at": data.get("started_at"),
            "finished_at": now_iso(),
            "error": reason,
            "steps": steps,
        }
        try:
            size = self.record_path.stat().st_size
            text = json.dumps(small, allow_nan=False).encode()
            if len(text) > size:
                text = json.dumps({**small, "steps": {}}, allow_nan=False).encode()
            if len(text) > size:
                return False
            with open(self.record_path, "r+b") as f:
                f.write(text)
                f.truncate()
            return True
        except OSError:
            return False

    def read(self) -> dict:
        try:
            text = self.record_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFoundError("no run.json in this folder", path=self.path) from None
        except (OSError, ValueError) as exc:
            raise NotFoundError(f"run.json cannot be read: {exc}", path=self.path) from None
        record = parse_record(text)
        if record is None:
            raise NotFoundError(
                "run.json is damaged (not a JSON object a run wrote)",
                path=self.path,
                hint="delete this run folder; the run cannot be shown",
            )
        return record


class RecordWriter:
    """Writes a run's record again and again as it changes, each time as ``RunFolder.write`` would
    (the same bytes) but at the cost of what changed: a step's record is read through its
    contract and serialised only when it differs from the one last written, so a run of N steps
    no longer pays O(N) contract work per save (O(N^2) per run). ``renders`` counts the step
    records serialised (a test's measure). A step is compared by value (``==``): a field going
    from ``1`` to ``True`` or ``1.0`` alone would keep the old text; the runner never does that.
    """

    # where the steps go in the rest's JSON: a top-level line (a value's text holds no raw newline)
    _STEPS = '\n "steps": "\\u0000steps\\u0000"'

    def __init__(self, folder: RunFolder):
        self.folder = folder
        self.renders = 0
        # name -> (the record as compared, as the contract has it, its JSON in run.json)
        self._steps: dict[str, tuple[object, object, str]] = {}

    def write(self, data: dict) -> dict:
        """Write ``data`` (a dict shaped by ``RunRecord``); -> what was written, as a dict whose
        step records are shared with the snapshots before it while unchanged: read only."""
        steps = data.get("steps")
        if not isinstance(steps, dict):  # not the runner's record: the whole contract way
            return self.folder.write(data)
        rest = RunRecord.from_dict({k: v for k, v in data.items() if k != "steps"}).to_dict()
        rest["steps"] = "\0steps\0"
        items, plain = [], {}
        for name, step in steps.items():
            cached = self._steps.get(name)
            if cached is None or cached[0] != step:
                cached = self._render(step)
                self._steps[name] = cached
            plain[name] = cached[1]
            items.append(f"  {json.dumps(name)}: {cached[2]}")
        steps_text = "{\n" + ",\n".join(items) + "\n }" if items else "{}"
        self.folder.write_text(_record_text(rest).replace(self._STEPS, '\n "steps": ' + steps_text, 1))
        rest["steps"] = plain
        return rest

    def _render(self, step) -> tuple[object, object, str]:
        self.renders += 1
        plain = StepRecord.from_dict(step).to_dict() if isinstance(step, dict) else step
        # two levels in run.json: its lines indented by 2 more (a JSON string holds no raw newline)
        return copy.deepcopy(step), plain, _json(plain).replace("\n", "\n  ")


def _json(obj) -> str:
    return json.dumps(obj, indent=1, default=str, allow_nan=False)


def _record_text(data: dict) -> str:
    return _json(data) + "\n"  # as atomic.write_json writes it


def parse_record(text: str) -> dict | None:
    """A run.json's text as its record (a RunListing's fields), or None when it is damaged:
    not JSON, nested past the parser's limit, not an object, or fields of the wrong type."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not _typed(data, _RECORD_TYPES):
        return None
    steps = data.get("steps") or {}
    if not all(isinstance(s, dict) and _typed(s, _STEP_TYPES) for s in steps.values()):
        return None
    return data


# the fields every reader of a record walks into (a lenient read keeps the others as they are)
_RECORD_TYPES = {
    "run_id": str,
    "status": str,
    "steps": dict,
    "parameters": dict,
    "metrics": dict,
    "tags": dict,
    "targets": list,
    "git": dict,
    "options": dict,
    "mlflow": dict,
    "run_dir": str,
}
_STEP_TYPES = {"status": str, "notebook": str, "log": str, "metrics": dict, "error": str}


def _typed(data: dict, types: dict) -> bool:
    return all(data.get(k) is None or isinstance(data[k], t) for k, t in types.items())


MAX_REF_CHARS = 4096  # a run id or a run folder's path


def find_run(ref, root=None) -> RunFolder:
    """A run by folder path or by run id under ``root`` (default: runs of the current folder)."""
    text = str(ref)
    too_long = len(text) > MAX_REF_CHARS or any(len(part) > 255 for part in text.split("/"))
    if not text or "\x00" in text or too_long:
        shown = text[:40] + ("..." if len(text) > 40 else "")
        raise NotFoundError(
            f"no run {shown!r}: not a run id or run folder ({len(text):,} characters)",
            hint="give a run id as `notebook-ops runs list` shows it",
        )
    p = Path(text)
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
            rec = parse_record(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            rec = None
        if rec is None:
            out.append({"run_id": d.name, "status": "unreadable", "run_dir": str(d)})
            continue
        listing = RunListing.from_dict({**rec, "run_dir": str(d)})
        if listing.status == "running":
            listing.process_alive = _alive(listing.pid, listing.host)
        out.append(listing.to_dict())
    out.sort(key=lambda r: run_order(Path(r["run_dir"]).name, r.get("started_at")), reverse=True)
    return out


def _alive(pid, host) -> bool | None:
    """Whether a "running" run's process still exists (None: another host, or unknown)."""

    if not isinstance(pid, int) or host != socket.gethostname():
        return None
    return procs.alive(pid)
