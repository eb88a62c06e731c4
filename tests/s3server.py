"""An S3-compatible server for the tests: moto's server mode, as a real process on loopback.

``with s3_server() as s3:`` starts ``python -m moto.server`` on 127.0.0.1 at a free port (its
own process, stopped at the end), creates a bucket and yields an ``S3Server``: the endpoint,
fake credentials and the environment that points boto3 / s3fs at it (``AWS_ENDPOINT_URL``,
``FSSPEC_S3_ENDPOINT_URL``). Pass ``s3.env`` to the processes under test (Dask workers, Airflow
tasks) or apply it to the test's own process with ``s3.apply(monkeypatch)``.

``auth=True`` makes moto check credentials (its IAM emulation): the bucket and an IAM user with
an access key are made by the first unauthenticated requests, then every request must be signed
with that key; a wrong key is refused (``InvalidAccessKeyId`` / 403), as on AWS.

The module-level ``s3`` fixture gives any test folder one server per test (``from s3server
import s3`` in a conftest or test module, or use the context manager directly).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from waiting import eventually

REGION = "us-east-1"
FAKE_KEY, FAKE_SECRET = "testing", "testing"
# variables that would send boto3 elsewhere (a developer's profile and credentials files)
_CLEARED = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class S3Server:
    endpoint: str  # http://127.0.0.1:PORT
    bucket: str
    key: str
    secret: str
    proc: subprocess.Popen
    log: Path
    env: dict = field(default_factory=dict)  # what a process needs to reach the bucket

    def url(self, prefix: str = "") -> str:
        """``s3://<bucket>/<prefix>``."""
        return f"s3://{self.bucket}/{prefix.strip('/')}".rstrip("/")

    def env_with(self, *, key: str | None = None, secret: str | None = None) -> dict:
        """The environment with other credentials (e.g. wrong ones)."""
        return {
            **self.env,
            "AWS_ACCESS_KEY_ID": key or self.key,
            "AWS_SECRET_ACCESS_KEY": secret or self.secret,
        }

    def apply(self, monkeypatch, env: dict | None = None) -> None:
        """Point this process's boto3 / s3fs at the server (undone by monkeypatch)."""
        for name in _CLEARED:
            monkeypatch.delenv(name, raising=False)
        env = env or self.env
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        # fsspec read FSSPEC_* once, when it was imported: give its config this server too
        import fsspec.config

        s3conf = {**fsspec.config.conf.get("s3", {}), "endpoint_url": env["FSSPEC_S3_ENDPOINT_URL"]}
        monkeypatch.setitem(fsspec.config.conf, "s3", s3conf)

    def fs(self, **kw):
        """A fresh s3fs filesystem on the server (no instance cache: credentials as given)."""
        import s3fs

        return s3fs.S3FileSystem(
            key=kw.pop("key", self.key),
            secret=kw.pop("secret", self.secret),
            endpoint_url=self.endpoint,  # wins over FSSPEC_S3_ENDPOINT_URL (s.apply sets it)
            client_kwargs={"region_name": REGION},
            skip_instance_cache=True,
            **kw,
        )

    def boto(self, service: str = "s3", **kw):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=kw.pop("key", self.key),
            aws_secret_access_key=kw.pop("secret", self.secret),
            **kw,
        )


def _wait_up(endpoint: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:

    def up() -> bool:
        assert proc.poll() is None, f"moto server exited ({proc.returncode}):\n{log.read_text()}"
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
            return True

    eventually(
        up, timeout=timeout, interval=0.1, what="the moto server", retry_on=(OSError,), context=log.read_text
    )


def _admin_user(server: S3Server) -> tuple[str, str]:
    """An IAM user allowed everything, and its access key (made while moto allows anonymous calls)."""
    iam = server.boto("iam")
    iam.create_user(UserName="nbo-test")
    iam.put_user_policy(
        UserName="nbo-test",
        PolicyName="all",
        PolicyDocument='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    )
    k = iam.create_access_key(UserName="nbo-test")["AccessKey"]
    return k["AccessKeyId"], k["SecretAccessKey"]


# requests moto serves before it checks credentials: create_bucket + the 3 IAM calls above
_SETUP_REQUESTS = 4


@contextlib.contextmanager
def s3_server(bucket: str = "nbo-data", *, auth: bool = False) -> Iterator[S3Server]:
    """A moto S3 server process with ``bucket`` created; stopped (and its files gone) at exit."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    tmp = Path(tempfile.mkdtemp(prefix="nbo-s3-"))
    log = tmp / "moto.log"
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    if auth:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(_SETUP_REQUESTS)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp,
            env=env,
            start_new_session=True,
        )
    server = S3Server(endpoint, bucket, FAKE_KEY, FAKE_SECRET, proc, log)
    try:
        _wait_up(endpoint, proc, log)
        server.boto("s3").create_bucket(Bucket=bucket)
        if auth:
            server.key, server.secret = _admin_user(server)
        server.env = {
            "AWS_ACCESS_KEY_ID": server.key,
            "AWS_SECRET_ACCESS_KEY": server.secret,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "FSSPEC_S3_ENDPOINT_URL": endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def s3(monkeypatch) -> Iterator[S3Server]:
    """A moto S3 server for this test, this process's environment pointed at it."""
    with s3_server() as server:
        server.apply(monkeypatch)
        yield server
