"""A scheduler service in its own process, for crash tests: its clock is a file the test writes
(so the test sets the time across a kill -9 and a restart), its child command the fake run."""

import logging
import sys
import threading
from datetime import datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent)]  # helpers, waiting
from helpers import fake_command  # noqa: E402

from notebook_ops.scheduler.service import SchedulerService  # noqa: E402
from notebook_ops.scheduler.database import Store  # noqa: E402


class FileClock:
    def __init__(self, path):
        self.path = Path(path)

    def now(self):
        return datetime.fromisoformat(self.path.read_text().strip())

    def sleep(self, seconds, stop: threading.Event):
        stop.wait(0.02)


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    db, clock_file = sys.argv[1], sys.argv[2]
    svc = SchedulerService(
        Store(db),
        clock=FileClock(clock_file),
        command=fake_command,
        workers=4,
        misfire_grace_s=600,
        heartbeat_s=0,
    )
    svc.run()
