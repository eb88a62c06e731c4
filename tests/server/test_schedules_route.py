"""/notebook-ops/api/schedules and /scheduler: the real scheduler store and a hosted service
firing a real run."""

from __future__ import annotations

import json

import pytest
from waiting import eventually_async
from tornado.httpclient import HTTPClientError


API = ("notebook-ops", "api")


async def call(jp_fetch, *parts, method="GET", body=None, params=None):
    kw = {"method": method, "params": params or {}, "request_timeout": 300}
    if body is not None:
        kw["body"] = json.dumps(body)
    try:
        reply = await jp_fetch(*API, *parts, **kw)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body) if err.response and err.response.body else {}
    return reply.code, json.loads(reply.body)


@pytest.fixture
def tiny(jp_root_dir, nb):
    (jp_root_dir / "jobs").mkdir()
    path = jp_root_dir / "jobs" / "tiny.ipynb"
    path.write_text(
        json.dumps(
            nb(
                [
                    ("day = 'none'  # the day this run is for", ["parameters"]),
                    ("msg = 'run for ' + day\nprint(msg)", ["step:say"]),
                ]
            )
        )
    )
    return "jobs/tiny.ipynb"


@pytest.fixture(autouse=True)
def no_hosted_leftover():
    yield
    from notebook_ops.scheduler import hosted

    hosted.stop_hosted()


async def test_create_list_pause_resume_remove(jp_fetch, tiny, jp_root_dir):
    code, made = await call(
        jp_fetch,
        "schedules",
        method="POST",
        body={
            "path": tiny,
            "cron": "0 6 * * 1",
            "tz": "Europe/Paris",
            "name": "weekly",
            "parameters": {"day": "{{ scheduled_date }}"},
        },
    )
    assert code == 201, made
    assert made["target"] == tiny and made["tz"] == "Europe/Paris"
    assert len(made["upcoming"]) == 5
    assert "workdir" not in made  # no absolute server paths in replies
    assert (jp_root_dir / ".notebook_ops" / "scheduler.db").is_file()

    code, listing = await call(jp_fetch, "schedules", params={"path": tiny})
    assert code == 200 and [s["name"] for s in listing["schedules"]] == ["weekly"]
    # the next five firings, a week apart, for the lab's Schedule section
    upcoming = listing["schedules"][0]["upcoming"]
    assert len(upcoming) == 5 and len(set(upcoming)) == 5

    code, paused = await call(jp_fetch, "schedules", "weekly", method="PATCH", body={"paused": True})
    assert code == 200 and paused["paused"] is True and paused["upcoming"] == []
    code, resumed = await call(jp_fetch, "schedules", "weekly", method="PATCH", body={"paused": False})
    assert code == 200 and resumed["paused"] is False and resumed["upcoming"]

    code, one = await call(jp_fetch, "schedules", "weekly")
    assert code == 200 and one["recent_runs"] == []
    code, _ = await call(jp_fetch, "schedules", "weekly", method="DELETE")
    assert code == 200
    assert (await call(jp_fetch, "schedules", "weekly"))[0] == 404
    code, listing = await call(jp_fetch, "schedules", params={"path": tiny})
    assert listing["schedules"] == []


async def test_bad_schedules_are_refused_with_the_reason(jp_fetch, tiny):
    code, reply = await call(jp_fetch, "schedules", method="POST", body={"path": tiny, "cron": "every day"})
    assert code == 400 and "cron" in reply["message"]
    code, reply = await call(
        jp_fetch, "schedules", method="POST", body={"path": tiny, "cron": "0 6 * * *", "tz": "Mars/Olympus"}
    )
    assert code == 400, reply
    code, reply = await call(
        jp_fetch,
        "schedules",
        method="POST",
        body={"path": tiny, "cron": "0 6 * * *", "parameters": {"nope": 1}},
    )
    assert code == 400 and "nope" in reply["message"]
    assert (
        await call(jp_fetch, "schedules", method="POST", body={"path": "../x.ipynb", "cron": "0 6 * * *"})
    )[0] == 403
    assert (await call(jp_fetch, "schedules", method="POST", body={"path": tiny}))[0] == 400
    code, _ = await call(
        jp_fetch, "schedules", method="POST", body={"path": tiny, "cron": "0 6 * * *", "name": "a"}
    )
    code, reply = await call(
        jp_fetch, "schedules", method="POST", body={"path": tiny, "cron": "0 7 * * *", "name": "a"}
    )
    assert code == 409, reply
    assert (await call(jp_fetch, "schedules", "a", method="PATCH", body={"paused": "yes"}))[0] == 400


async def test_a_trigger_schedule_is_made_over_http(jp_fetch, tiny):
    """Kind "trigger": fired by messages on a topic (the broker need not be up to make it; the
    firing itself is tested against a real broker in tests/events/test_trigger_schedules.py)."""
    url = "pulsar://127.0.0.1:9/new-data"
    code, made = await call(
        jp_fetch,
        "schedules",
        method="POST",
        body={"path": tiny, "trigger": url, "name": "on-data", "parameters": {"day": "{{ message.day }}"}},
    )
    assert code == 201, made
    assert (made["kind"], made["source"], made["subscription"], made["upcoming"]) == (
        "trigger",
        url,
        "notebook-ops.on-data",
        [],
    )
    code, listing = await call(jp_fetch, "schedules", params={"path": tiny})
    assert [(s["name"], s["kind"]) for s in listing["schedules"]] == [("on-data", "trigger")]
    code, reply = await call(jp_fetch, "schedules", "on-data", "runs", method="POST", body={})
    assert code == 400 and "runs on messages" in reply["message"]
    code, reply = await call(
        jp_fetch, "schedules", method="POST", body={"path": tiny, "trigger": url, "cron": "0 6 * * *"}
    )
    assert code == 400 and "not both" in reply["message"]
    code, reply = await call(
        jp_fetch,
        "schedules",
        method="POST",
        body={"path": tiny, "trigger": url, "name": "x", "parameters": {"day": "{{ env.HOME }}"}},
    )
    assert code == 400 and "placeholder" in reply["message"]


async def test_schedules_outside_the_root_stay_hidden(jp_fetch, jp_serverapp, tiny, tmp_path_factory, nb):
    from notebook_ops import scheduler

    elsewhere = tmp_path_factory.mktemp("elsewhere") / "other.ipynb"
    elsewhere.write_text(json.dumps(nb([("x = 1", ["step:a"])])))
    store = jp_serverapp.web_app.settings["notebook_ops_scheduler_store"]
    scheduler.add(str(elsewhere), "0 6 * * *", name="foreign", store=store, workdir=str(elsewhere.parent))
    code, listing = await call(jp_fetch, "schedules")
    assert code == 200 and "foreign" not in [s["name"] for s in listing["schedules"]]
    assert (await call(jp_fetch, "schedules", "foreign"))[0] == 404
    assert (await call(jp_fetch, "schedules", "foreign", method="DELETE"))[0] == 404
    assert scheduler.get("foreign", store=store).name == "foreign"  # untouched


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_the_hosted_scheduler_fires_a_schedule_made_over_http(jp_fetch, tiny, jp_root_dir):
    code, state = await call(jp_fetch, "scheduler")
    assert code == 200 and state["hosted"] is False
    code, state = await call(jp_fetch, "scheduler", method="PUT", body={"hosted": True})
    assert code == 200 and state["hosted"] is True
    # every minute: the first firing comes within 60 s (a run can take a while on a busy machine)
    code, made = await call(
        jp_fetch,
        "schedules",
        method="POST",
        body={
            "path": tiny,
            "cron": "* * * * *",
            "name": "often",
            "parameters": {"day": "{{ scheduled_date }}"},
        },
    )
    assert code == 201, made

    async def settled():
        _, one = await call(jp_fetch, "schedules", "often")
        last = one.get("last_run")
        return last if last and last["state"] not in ("pending", "running") else None

    run = await eventually_async(settled, timeout=450, interval=0.5, what="the schedule's first settled run")
    assert run["state"] == "succeeded", run
    assert run["trigger"] == "cron"
    assert run["run_dir"] and run["run_dir"].startswith("jobs/")
    record = json.loads((jp_root_dir / run["run_dir"] / "run.json").read_text())
    assert record["parameters"]["day"] not in ("none", "{{ scheduled_date }}")
    await call(jp_fetch, "schedules", "often", method="PATCH", body={"paused": True})
    code, state = await call(jp_fetch, "scheduler", method="PUT", body={"hosted": False})
    assert code == 200 and state["hosted"] is False


async def test_alerts_are_taken_checked_and_shown_without_credentials(jp_fetch, tiny):
    secret_hook = "https://bot:hunter2-PASS@alerts.example.com/hook?token=tok-SECRET"
    code, made = await call(
        jp_fetch,
        "schedules",
        method="POST",
        body={
            "path": tiny,
            "cron": "0 6 * * 1",
            "name": "alerted",
            "alerts": [{"to": secret_hook, "on": ["run.failed"]}, {"to": "mailto:ops@example.com"}],
        },
    )
    assert code == 201, made
    code, listing = await call(jp_fetch, "schedules", params={"path": tiny})
    assert code == 200
    for shown in (made, listing["schedules"][0]):
        text = json.dumps(shown)
        assert "hunter2-PASS" not in text and "tok-SECRET" not in text
        assert [(a["to"], a["on"]) for a in shown["alerts"]] == [
            ("https://bot:***@alerts.example.com/hook?token=***", ["run.failed"]),
            ("mailto:ops@example.com", ["run.failed", "target.missed", "model.promoted", "schedule.missed"]),
        ]
    code, refused = await call(
        jp_fetch,
        "schedules",
        method="POST",
        body={"path": tiny, "cron": "0 6 * * 1", "name": "bad", "alerts": [{"to": "ftp://x.example.com/y"}]},
    )
    assert code == 400 and "is not a webhook URL" in refused["message"], refused
