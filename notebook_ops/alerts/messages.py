"""How an occurrence reads at its destination: a Slack message (``text`` + blocks), a Teams
MessageCard (``summary`` + sections of facts), Slack-shaped JSON with the alert beside it (any
other webhook), or a plain-text e-mail. Built from the occurrence alone: nothing secret in it.
"""

from __future__ import annotations

import hashlib
import socket
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from notebook_ops.alerts.occurrences import Occurrence

COLOURS = {
    "run.failed": "d13438",
    "target.missed": "ff8c00",
    "model.promoted": "107c10",
    "schedule.missed": "8764b8",
}


def webhook_format(url: str, chosen: str = "auto") -> str:
    """``slack``, ``teams`` or ``json``: as chosen, else by the webhook's host."""
    if chosen != "auto":
        return chosen
    host = (urlsplit(url).hostname or "").lower()
    if host == "hooks.slack.com":
        return "slack"
    if host.endswith(("webhook.office.com", "outlook.office.com", "logic.azure.com")):
        return "teams"
    return "json"


def slack(o: Occurrence) -> dict:
    fields = [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in o.facts.items()][:10]
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": o.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": o.text[:3000] or o.title}},
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    return {"text": f"{o.title}: {o.text}"[:4000], "blocks": blocks}


def teams(o: Occurrence) -> dict:
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": o.title,
        "themeColor": COLOURS.get(o.condition, "0078d7"),
        "title": o.title,
        "text": o.text,
        "sections": [{"facts": [{"name": k, "value": v} for k, v in o.facts.items()]}],
    }


def webhook_body(o: Occurrence, fmt: str) -> dict:
    if fmt == "teams":
        return teams(o)
    body = slack(o)
    if fmt == "json":
        body["alert"] = o.to_dict()
    return body


def message_id(alert_id: str, destination: str) -> str:
    """The same Message-ID for the same alert to the same recipients: a mail server or client
    that sees it twice shows it once."""
    digest = hashlib.sha256(f"{alert_id}\n{destination}".encode()).hexdigest()[:32]
    return f"<{digest}@notebook-ops>"


def email(o: Occurrence, *, sender: str, recipients: list[str], msg_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = o.title
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = msg_id
    msg["X-Notebook-Ops-Alert"] = o.condition
    width = max((len(k) for k in o.facts), default=0)
    facts = "\n".join(f"  {k.ljust(width)}  {v}" for k, v in o.facts.items())
    msg.set_content(f"{o.text}\n\n{facts}\n\n-- notebook-ops on {socket.gethostname()}\n")
    return msg
