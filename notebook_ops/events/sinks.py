"""Where events go: the sink interface and a small registry, loaded on first use.

A sink URL picks its class by scheme: ``pulsar://`` / ``pulsar+ssl://`` (Apache Pulsar, through
the official pulsar-client), ``http://`` / ``https://`` (a webhook), ``file://`` or a plain path
(a JSON-lines file). Other packages add schemes through the ``notebook_ops.event_sinks`` entry
point group (``scheme = "module:Class"``). Nothing here imports a client library: the sink's
module is imported when the first event is sent, on the publisher's thread.
"""

from __future__ import annotations

import importlib
import logging
from urllib.parse import urlsplit

from notebook_ops.errors import NotebookOpsError
from notebook_ops.util.redact import redact, redact_text

log = logging.getLogger(__name__)

SINKS: dict[str, str] = {
    "pulsar": "notebook_ops.events.pulsar:PulsarSink",
    "pulsar+ssl": "notebook_ops.events.pulsar:PulsarSink",
    "http": "notebook_ops.events.webhook:WebhookSink",
    "https": "notebook_ops.events.webhook:WebhookSink",
    "file": "notebook_ops.events.filesink:FileSink",
}
_entry_points_loaded = False


class EventsConfigError(NotebookOpsError):
    """An events URL that names no known sink, or lacks what the sink needs."""


class SinkUnavailable(Exception):
    """The sink cannot take the event now (down, timed out): spool it and try again later."""


class SinkRejected(Exception):
    """The sink refused this event for good (e.g. a webhook's 400): retrying will not help."""


class Sink:
    """One destination. ``send`` delivers one event or raises SinkUnavailable/SinkRejected;
    it is only ever called from one thread (the sink's publisher worker)."""

    url: str

    def __init__(self, url: str):
        self.url = url

    def send(self, event: dict) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass

    def abort(self) -> None:
        """Called from another thread when the publisher gives up on a send in progress: make
        it return now (the process may be about to exit)."""


def scheme_of(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    # a plain path (or a Windows drive letter) is a JSON-lines file
    return "file" if len(scheme) <= 1 else scheme


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points  # noqa: PLC0415 - importlib.metadata costs 63 ms CPU to import, loaded on first use

    for ep in entry_points(group="notebook_ops.event_sinks"):
        SINKS.setdefault(ep.name, ep.value)


def sink_class(url: str):
    scheme = scheme_of(url)
    if scheme not in SINKS:
        _load_entry_points()
    if scheme not in SINKS:
        raise EventsConfigError(
            f"no event sink for {scheme}:// in {redact(url)!r}",
            hint="use pulsar://host:port/topic, http(s)://..., or a .jsonl path",
        )
    module, _, attr = SINKS[scheme].partition(":")
    return getattr(importlib.import_module(module), attr)


def check_url(url: str, *, files: bool = True) -> str:
    """Raise EventsConfigError for a URL no sink can take (before a run starts). ``files=False``
    checks the URL alone, not the files it names (a CA bundle, a token file), which may exist
    only on the machine that runs it: what a linter on another machine can say."""
    cls = sink_class(url)
    check = getattr(cls, "check_url", None)
    if not files:
        check = getattr(cls, "check_url_syntax", check)
    if check is not None:
        try:
            check(url)
        except EventsConfigError as exc:  # whatever the sink said, no credential in it
            exc.message = redact_text(exc.message)
            exc.args = (exc.message,)
            raise
    return url


def open_sink(url: str) -> Sink:
    return sink_class(url)(url)
