"""JSON-lines file sink: one event per line, appended with a single write under an flock, so
several processes (runs, the scheduler) can share one file without interleaving."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from notebook_ops.events.sinks import Sink, SinkUnavailable


def path_of(url: str) -> Path:
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        return Path(unquote(parts.path)).expanduser()
    return Path(url).expanduser()


class FileSink(Sink):
    def __init__(self, url: str):
        super().__init__(url)
        self.path = path_of(url)

    def send(self, event: dict) -> None:
        line = (json.dumps(event, sort_keys=True, default=str) + "\n").encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            raise SinkUnavailable(f"{self.path}: {exc}") from exc
