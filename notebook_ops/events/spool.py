"""The local spool: events a sink could not take wait here, in order, until it is back.

One JSON-lines file per sink URL under the spool folder (``NOTEBOOK_OPS_SPOOL_DIR``, default
``~/.local/state/notebook-ops/spool``), shared by every process on the machine under an flock.
Bounded: past ``max_bytes`` the oldest events are dropped (and logged) so a broker that is gone
for a week cannot fill the disk. Re-sending holds the lock only to read and to rewrite, never
while the network is slow; an event sent twice by two processes racing is possible (delivery
is at least once: consumers drop duplicate ``id``s).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from pathlib import Path

from notebook_ops.util import atomic
from notebook_ops.util.redact import redact

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
BATCH = 200


def default_dir() -> Path:
    env = os.environ.get("NOTEBOOK_OPS_SPOOL_DIR")
    if env:
        return Path(env).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "notebook-ops" / "spool"


class Spool:
    def __init__(self, url: str, folder=None, max_bytes: int = DEFAULT_MAX_BYTES):
        self.url = url
        self.folder = Path(folder) if folder else default_dir()
        key = hashlib.sha256(url.encode()).hexdigest()[:20]
        self.path = self.folder / f"{key}.jsonl"
        self.max_bytes = max_bytes

    @contextlib.contextmanager
    def _locked(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / f"{self.path.stem}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def pending(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except OSError:
            return False

    def __len__(self) -> int:
        return len(self._read())

    def append(self, events) -> None:
        if isinstance(events, dict):
            events = [events]
        data = "".join(json.dumps(e, sort_keys=True, default=str) + "\n" for e in events).encode()
        if not data:
            return
        with self._locked():
            url_file = self.folder / f"{self.path.stem}.url"
            if not url_file.exists():
                url_file.write_text(redact(self.url) + "\n")
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
            if size > self.max_bytes:
                self._trim()

    def _read(self) -> list[dict]:
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:  # a torn line (a process killed mid-write): skip it
                log.warning("spool %s: dropped an unreadable line", self.path)
        return out

    def _write(self, events: list[dict]) -> None:
        if not events:
            self.path.unlink(missing_ok=True)
            return
        atomic.write_bytes(
            self.path,
            "".join(json.dumps(e, sort_keys=True, default=str) + "\n" for e in events).encode(),
            mode=0o600,
        )

    def _trim(self) -> None:
        events = self._read()
        keep, size = [], 0
        for e in reversed(events):
            size += len(json.dumps(e, sort_keys=True, default=str)) + 1
            if size > self.max_bytes // 2:
                break
            keep.append(e)
        keep.reverse()
        log.warning(
            "event spool for %s is full: dropped the %d oldest events",
            redact(self.url),
            len(events) - len(keep),
        )
        self._write(keep)

    def resend(self, send) -> tuple[int, Exception | None]:
        """Send spooled events in order with ``send(event)`` until one fails; remove the sent.
        Returns (sent, the exception that stopped it or None)."""
        total = 0
        while True:
            with self._locked():
                batch = self._read()[:BATCH]
            if not batch:
                return total, None
            sent, error = set(), None
            for event in batch:
                try:
                    send(event)
                except Exception as exc:  # noqa: BLE001 - the caller decides what failed means
                    error = exc
                    break
                sent.add(event.get("id"))
            if sent:
                with self._locked():
                    self._write([e for e in self._read() if e.get("id") not in sent])
            total += len(sent)
            if error is not None:
                return total, error
