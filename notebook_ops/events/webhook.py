"""Webhook sink: POST each event as JSON to an http(s) URL (standard library only).

Headers: ``X-Notebook-Ops-Event`` (the type), ``X-Notebook-Ops-Event-Id``, and, when
``NOTEBOOK_OPS_EVENTS_SECRET`` is set, ``X-Notebook-Ops-Signature: sha256=<HMAC of the body>``.
``?timeout=SECONDS`` in the URL sets the (short) timeout; the parameter is not sent on.
A 2xx delivers; 408, 429, 5xx and network errors make the event wait in the spool; other 4xx
answers reject it (logged, not retried: the same bytes would be refused again).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from notebook_ops.events.sinks import EventsConfigError, Sink, SinkRejected, SinkUnavailable

DEFAULT_TIMEOUT_S = 3.0
RETRYABLE = {408, 425, 429}


def _split(url: str) -> tuple[str, float]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    timeout = DEFAULT_TIMEOUT_S
    kept = []
    for k, v in query:
        if k == "timeout":
            try:
                timeout = float(v)
            except ValueError:
                raise EventsConfigError(f"timeout={v!r} is not a number of seconds in {url!r}") from None
        else:
            kept.append((k, v))
    return urlunsplit(parts._replace(query=urlencode(kept))), timeout


class WebhookSink(Sink):
    @staticmethod
    def check_url(url: str) -> None:
        if not urlsplit(url).hostname:
            raise EventsConfigError(f"no host in webhook URL {url!r}")
        _split(url)

    def __init__(self, url: str):
        super().__init__(url)
        self.check_url(url)
        self.endpoint, self.timeout = _split(url)
        self.secret = os.environ.get("NOTEBOOK_OPS_EVENTS_SECRET")
        # the environment's proxy settings (and no_proxy) apply, as for any urllib client
        self._opener = urllib.request.build_opener()

    def send(self, event: dict) -> None:
        body = json.dumps(event, sort_keys=True, default=str).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "notebook-ops",
                   "X-Notebook-Ops-Event": event.get("type", ""),
                   "X-Notebook-Ops-Event-Id": event.get("id", "")}
        if self.secret:
            mac = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Notebook-Ops-Signature"] = f"sha256={mac}"
        req = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            if exc.code < 500 and exc.code not in RETRYABLE:
                raise SinkRejected(f"{self.endpoint} answered {exc.code} {exc.reason}") from None
            raise SinkUnavailable(f"{self.endpoint} answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SinkUnavailable(f"{self.endpoint}: {reason}") from None
