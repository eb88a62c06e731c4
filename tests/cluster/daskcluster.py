"""A Dask cluster on loopback for the tests: ``dask scheduler`` and ``dask worker`` processes.

Each worker is a process of its own (no nanny: killing it loses the worker, as a machine going
down would), with one thread, a name, and an empty folder of its own as working and local
directory: nothing of the notebook's folder is on its path. Workers get the environment given
(the S3 server's credentials) and this checkout on PYTHONPATH, as an installed bundle's
requirements would give them notebook-ops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskCluster:
    def __init__(self, env: dict | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="nbo-dask-"))
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
        self.env.pop("NOTEBOOK_OPS_CLUSTER", None)
        self.scheduler: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        log = open(self.root / f"{name}.log", "ab")
        try:
            return subprocess.Popen(
                [sys.executable, "-m", *argv],
                cwd=folder,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: a kill takes its kernels too
            )
        finally:
            log.close()

    def log(self, name: str) -> str:
        p = self.root / f"{name}.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def start(
        self,
        workers=("w1", "w2"),
        resources: dict | None = None,
        env: dict | None = None,
        threads: dict | None = None,
    ) -> DaskCluster:
        """``resources`` / ``env`` / ``threads``: worker name -> its ``--resources`` / environment
        additions / ``--nthreads`` (1 unless given)."""
        self.scheduler = self._spawn(
            "scheduler",
            [
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dashboard-address",
                ":0",
                "--no-show",
            ],
        )
        for name in workers:
            self.start_worker(
                name, (resources or {}).get(name), (env or {}).get(name), (threads or {}).get(name, 1)
            )
        self.wait_workers(len(workers))
        return self

    def start_worker(
        self, name: str, resources: str | None = None, env: dict | None = None, threads: int = 1
    ) -> None:
        """``env``: added to this worker's environment (``NOTEBOOK_OPS_WORKER_KERNELS=fresh``)."""
        folder = self.root / name
        argv = [
            "distributed.cli.dask_worker",
            self.address,
            "--name",
            name,
            "--nthreads",
            str(threads),
            "--no-nanny",
            "--local-directory",
            str(folder),
            "--host",
            "127.0.0.1",
            "--dashboard-address",
            ":0",
        ]
        if resources:
            argv += ["--resources", resources]
        self.workers[name] = self._spawn(name, argv, env)

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=30, set_as_default=False)

    def wait_workers(self, n: int, timeout: float = 120) -> None:
        with self.client() as c:
            c.wait_for_workers(n, timeout=timeout)

    def names(self) -> set[str]:
        with self.client() as c:
            return {str(w["name"]) for w in c.scheduler_info(n_workers=-1)["workers"].values()}

    def kill_worker(self, name: str) -> None:
        """SIGKILL the worker and every process below it (its step's kernel)."""
        proc = self.workers.pop(name)
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def zygotes_of(self, name: str) -> list[int]:
        """The worker's zygotes (worker_zygote.py): its children running zygote.py."""
        proc = psutil.Process(self.workers[name].pid)
        out = []
        for child in proc.children():
            try:
                if any(part.endswith("zygote.py") for part in child.cmdline()):
                    out.append(child.pid)
            except psutil.NoSuchProcess:
                pass
        return out

    def kernels_of(self, name: str) -> list[int]:
        """Processes running below a worker but its zygotes (a step's kernel while it runs)."""
        proc = self.workers[name]
        zygotes = set(self.zygotes_of(name))
        return [c.pid for c in psutil.Process(proc.pid).children(recursive=True) if c.pid not in zygotes]

    def stop(self) -> None:
        procs = [*self.workers.values(), *([self.scheduler] if self.scheduler else [])]
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        import shutil

        shutil.rmtree(self.root, ignore_errors=True)
