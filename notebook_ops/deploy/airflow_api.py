"""The client of Airflow 3's REST API (``/api/v2``), with its credentials.

Credentials come from the environment or a file, never the command line, the bundle or a log:
``NOTEBOOK_OPS_AIRFLOW_TOKEN`` (a bearer token, used as is), or ``NOTEBOOK_OPS_AIRFLOW_USER`` and
``NOTEBOOK_OPS_AIRFLOW_PASSWORD`` (exchanged for a JWT at ``/auth/token``, which Airflow 3's
simple and FAB auth managers both serve), or the JSON file ``NOTEBOOK_OPS_AIRFLOW_CREDENTIALS``
names (``{"token": ...}`` or ``{"username": ..., "password": ...}``). With none of them the
client asks ``GET /auth/token``, which an Airflow with ``simple_auth_manager_all_admins`` grants.
An expired token is renewed once from the user and password. Every message shows the URL
through ``redact``; credentials in the URL itself are refused.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from notebook_ops.errors import NotebookOpsError
from notebook_ops.util.backoff import delay
from notebook_ops.util.redact import redact

TOKEN_ENV = "NOTEBOOK_OPS_AIRFLOW_TOKEN"
USER_ENV = "NOTEBOOK_OPS_AIRFLOW_USER"
PASSWORD_ENV = "NOTEBOOK_OPS_AIRFLOW_PASSWORD"
FILE_ENV = "NOTEBOOK_OPS_AIRFLOW_CREDENTIALS"
URL_ENV = "NOTEBOOK_OPS_AIRFLOW_URL"
TRANSIENT = (0, 502, 503, 504)  # 0: no answer (refused, timed out)
RETRIES = 4


class AirflowError(NotebookOpsError):
    """Airflow refused or could not be reached; ``status`` is the HTTP status (0: no answer)."""

    exit_code = 1
    http_status = 502

    def __init__(self, message: str, *, status: int = 0, **kw):
        super().__init__(message, **kw)
        self.status = status


@dataclass(frozen=True)
class Credentials:
    token: str | None = None
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never a secret in a traceback or a log line
        return f"Credentials(username={self.username!r}, token={'***' if self.token else None})"

    @classmethod
    def from_env(cls, file=None) -> Credentials:
        """From ``file`` (or ``$NOTEBOOK_OPS_AIRFLOW_CREDENTIALS``), else the variables."""
        path = file or os.environ.get(FILE_ENV)
        if path:
            try:
                data = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise NotebookOpsError(
                    f"cannot read the Airflow credentials ({type(exc).__name__})",
                    path=path,
                    hint='a JSON object: {"username": ..., "password": ...} or {"token": ...}',
                ) from None
            if not isinstance(data, dict):
                raise NotebookOpsError("the Airflow credentials file holds no JSON object", path=path)
            return cls(data.get("token"), data.get("username"), data.get("password"))
        return cls(os.environ.get(TOKEN_ENV), os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV))


def check_url(url: str) -> str:
    """``url`` without a trailing slash; credentials in it are refused (they would be logged)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NotebookOpsError(
            f"not an Airflow URL: {redact(url)}", hint="give the api-server's http(s)://HOST:PORT"
        )
    if "@" in parts.netloc:
        raise NotebookOpsError(
            f"credentials in the Airflow URL {redact(url)} are refused",
            hint=f"set {USER_ENV} and {PASSWORD_ENV} (or {TOKEN_ENV}) instead",
        )
    return url.rstrip("/")


class AirflowClient:
    """``get``/``post``/``patch`` on ``<url>/api/v2/...``, JSON in and out."""

    def __init__(self, url: str, credentials: Credentials | None = None, *, timeout: float = 60.0):
        self.url = check_url(url)
        self.credentials = credentials if credentials is not None else Credentials.from_env()
        self.timeout = timeout
        self._token = self.credentials.token

    def ui_url(self, dag_id: str, run_id: str | None = None) -> str:
        """The page of a DAG (or one run of it) in Airflow's UI."""
        base = f"{self.url}/dags/{urllib.parse.quote(dag_id, safe='')}"
        return f"{base}/runs/{urllib.parse.quote(run_id, safe='')}" if run_id else base

    def get(self, path: str, **query):
        q = {k: v for k, v in query.items() if v is not None}
        return self.request("GET", path + (f"?{urllib.parse.urlencode(q, doseq=True)}" if q else ""))

    def post(self, path: str, body: dict):
        return self.request("POST", path, body)

    def patch(self, path: str, body: dict):
        return self.request("PATCH", path, body)

    def request(self, method: str, path: str, body: dict | None = None):
        if self._token is None:
            self._token = self._login()
        try:
            return self._send(method, f"{self.url}/api/v2{path}", body, self._token)
        except AirflowError as exc:
            renew = exc.status == 401 and self.credentials.username and self.credentials.password
            if not renew:
                raise
            self._token = self._login()
            return self._send(method, f"{self.url}/api/v2{path}", body, self._token)

    def _login(self) -> str:
        c = self.credentials
        if c.username and c.password:
            answer = self._send(
                "POST", f"{self.url}/auth/token", {"username": c.username, "password": c.password}
            )
        else:
            try:
                answer = self._send("GET", f"{self.url}/auth/token", None)
            except AirflowError as exc:
                if exc.status in (401, 403, 405):
                    raise AirflowError(
                        f"Airflow at {self.url} wants credentials",
                        status=exc.status,
                        hint=f"set {USER_ENV} and {PASSWORD_ENV}, or {TOKEN_ENV}, or {FILE_ENV}",
                    ) from None
                raise
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not token:
            raise AirflowError(f"Airflow at {self.url} gave no access token")
        return token

    def _send(self, method: str, url: str, body: dict | None, token: str | None = None):
        """One call; a busy or restarting Airflow (no answer, 502-504) is asked again, with
        backoff, except for a POST that creates something (a run must not start twice)."""
        retries = RETRIES if method != "POST" or url.endswith("/auth/token") else 0
        for attempt in range(1, retries + 2):
            try:
                return self._send_once(method, url, body, token)
            except AirflowError as exc:
                if exc.status not in TRANSIENT or attempt > retries:
                    raise
                time.sleep(delay(attempt, 0.5, 8.0))
        raise AssertionError("unreachable")

    def _send_once(self, method: str, url: str, body: dict | None, token: str | None = None):
        headers = {"Accept": "application/json", "User-Agent": "notebook-ops"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        shown = redact(url)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = _detail(exc.read())
            what = {401: "not authenticated", 403: "not allowed", 404: "not found"}.get(exc.code, "refused")
            raise AirflowError(
                f"{method} {shown}: {what} (HTTP {exc.code}){': ' + detail if detail else ''}",
                status=exc.code,
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AirflowError(f"cannot reach Airflow at {redact(self.url)} ({reason})") from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise AirflowError(f"{method} {shown}: the answer is not JSON") from None


def _detail(raw: bytes) -> str:
    """Airflow's ``{"detail": ...}`` as one short line."""
    try:
        detail = json.loads(raw).get("detail")
    except (ValueError, AttributeError):
        return ""
    if isinstance(detail, list):  # FastAPI validation errors
        detail = "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    return redact(" ".join(str(detail or "").split()))[:300]
