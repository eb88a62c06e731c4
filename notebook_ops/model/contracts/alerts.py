"""Alerts, one definition for the pipeline settings (``metadata.notebook_ops.alerts``, the bundle
manifest) and for schedules (``--alert``): where an alert goes and on which conditions.

A destination (``to``) is a webhook (``https://...``; ``http://`` for a receiver on the same
network), e-mail (``mailto:ops@example.com``, several addresses comma-separated; the SMTP server
and its credentials come from the environment of whatever sends it, never from here), or
``env:NAME``: the destination is the value of the environment variable ``NAME`` where the alert
is sent, so a webhook URL that is itself a credential (Slack's, Teams') stays out of the
notebook and the store. Conditions (``on``): ``run.failed`` (failed or timed out),
``target.missed`` (a metric below its ``metric_targets`` threshold), ``model.promoted``,
``schedule.missed`` (a firing the scheduler could not start on time); all four by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args
from urllib.parse import unquote, urlsplit

from notebook_ops.model.contracts.base import Contract, ContractError
from notebook_ops.util.redact import redact

Condition = Literal["run.failed", "target.missed", "model.promoted", "schedule.missed"]
CONDITIONS: tuple[str, ...] = get_args(Condition)
# how a webhook's body is shaped: by its host (auto), Slack blocks, a Teams MessageCard, or
# Slack-shaped JSON with the alert's fields beside (any other receiver)
Format = Literal["auto", "slack", "teams", "json"]
FORMATS: tuple[str, ...] = get_args(Format)
Kind = Literal["webhook", "mail", "env"]  # what a destination is (``kind_of``)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ADDRESS = re.compile(r"^[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+$")


class AlertError(ContractError):
    """An alert that cannot be accepted: an unknown destination kind or condition (bad input)."""


def kind_of(to: str) -> Kind:
    """``webhook``, ``mail`` or ``env`` for a destination; AlertError for anything else."""
    if not isinstance(to, str) or not to.strip():
        raise AlertError(
            "an alert needs a destination", hint="https://..., mailto:ops@example.com or env:NAME"
        )
    to = to.strip()
    if to.startswith("env:"):
        if not _ENV_NAME.match(to[4:]):
            raise AlertError(f"alert destination {to!r}: env: takes an environment variable's name")
        return "env"
    if to.lower().startswith("mailto:"):
        addresses = mail_addresses(to)
        bad = [a for a in addresses if not _ADDRESS.match(a)]
        if not addresses or bad:
            raise AlertError(
                f"alert destination {to!r}: not an e-mail address ({', '.join(bad) or 'none given'})",
                hint="mailto:ops@example.com (several: mailto:a@example.com,b@example.com)",
            )
        return "mail"
    parts = urlsplit(to)
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return "webhook"
    raise AlertError(
        f"alert destination {shown(to)!r} is not a webhook URL, a mailto: address or env:NAME",
        hint="https://hooks.slack.com/services/..., mailto:ops@example.com or env:SLACK_ALERTS_URL",
    )


def mail_addresses(to: str) -> list[str]:
    """The recipients of a ``mailto:`` destination (its query, ``?subject=``, is ignored)."""
    addresses = to.split(":", 1)[1].split("?", 1)[0]
    return [unquote(a).strip() for a in addresses.split(",") if a.strip()]


@dataclass
class AlertSpec(Contract):
    """One alert: a destination and the conditions it is sent on."""

    to: str
    on: list[Condition] = field(default_factory=lambda: list(get_args(Condition)))
    format: Format = "auto"

    def check(self) -> None:
        kind_of(self.to)
        if not isinstance(self.on, list) or not self.on:
            raise AlertError(f"alert to {shown(self.to)!r}: 'on' names no condition")
        unknown = [c for c in self.on if c not in CONDITIONS]
        if unknown:
            raise AlertError(
                f"unknown alert condition {unknown[0]!r}", hint=f"one of {', '.join(CONDITIONS)}"
            )
        if self.format not in FORMATS:
            raise AlertError(f"alert format {self.format!r}: use one of {', '.join(FORMATS)}")


def parse_alerts(items, where: str = "alerts") -> list[AlertSpec]:
    """Alerts as settings or a schedule give them: each a destination string (every condition)
    or ``{"to": ..., "on": [...], "format": ...}``. AlertError naming the item otherwise."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise AlertError(f"{where} must be a list of destinations")
    out = []
    for i, item in enumerate(items):
        try:
            spec = AlertSpec.parse({"to": item} if isinstance(item, str) else item)
        except ContractError as exc:
            raise AlertError(f"{where}[{i}]: {exc.message}", hint=exc.hint) from None
        spec.to = spec.to.strip()
        spec.on = list(dict.fromkeys(spec.on))
        out.append(spec)
    return out


@dataclass
class CheckAlerts(Contract):
    """POST alert-checks: alerts as the lab is about to save them (a schedule's or the pipeline
    settings'), each ``{to, on?, format?}``."""

    alerts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AlertView(Contract):
    """One alert as a face may show it: its destination masked (``shown``), its kind
    (webhook, mail, env) and whether it was written with its credential in clear."""

    to: str
    on: list[Condition]
    format: Format
    kind: Kind
    carries_credential: bool

    @classmethod
    def of(cls, spec: AlertSpec) -> AlertView:
        return cls(
            to=shown(spec.to),
            on=list(spec.on),
            format=spec.format,
            kind=kind_of(spec.to),
            carries_credential=carries_credential(spec.to),
        )


@dataclass
class AlertChecksResponse(Contract):
    """The alerts checked, in order, each as shown (never with its credential)."""

    alerts: list[AlertView] = field(default_factory=list)


@dataclass
class SendTestAlert(Contract):
    """POST alert-tests: one test message to ``to`` now, on ``on`` (its first condition is the
    message's), shaped by ``format``; ``pipeline`` names what it is for in the message."""

    to: str
    on: list[Condition] = field(default_factory=lambda: list(get_args(Condition)))
    format: Format = "auto"
    pipeline: str | None = None


@dataclass
class TestAlertResponse(Contract):
    """Whether the destination took the test message (a webhook's 2xx, the SMTP server's 250);
    when not, ``error``: its answer or why it was not sent, in one line, credentials masked."""

    alert: AlertView
    delivered: bool
    error: str | None = None
    OMITTED_WHEN_NONE = ("error",)


# webhook hosts whose URL path is itself the credential
_TOKEN_PATH_HOSTS = re.compile(
    r"(^|\.)(hooks\.slack\.com|webhook\.office\.com|outlook\.office\.com|logic\.azure\.com|discord\.com)$"
)


def carries_credential(to: str) -> bool:
    """A destination written with its credential in clear (userinfo, a token query value, or
    a Slack/Teams/Discord webhook path): fine in the environment, not in a shared notebook."""
    return shown(to) != to


def shown(to: str) -> str:
    """``to`` fit for a log line, a listing or a REST answer: credentials masked as ``***``
    (the userinfo and token-like query values, and a webhook's path after its first segment,
    where Slack, Teams and Discord put the token). ``env:NAME`` and ``mailto:`` show as given."""
    if not isinstance(to, str) or not to.lower().startswith(("http://", "https://")):
        return to
    out = redact(to)
    parts = urlsplit(out)
    segments = [s for s in parts.path.split("/") if s]
    if _TOKEN_PATH_HOSTS.search(parts.hostname or "") and len(segments) > 1:
        out = parts._replace(path=f"/{segments[0]}/***", query="").geturl()
    return out


__all__ = [
    "AlertChecksResponse",
    "AlertSpec",
    "AlertView",
    "CheckAlerts",
    "SendTestAlert",
    "TestAlertResponse",
    "AlertError",
    "CONDITIONS",
    "FORMATS",
    "carries_credential",
    "kind_of",
    "mail_addresses",
    "parse_alerts",
    "shown",
]
