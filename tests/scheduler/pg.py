"""A private PostgreSQL server for the scheduler store's tests, from Debian's binaries.

One cluster per test session (``initdb`` + ``pg_ctl`` in a temp folder, 127.0.0.1 on a free port,
trust authentication, no fsync: its data is thrown away). Each test gets a fresh database copied
from a template that is already migrated to HEAD (``CREATE DATABASE ... TEMPLATE``), or an empty
one where the migrations themselves are under test. Run as root, the server runs as the
``postgres`` system user (``runuser``), which owns the temp folder; as anyone else, as them.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

VERSION = "15"
INSTALL_HINT = "install Debian's postgresql package (make install does: apt-get install postgresql)"


def bin_dir() -> Path:
    """``/usr/lib/postgresql/15/bin`` (or the newest installed version); AssertionError if none."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    want = f"/usr/lib/postgresql/{VERSION}/bin/initdb"
    path = want if want in found else (found[-1] if found else None)
    assert path, f"no PostgreSQL server binaries under /usr/lib/postgresql: {INSTALL_HINT}"
    return Path(path).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self):
        self.bin = bin_dir()
        root = os.geteuid() == 0
        # as root, a folder the postgres user can reach ($TMPDIR may be root's own)
        self.root = Path(tempfile.mkdtemp(prefix="nbo-pg-", dir="/tmp" if root else None))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.user = "postgres"
        self._as = []
        if root:
            pw = pwd.getpwnam("postgres")  # the package made this user
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._names = itertools.count()
        self.template = None

    def _run(self, *argv):
        cmd = [*self._as, str(self.bin / argv[0]), *argv[1:]]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if res.returncode:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}\n{log}"
            )
        return res

    def start(self) -> Cluster:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
            "-c shared_buffers=32MB"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{db}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as c:
            c.execute(sql)

    def create_db(self, migrated: bool = True) -> str:
        """A new database: a copy of the template at HEAD, or empty. -> its name."""
        if migrated and self.template is None:
            from notebook_ops.scheduler.database import Store

            self.template = "nbo_template"
            self.admin(f"CREATE DATABASE {self.template}")
            Store(self.url(self.template)).close()  # migrated to HEAD, then left alone
        name = f"nbo_{os.getpid()}_{next(self._names)}"
        tmpl = f" TEMPLATE {self.template} STRATEGY FILE_COPY" if migrated else ""
        self.admin(f"CREATE DATABASE {name}{tmpl}")
        return name

    def drop_db(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
