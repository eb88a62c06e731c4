"""What the scheduler's API returns is its contract (``ScheduleView``, ``ScheduledRunView``):
checked against the generated schemas the lab's types come from."""

from nbfactory import EXAMPLES

from notebook_ops.scheduler import api


def test_schedule_and_run_views_match_their_schemas(tmp_path, schema_check):
    url = f"sqlite:///{tmp_path / 's.db'}"
    made = api.add(
        EXAMPLES / "churn.ipynb",
        "0 6 * * 1",
        name="weekly",
        tz="Europe/Paris",
        parameters={"seed": 3},
        workdir=tmp_path,
        store=url,
    )
    schema_check("schedule-view", made.to_dict())
    assert "recent_runs" not in made.to_dict() and made.upcoming and made.last_run is None
    queued = api.run_now("weekly", store=url)
    assert queued is not None
    schema_check("scheduled-run-view", queued.to_dict())
    one = api.get("weekly", store=url)
    schema_check("schedule-view", one.to_dict())
    assert [r.id for r in one.recent_runs or []] == [queued.id]
    assert [s.name for s in api.list_schedules(store=url)] == ["weekly"]
    for s in api.list_schedules(store=url):
        schema_check("schedule-view", s.to_dict())
    trig = api.add_trigger(
        EXAMPLES / "churn.ipynb", "pulsar://127.0.0.1:9/t", name="on-data", workdir=tmp_path, store=url
    )
    schema_check("schedule-view", trig.to_dict())
    assert trig.subscribed is False and trig.kind == "trigger"
