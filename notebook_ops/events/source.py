"""Where trigger messages come from: the source interface and its registry (by URL scheme).

A source hands out messages one at a time; the caller acknowledges a message only after the
work it asked for is recorded, negatively acknowledges it to have it redelivered (possibly to
another consumer of a shared subscription), or dead-letters it with a reason.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from notebook_ops.events.sinks import EventsConfigError, check_url, scheme_of

SOURCES: dict[str, str] = {
    "pulsar": "notebook_ops.events.pulsar:PulsarSource",
    "pulsar+ssl": "notebook_ops.events.pulsar:PulsarSource",
}


@dataclass
class Message:
    data: bytes
    properties: dict = field(default_factory=dict)
    message_id: str = ""
    topic: str = ""
    publish_time: str | None = None  # ISO 8601 UTC
    redelivery_count: int = 0
    raw: Any = None  # the client library's own message object


class Source:
    url: str

    def receive(self, timeout_s: float) -> Message | None:  # pragma: no cover - interface
        """The next message, or None when none arrived within ``timeout_s``."""
        raise NotImplementedError

    def ack(self, msg: Message) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def nack(self, msg: Message) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def dead_letter(self, msg: Message, reason: str) -> None:  # pragma: no cover - interface
        """Park ``msg`` where it will not be retried, with ``reason``; then acknowledge it."""
        raise NotImplementedError

    def close(self) -> None:
        pass


def check_source(url: str) -> str:
    """Raise EventsConfigError for a URL no source can listen on (without connecting)."""
    scheme = scheme_of(url)
    if scheme not in SOURCES:
        raise EventsConfigError(
            f"cannot listen on {scheme}:// ({url!r})", hint="use pulsar://host:port/topic"
        )

    return check_url(url)  # the same URL grammar as the sink's (topic, options)


def open_source(url: str, *, subscription: str, **options) -> Source:
    scheme = scheme_of(url)
    if scheme not in SOURCES:
        raise EventsConfigError(
            f"cannot listen on {scheme}:// ({url!r})", hint="use pulsar://host:port/topic"
        )
    module, _, attr = SOURCES[scheme].partition(":")
    return getattr(importlib.import_module(module), attr)(url, subscription=subscription, **options)
