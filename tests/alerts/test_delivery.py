"""One alert to one destination, for real: webhooks in Slack, Teams and JSON shape to a loopback
HTTP server; e-mail through an SMTP server that demands STARTTLS (a certificate made here) and
a login; credentials never in an error or a log line."""

from __future__ import annotations

import logging

import pytest
from alertkit import SMTP_PASSWORD, SMTP_USER

from notebook_ops.alerts import delivery
from notebook_ops.alerts.occurrences import from_run

RECORD = {
    "run_id": "20261207-0900-abcd",
    "pipeline": "churn",
    "status": "below_target",
    "targets": [{"metric": "accuracy", "condition": ">= 0.9", "value": 0.51, "met": False}],
}


def missed():
    (o,) = from_run(RECORD)
    return o


def test_a_missed_target_reads_as_slack_blocks(hook):
    o = missed()
    delivery.send(o, f"{hook.url}/slack", "slack")
    (got,) = hook.got
    body = got["body"]
    assert got["path"] == "/slack" and got["headers"]["X-Notebook-Ops-Alert"] == "target.missed"
    assert got["headers"]["X-Notebook-Ops-Alert-Id"] == "target.missed:20261207-0900-abcd"
    assert "churn run 20261207-0900-abcd missed its metric targets" in body["text"]
    assert "accuracy 0.51 (target >= 0.9)" in body["text"]
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "section"]
    assert {"type": "mrkdwn", "text": "*target accuracy*\n0.51"} in body["blocks"][2]["fields"]


def test_teams_gets_a_message_card_and_other_receivers_slack_json_with_the_alert(hook):
    o = missed()
    delivery.send(o, f"{hook.url}/teams", "teams")
    delivery.send(o, f"{hook.url}/any")  # auto: a host that is neither Slack's nor Teams'
    teams, generic = (g["body"] for g in hook.got)
    assert teams["@type"] == "MessageCard" and teams["summary"] == o.title
    assert {"name": "target accuracy", "value": "0.51"} in teams["sections"][0]["facts"]
    assert generic["alert"]["condition"] == "target.missed" and generic["text"].startswith(o.title)
    assert "blocks" in generic


def test_env_destination_is_read_where_the_alert_is_sent(hook, monkeypatch):
    monkeypatch.setenv("CHURN_ALERTS_URL", f"{hook.url}/from-env")
    delivery.send(missed(), "env:CHURN_ALERTS_URL")
    assert hook.got[0]["path"] == "/from-env"
    monkeypatch.delenv("CHURN_ALERTS_URL")
    with pytest.raises(delivery.DeliveryError) as info:
        delivery.send(missed(), "env:CHURN_ALERTS_URL")
    assert "CHURN_ALERTS_URL is not set" in str(info.value) and not info.value.retryable


def test_webhook_errors_show_no_credential(hook):
    hook.answers.put(500)
    with pytest.raises(delivery.DeliveryError) as info:
        delivery.send(
            missed(), f"http://bot:hunter2-PASS@127.0.0.1:{hook.url.rsplit(':', 1)[1]}/x?token=abc123"
        )
    text = str(info.value)
    assert info.value.retryable and "500" in text
    assert "hunter2-PASS" not in text and "abc123" not in text and "bot:***@" in text


def test_mail_goes_through_starttls_with_a_login(smtp):
    o = missed()
    delivery.send(o, "mailto:ops@example.com,lead@example.com", alert_id=o.id)
    (msg,) = smtp.messages
    (mail_from, rcpt, over_tls) = smtp.envelopes[0]
    assert over_tls and smtp.logins == [SMTP_USER]
    assert mail_from == "notebook-ops@example.com" and rcpt == ["ops@example.com", "lead@example.com"]
    assert msg["Subject"] == o.title and msg["X-Notebook-Ops-Alert"] == "target.missed"
    assert msg["Message-ID"].endswith("@notebook-ops>")
    assert "accuracy 0.51 (target >= 0.9)" in msg.get_content()


def test_a_server_certificate_not_trusted_is_refused(smtp, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_SMTP_CA_FILE")
    with pytest.raises(delivery.DeliveryError) as info:
        delivery.send(missed(), "mailto:ops@example.com")
    assert "certificate not trusted" in str(info.value) and "NOTEBOOK_OPS_SMTP_CA_FILE" in str(info.value)
    assert smtp.messages == []


def test_a_wrong_password_fails_for_good_and_is_never_shown(smtp, monkeypatch, caplog):
    monkeypatch.setenv("NOTEBOOK_OPS_SMTP_PASSWORD", "wrong-" + SMTP_PASSWORD)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(delivery.DeliveryError) as info:
        delivery.send(missed(), "mailto:ops@example.com")
    assert not info.value.retryable and "535" in str(info.value)
    assert SMTP_PASSWORD not in str(info.value) + caplog.text
    assert smtp.messages == []


def test_mail_without_a_server_configured_says_which_variable(monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_SMTP_HOST", raising=False)
    with pytest.raises(delivery.DeliveryError) as info:
        delivery.send(missed(), "mailto:ops@example.com")
    assert "NOTEBOOK_OPS_SMTP_HOST is not set" in str(info.value)
