"""Webhook sink: POST each event as JSON to an http(s) URL (the one client: ``util/webhook_client.py``).

Headers: ``X-Notebook-Ops-Event`` (the type), ``X-Notebook-Ops-Event-Id``, and, when
``NOTEBOOK_OPS_EVENTS_SECRET`` is set, ``X-Notebook-Ops-Signature: sha256=<HMAC of the body>``.
``?timeout=SECONDS`` in the URL sets the (short) timeout; the parameter is not sent on.
A 2xx delivers; 408, 429, 5xx and network errors make the event wait in the spool; other 4xx
answers reject it (logged, not retried: the same bytes would be refused again).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from notebook_ops.events.sinks import EventsConfigError, Sink, SinkRejected, SinkUnavailable
from notebook_ops.util import webhook_client as webhook

DEFAULT_TIMEOUT_S = 3.0


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

    def send(self, event: dict) -> None:
        headers = {
            "X-Notebook-Ops-Event": event.get("type", ""),
            "X-Notebook-Ops-Event-Id": event.get("id", ""),
        }
        try:
            webhook.post(self.endpoint, event, timeout=self.timeout, headers=headers)
        except webhook.WebhookError as exc:
            raise (SinkUnavailable if exc.retryable else SinkRejected)(str(exc)) from None
