"""/notebook-ops/api/alert-checks and alert-tests: the lab's check of alert destinations before
it saves them, with the parser the CLI's --alert uses, and its test message, delivered to a real
loopback webhook receiver and a real SMTP server; what comes back never carries a credential."""

from __future__ import annotations

import json

import pytest
from alertkit import SmtpServer, WebhookReceiver
from tornado.httpclient import HTTPClientError

API = ("notebook-ops", "api")


async def check(jp_fetch, alerts):
    try:
        reply = await jp_fetch(*API, "alert-checks", method="POST", body=json.dumps({"alerts": alerts}))
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body)
    return reply.code, json.loads(reply.body)


async def test_destinations_come_back_masked_with_their_kind(jp_fetch, schema_check):
    slack = "https://hooks.slack.com/services/T000/B000/xoxb-SECRET-PART"
    code, reply = await check(
        jp_fetch,
        [
            {"to": slack, "on": ["run.failed", "run.failed"]},
            {"to": "mailto:ops@example.com"},
            {"to": "env:TEAMS_URL", "on": ["model.promoted"], "format": "teams"},
            {"to": "http://localhost:9999/hook"},
        ],
    )
    assert code == 200, reply
    schema_check("rest-alert-checks-response", reply)
    assert "SECRET" not in json.dumps(reply)
    assert [(a["to"], a["kind"], a["carries_credential"]) for a in reply["alerts"]] == [
        ("https://hooks.slack.com/services/***", "webhook", True),
        ("mailto:ops@example.com", "mail", False),
        ("env:TEAMS_URL", "env", False),
        ("http://localhost:9999/hook", "webhook", False),
    ]
    assert reply["alerts"][0]["on"] == ["run.failed"]  # repeated conditions once
    assert reply["alerts"][1]["on"] == ["run.failed", "target.missed", "model.promoted", "schedule.missed"]
    assert reply["alerts"][2]["format"] == "teams"


async def test_bad_destinations_are_one_line_400s_naming_the_item(jp_fetch):
    cases = [
        (
            [{"to": "mailto:ops@example.com"}, {"to": "not a url"}],
            "alerts[1]: alert destination 'not a url' is not a webhook URL",
        ),
        ([{"to": "mailto:nobody"}], "not an e-mail address (nobody)"),
        (
            [{"to": "https://x.example.com/h", "on": ["run.exploded"]}],
            "'on[0]' must be one of run.failed, target.missed, model.promoted, schedule.missed, "
            "got 'run.exploded'",
        ),
        ([{"to": "https://x.example.com/h", "on": []}], "'on' names no condition"),
        ([{"to": "https://x.example.com/h", "format": "pager"}], "format"),
        ([{"to": "env:1BAD"}], "env: takes an environment variable's name"),
    ]
    for alerts, expected in cases:
        code, reply = await check(jp_fetch, alerts)
        assert code == 400, (alerts, reply)
        assert expected in reply["message"], (alerts, reply)
        assert "\n" not in reply["message"] and "Traceback" not in json.dumps(reply)


async def test_a_credential_in_a_refused_destination_is_not_echoed(jp_fetch):
    code, reply = await check(jp_fetch, [{"to": "https://bot:hunter2@x.example.com/h", "on": ["nope"]}])
    assert code == 400
    assert "hunter2" not in json.dumps(reply)


# --- alert-tests: one test message, sent now from this server ---------------------------------
async def send_test(jp_fetch, body):
    try:
        reply = await jp_fetch(*API, "alert-tests", method="POST", body=json.dumps(body), request_timeout=60)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body)
    return reply.code, json.loads(reply.body)


@pytest.fixture
def hook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


async def test_a_test_alert_reaches_the_webhook_and_comes_back_masked(jp_fetch, hook, schema_check):
    to = hook.url.replace("http://", "http://bot:hunter2-PASS@") + "/hook?token=tok-SECRET"
    code, reply = await send_test(jp_fetch, {"to": to, "on": ["target.missed"], "pipeline": "churn"})
    assert code == 200, reply
    schema_check("rest-test-alert-response", reply)
    assert reply["delivered"] is True
    assert reply["alert"]["to"] == hook.url.replace("http://", "http://bot:***@") + "/hook?token=***"
    assert "hunter2" not in json.dumps(reply) and "tok-SECRET" not in json.dumps(reply)
    (got,) = hook.got
    assert got["path"] == "/hook?token=tok-SECRET"
    assert got["headers"]["X-Notebook-Ops-Alert"] == "target.missed"
    assert got["headers"]["X-Notebook-Ops-Alert-Id"].startswith("test:")
    assert got["body"]["alert"]["title"] == "notebook-ops: test alert for churn"
    assert "nothing happened" in got["body"]["text"]


async def test_a_test_alert_the_destination_refuses_is_not_delivered_naming_it_masked(
    jp_fetch, hook, schema_check
):
    hook.answers.put(403)
    to = hook.url.replace("http://", "http://bot:hunter2-PASS@") + "/hook"
    code, reply = await send_test(jp_fetch, {"to": to})
    assert code == 200 and reply["delivered"] is False, reply
    schema_check("rest-test-alert-response", reply)
    masked = hook.url.replace("http://", "http://bot:***@") + "/hook"
    assert reply["error"].startswith(f"the test alert to {masked} was not delivered: ")
    assert "403" in reply["error"] and "\n" not in reply["error"]
    assert "hunter2" not in json.dumps(reply)
    assert hook.got == []


async def test_a_test_alert_by_mail_goes_through_the_servers_smtp(jp_fetch, tmp_path, monkeypatch):
    smtp = SmtpServer(tmp_path / "pki")
    try:
        for k, v in smtp.env().items():
            monkeypatch.setenv(k, v)
        code, reply = await send_test(jp_fetch, {"to": "mailto:ops@example.com", "on": ["run.failed"]})
        assert code == 200, reply
        (msg,) = smtp.messages
        assert msg["Subject"] == "notebook-ops: test alert" and msg["X-Notebook-Ops-Alert"] == "run.failed"
        monkeypatch.delenv("NOTEBOOK_OPS_SMTP_HOST")
        code, reply = await send_test(jp_fetch, {"to": "mailto:ops@example.com"})
        assert code == 200 and reply["delivered"] is False, reply
        assert (
            "NOTEBOOK_OPS_SMTP_HOST is not set" in reply["error"] and "NOTEBOOK_OPS_SMTP_*" in reply["error"]
        )
    finally:
        smtp.close()


async def test_a_test_alert_to_an_unset_env_name_or_a_bad_destination(jp_fetch, monkeypatch):
    monkeypatch.delenv("NBO_TEST_UNSET_HOOK", raising=False)
    code, reply = await send_test(jp_fetch, {"to": "env:NBO_TEST_UNSET_HOOK"})
    assert code == 200 and reply["delivered"] is False, reply
    assert "NBO_TEST_UNSET_HOOK is not set where the alert is sent" in reply["error"], reply
    code, reply = await send_test(jp_fetch, {"to": "ftp://x.example.com/y"})
    assert code == 400 and "is not a webhook URL" in reply["message"], reply
