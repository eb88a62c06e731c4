"""/notebook-ops/api/alert-checks: the lab's check of alert destinations before it saves them,
with the parser the CLI's --alert uses; what comes back never carries a credential."""

from __future__ import annotations

import json

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
