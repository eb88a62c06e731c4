"""The one webhook client: POST a JSON body, signed when a secret is set.

Used by the event sink (``events/webhook.py``) and the scheduler's failure notices
(``scheduler/notify.py``). The body is ``json.dumps(body, sort_keys=True)``; with a secret
(``NOTEBOOK_OPS_EVENTS_SECRET`` unless one is given) the request carries
``X-Notebook-Ops-Signature: sha256=<HMAC-SHA256 of the body>``. The environment's proxy
settings apply, as for any urllib client.

A URL with credentials (``https://user:password@host/hook``) is requested without them, which
go as an ``Authorization: Basic`` header instead: urllib would otherwise take ``user:password@host``
for the host name (and hand the password to the DNS resolver). Messages show the URL redacted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request
from urllib.parse import unquote, urlsplit, urlunsplit

from notebook_ops.util.redact import redact

SECRET_ENV = "NOTEBOOK_OPS_EVENTS_SECRET"
SIGNATURE_HEADER = "X-Notebook-Ops-Signature"
RETRYABLE = {408, 425, 429}


class WebhookError(Exception):
    """The receiver did not take the body. ``retryable``: the same bytes may succeed later
    (network errors, 408, 425, 429, 5xx); other 4xx answers would be refused again."""

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


def split_credentials(url: str) -> tuple[str, dict]:
    """``url`` without its userinfo, and the ``Authorization`` header that carries it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, {}
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    return urlunsplit(parts._replace(netloc=hostport)), {"Authorization": f"Basic {token}"}


def post(
    url: str, body: dict, *, timeout: float, headers: dict | None = None, secret: str | None = None
) -> int:
    """POST ``body`` as JSON; the HTTP status of a 2xx answer, else ``WebhookError``."""
    data = json.dumps(body, sort_keys=True, default=str).encode()
    secret = secret if secret is not None else os.environ.get(SECRET_ENV)
    shown = redact(url)
    url, auth = split_credentials(url)
    sent = {"Content-Type": "application/json", "User-Agent": "notebook-ops", **auth, **(headers or {})}
    if secret:
        mac = hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
        sent[SIGNATURE_HEADER] = f"sha256={mac}"
    req = urllib.request.Request(url, data=data, headers=sent, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        retryable = exc.code >= 500 or exc.code in RETRYABLE
        raise WebhookError(f"{shown} answered {exc.code} {exc.reason}", retryable=retryable) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WebhookError(f"{shown}: {redact(str(getattr(exc, 'reason', exc)))}", retryable=True) from None
