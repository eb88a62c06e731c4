"""Sending one alert to one destination: a webhook through the one webhook client, or e-mail
through SMTP with TLS. ``send`` raises ``DeliveryError`` (``retryable`` or not); its message
never carries a credential.

SMTP comes from the environment of whatever sends the alert (the scheduler service, the run,
the tracking follower), never from the settings:

    NOTEBOOK_OPS_SMTP_HOST           the server (required for mailto: alerts)
    NOTEBOOK_OPS_SMTP_PORT           default 587 (starttls), 465 (tls), 25 (none)
    NOTEBOOK_OPS_SMTP_SECURITY       starttls (default) | tls | none (a relay on this machine)
    NOTEBOOK_OPS_SMTP_USER           log in as (optional)
    NOTEBOOK_OPS_SMTP_PASSWORD       or NOTEBOOK_OPS_SMTP_PASSWORD_FILE (a mounted secret)
    NOTEBOOK_OPS_SMTP_FROM           default notebook-ops@<host>
    NOTEBOOK_OPS_SMTP_CA_FILE        a CA bundle to trust (a private server's certificate)
    NOTEBOOK_OPS_SMTP_TIMEOUT        seconds, default 10

Certificates are always verified (host name included); there is no switch to turn that off.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from pathlib import Path

from notebook_ops.alerts import messages
from notebook_ops.alerts.occurrences import Occurrence
from notebook_ops.model.contracts.alerts import kind_of, mail_addresses, shown
from notebook_ops.util import webhook_client as webhook
from notebook_ops.util.redact import redact, redact_text

SMTP_ENV = "NOTEBOOK_OPS_SMTP_"
WEBHOOK_TIMEOUT_S = 10.0
SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


def resolve(to: str, environ=None) -> str:
    """The destination itself: ``env:NAME`` read from the environment here and now."""
    env = os.environ if environ is None else environ
    if kind_of(to) != "env":
        return to
    name = to[4:]
    value = (env.get(name) or "").strip()
    if not value:
        raise DeliveryError(f"{name} is not set where the alert is sent (alert to {to})", retryable=False)
    if kind_of(value) == "env":
        raise DeliveryError(f"{name} names another env: destination", retryable=False)
    return value


def send(o: Occurrence, to: str, fmt: str = "auto", alert_id: str | None = None) -> None:
    """Deliver ``o`` to ``to`` (as configured: ``env:NAME`` resolved here)."""
    target = resolve(to)
    if kind_of(target) == "mail":
        send_mail(o, target, messages.message_id(alert_id or o.id, to))
        return
    body = messages.webhook_body(o, messages.webhook_format(target, fmt))
    headers = {"X-Notebook-Ops-Alert": o.condition, "X-Notebook-Ops-Alert-Id": alert_id or o.id}
    try:
        webhook.post(target, body, timeout=WEBHOOK_TIMEOUT_S, headers=headers)
    except webhook.WebhookError as exc:
        # the client's message shows the URL redacted; a Slack/Teams path token is masked here
        text = str(exc).replace(redact(target), shown(target))
        raise DeliveryError(text, retryable=exc.retryable) from None


# --- e-mail ---------------------------------------------------------------------------------
def smtp_settings(environ=None) -> dict:
    env = os.environ if environ is None else environ

    def get(name: str, default: str = "") -> str:
        return (env.get(SMTP_ENV + name) or default).strip()

    host = get("HOST")
    if not host:
        raise DeliveryError(f"{SMTP_ENV}HOST is not set: mailto: alerts need an SMTP server", retryable=False)
    security = get("SECURITY", "starttls").lower()
    if security not in SECURITY:
        raise DeliveryError(
            f"{SMTP_ENV}SECURITY={security!r}: use one of {', '.join(SECURITY)}", retryable=False
        )
    password = env.get(SMTP_ENV + "PASSWORD") or ""
    password_file = get("PASSWORD_FILE")
    if password_file and not password:
        try:
            password = Path(password_file).read_text().strip()
        except OSError as exc:
            raise DeliveryError(
                f"{SMTP_ENV}PASSWORD_FILE {password_file}: {exc.strerror}", retryable=False
            ) from None
    try:
        port = int(get("PORT") or DEFAULT_PORTS[security])
        timeout = float(get("TIMEOUT") or 10)
    except ValueError:
        raise DeliveryError(
            f"{SMTP_ENV}PORT and {SMTP_ENV}TIMEOUT must be numbers", retryable=False
        ) from None
    return {
        "host": host,
        "port": port,
        "security": security,
        "user": get("USER"),
        "password": password,
        "sender": get("FROM") or f"notebook-ops@{socket.gethostname()}",
        "cafile": get("CA_FILE") or None,
        "timeout": timeout,
    }


def _scrubbed(text: str, password: str) -> str:
    text = redact_text(text)
    return text.replace(password, "***") if password else text


def send_mail(o: Occurrence, to: str, msg_id: str, environ=None) -> None:
    cfg = smtp_settings(environ)
    recipients = mail_addresses(to)
    msg = messages.email(o, sender=cfg["sender"], recipients=recipients, msg_id=msg_id)
    context = ssl.create_default_context(cafile=cfg["cafile"])
    try:
        if cfg["security"] == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg["host"], cfg["port"], timeout=cfg["timeout"], context=context
            )
        else:
            smtp = smtplib.SMTP(cfg["host"], cfg["port"], timeout=cfg["timeout"])
        with smtp:
            if cfg["security"] == "starttls":
                smtp.starttls(context=context)
            if cfg["user"]:
                smtp.login(cfg["user"], cfg["password"])
            smtp.send_message(msg, from_addr=cfg["sender"], to_addrs=recipients)
    except smtplib.SMTPResponseException as exc:
        # 5xx: the server refuses this mail (bad address, bad login); 4xx: try again later
        detail = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        detail = _scrubbed(str(detail), cfg["password"])
        raise DeliveryError(
            f"SMTP {cfg['host']}:{cfg['port']} answered {exc.smtp_code} {detail}",
            retryable=exc.smtp_code < 500,
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            f"SMTP {cfg['host']}:{cfg['port']} refused {', '.join(exc.recipients)}", retryable=False
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"SMTP {cfg['host']}:{cfg['port']}: certificate not trusted ({exc.verify_message}); "
            f"set {SMTP_ENV}CA_FILE to its CA",
            retryable=False,
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"SMTP {cfg['host']}:{cfg['port']}: {_scrubbed(str(exc) or type(exc).__name__, cfg['password'])}",
            retryable=True,
        ) from None
