"""The panel for the example notebook: its widget tree, and the form and buttons driven as a user
would (value changes, ``.click()``) with real kernels, a real bundle and a real schedule store."""

from __future__ import annotations

import json

import ipywidgets as W
import pytest

from conftest import git_out
from nbfactory import EXAMPLES
from notebook_ops.widgets import panel

WAIT = 900  # bound on any single action (real kernels on a shared machine)
STEPS = ["load", "features", "train_linear", "train_tree", "evaluate"]


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_widget_tree_of_the_example(tmp_path):
    before = (EXAMPLES / "churn.ipynb").read_bytes()
    p = panel(EXAMPLES / "churn.ipynb", store=f"sqlite:///{tmp_path}/s.db")
    everything = list(_walk(p))
    assert "churn" in p.header.value and "data-science@example.com" in p.header.value
    assert "target accuracy &gt;= 0.8" in p.header.value

    # the steps grid: a header row then one row per step in graph order, 7 cells each
    assert list(p.steps.rows) == STEPS
    cells = p.steps.box.children
    assert len(cells) == 7 * (1 + len(STEPS))
    rows = [cells[i : i + 7] for i in range(7, len(cells), 7)]
    assert [r[0].value for r in rows] == [f"<span><b>{s}</b></span>" for s in STEPS]
    evaluate = [c.value for c in rows[4][:5]]
    assert "train_linear, train_tree" in evaluate[1]
    assert "X_test (features)" in evaluate[2] and "linear_model (train_linear)" in evaluate[2]
    assert "customers" in rows[0][3].value and "n_customers, seed" in rows[0][4].value
    assert all(isinstance(r[5], W.IntProgress) and r[5].value == 0 for r in rows)
    assert "No problems" in p.problems.value

    # the form: one typed widget per parameter of the parameters cell, with its help
    w = p.form.widgets
    assert list(w) == ["n_customers", "test_fraction", "learning_rate", "epochs", "seed"]
    assert [type(x).__name__ for x in w.values()] == [
        "IntText",
        "FloatText",
        "FloatText",
        "IntText",
        "IntText",
    ]
    assert (w["epochs"].value, w["test_fraction"].value) == (200, 0.25)
    assert any(isinstance(x, W.HTML) and "gradient steps" in x.value for x in everything)

    # actions: the buttons are in the tree; the cron starts from the notebook's planned schedule
    buttons = {b.description for b in everything if isinstance(b, W.Button)}
    assert {"Run pipeline", "Stop", "Export bundle", "Schedule", "Reload", "Defaults"} <= buttons
    assert (p.cron.value, p.tz.value) == ("0 6 * * 1", "Europe/Paris")
    assert p.cron_feedback.value.count("UTC") == 3
    assert (EXAMPLES / "churn.ipynb").read_bytes() == before


def test_bad_cron_shows_an_error_and_nothing_is_scheduled(churn_repo, tmp_path):
    from notebook_ops import scheduler

    store = f"sqlite:///{tmp_path}/sched.db"
    p = panel(churn_repo, store=store)
    p.cron.value = "61 * * * *"
    assert "invalid cron expression" in p.cron_feedback.value
    p.schedule_button.click()
    p.wait(WAIT)
    assert type(p.last_error).__name__ == "ScheduleError"
    assert "Schedule failed" in p.result.value and "invalid cron expression" in p.result.value
    p.cron.value = "0 6 * *"
    assert "has 4 fields" in p.cron_feedback.value
    p.cron.value, p.tz.value = "0 6 * * *", "Mars/Olympus"
    assert "unknown time zone" in p.cron_feedback.value
    assert scheduler.list_schedules(store=store) == []


def test_schedule_with_chosen_values(churn_repo, tmp_path):
    from notebook_ops import scheduler

    store = f"sqlite:///{tmp_path}/sched.db"
    p = panel(churn_repo, store=store)
    p.form.widgets["epochs"].value = 30
    p.cron.value, p.tz.value, p.schedule_name.value = "*/15 6-18 * * 1-5", "UTC", "churn-daytime"
    assert "next:" in p.cron_feedback.value
    p.schedule_button.click()
    d = p.wait(WAIT)
    assert p.last_error is None, p.result.value
    [stored] = scheduler.list_schedules(store=store)
    assert stored.name == "churn-daytime" and stored.cron == "*/15 6-18 * * 1-5"
    assert stored.parameters == {"epochs": 30} and stored.target == str(churn_repo.resolve())
    assert d["id"] == stored.id
    assert "Scheduled churn-daytime" in p.result.value and "epochs=30" in p.result.value
    assert "no scheduler service runs" in p.result.value  # none was started on this store
    # the same name again: the scheduler's conflict error is shown, nothing doubled
    p.schedule_button.click()
    p.wait(WAIT)
    assert type(p.last_error).__name__ == "ScheduleExists" and "Schedule failed" in p.result.value
    assert len(scheduler.list_schedules(store=store)) == 1


@pytest.mark.slow
def test_run_from_the_panel_with_chosen_values(churn_repo):
    before = churn_repo.read_bytes()
    p = panel(churn_repo, run_options={"jobs": 2, "track": False})
    p.form.widgets["epochs"].value = 40
    p.form.widgets["seed"].value = 3
    p.form.widgets["test_fraction"].value = 0.3
    p.run_button.click()
    # click returns at once: the run goes on in a worker thread, the buttons say so
    assert p.run_button.disabled and p.export_button.disabled and not p.stop_button.disabled
    result = p.wait(WAIT)
    assert p.last_error is None, p.result.value
    rec = json.loads((result.run_dir / "run.json").read_text())
    assert rec["status"] in ("succeeded", "below_target"), rec.get("error")
    assert (rec["parameters"]["epochs"], rec["parameters"]["seed"]) == (40, 3)
    assert rec["parameters"]["test_fraction"] == 0.3 and rec["parameters"]["n_customers"] == 2000
    for step in STEPS:
        assert rec["steps"][step]["status"] == "succeeded"
        assert (result.run_dir / "steps" / f"{step}.ipynb").is_file()
        row = p.steps.rows[step]
        assert (row.progress.value, row.progress.bar_style) == (2, "success")
        assert "done" in row.status.value
    # the executed step notebook got the chosen values injected by papermill
    train = json.loads((result.run_dir / "steps" / "train_linear.ipynb").read_text())
    injected = "".join(
        "".join(c["source"])
        for c in train["cells"]
        if "injected-parameters" in c.get("metadata", {}).get("tags", [])
    )
    assert "epochs = 40" in injected
    assert str(result.run_dir) in p.result.value and "accuracy" in p.result.value
    assert not p.run_button.disabled and p.stop_button.disabled
    assert churn_repo.read_bytes() == before


@pytest.mark.slow
def test_stop_cancels_the_run(churn_repo):
    p = panel(churn_repo, run_options={"jobs": 1, "track": False, "cache": False})
    p.run_button.click()
    p.stop_button.click()
    result = p.wait(WAIT)
    assert result.status == "cancelled" and result.exit_code == 130
    assert "cancelled" in p.result.value


@pytest.mark.slow
def test_export_from_the_panel(churn_repo, tmp_path):
    out = tmp_path / "bundles"
    p = panel(churn_repo, export_options={"track": False})
    assert p.out_dir.value == str(churn_repo.parent / "dist")
    p.out_dir.value = str(out)
    p.form.widgets["epochs"].value = 40  # run-time values: the bundle keeps the notebook's
    p.export_button.click()
    r = p.wait(WAIT)
    assert p.last_error is None, p.result.value
    assert (r.version, r.reused, r.tag) == (1, False, "notebook-ops/churn/v1")
    assert r.folder == out / "churn-v1" and r.archive.is_file()
    assert git_out(churn_repo.parent, "tag", "--list") == "notebook-ops/churn/v1"
    from notebook_ops.bundle import verify_bundle

    verify_bundle(r.folder)
    import yaml

    manifest = yaml.safe_load((r.folder / "pipeline.yaml").read_text())
    assert [s["name"] for s in manifest["steps"]] == STEPS
    params = manifest["parameters"]
    epochs = (
        params["epochs"] if isinstance(params, dict) else next(x for x in params if x["name"] == "epochs")
    )
    assert epochs["default"] == 200
    assert "Exported churn v1" in p.result.value and str(r.folder) in p.result.value
    assert "defaults written in the parameters cell" in p.result.value
    assert f"notebook-ops run {r.folder} -p epochs=40" in p.result.value

    # no tag, uncommitted change refused then allowed: the checkboxes reach the bundle service
    churn_repo.write_text(churn_repo.read_text().replace("gradient steps", "gradient  steps"))
    p.git_tag.value = False
    p.export_button.click()
    p.wait(WAIT)
    assert type(p.last_error).__name__ == "ExportRefused" and "uncommitted" in p.result.value
    p.allow_dirty.value = True
    p.export_button.click()
    r2 = p.wait(WAIT)
    assert p.last_error is None, p.result.value
    assert (r2.version, r2.tag) == (2, None)
    assert git_out(churn_repo.parent, "tag", "--list") == "notebook-ops/churn/v1"


def test_problems_listed_and_actions_refused(tmp_path):
    import shutil

    from nbfactory import CORPUS

    nb = shutil.copy(CORPUS / "problems.ipynb", tmp_path / "problems.ipynb")
    before = nb.read_bytes()
    p = panel(nb, store=f"sqlite:///{tmp_path}/s.db")
    assert "second parameters cell" in p.problems.value and "cell 2" in p.problems.value
    assert "cell 8, step lost" in p.problems.value and "merge them into one cell" in p.problems.value
    assert p.problems.value.count("<li>") == len(p.pipeline.problems)
    assert p.cron.value == "" and "5 fields" in p.cron_feedback.value  # no schedule planned
    p.cron.value = "0 6 * * *"
    for button, error in (
        (p.run_button, "PipelineInvalid"),
        (p.export_button, "PipelineInvalid"),
        (p.schedule_button, "PipelineInvalid"),
    ):
        button.click()
        p.wait(WAIT)
        assert type(p.last_error).__name__ == error and "failed:" in p.result.value
    assert not (tmp_path / ".notebook_ops" / "runs").exists() and not (tmp_path / "dist").exists()
    assert nb.read_bytes() == before


def test_reload_reads_the_saved_notebook_again(churn_repo, tmp_path):
    p = panel(churn_repo, store=f"sqlite:///{tmp_path}/s.db")
    p.form.widgets["epochs"].value = 50
    text = churn_repo.read_text()
    churn_repo.write_text(
        text.replace(
            "epochs = 200  # gradient steps for the logistic regression",
            "epochs = 100  # gradient steps, one of 50, 100, 200",
        )
    )
    assert p.form.widgets["epochs"].value == 50  # nothing changes until Reload
    old = p.form.widgets["epochs"]
    p.reload_button.click()
    assert old.comm is None  # the replaced form is closed
    w = p.form.widgets["epochs"]
    assert isinstance(w, W.Dropdown) and [v for _, v in w.options] == [50, 100, 200]
    assert w.value == 100 and p.form.changed() == {}
    assert p.form.box in p.children and p.steps.box in p.children

    # saved half-way (not JSON): Reload says so and keeps the last good view
    churn_repo.write_text(text[: len(text) // 2])
    p.reload_button.click()
    assert "Reload failed" in p.result.value and p.form.widgets["epochs"] is w and w.comm is not None


def test_no_schedule_row_without_the_scheduler(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "notebook_ops.scheduler.api", None)  # import fails
    p = panel(EXAMPLES / "churn.ipynb")
    assert not p.has_scheduler
    assert p.schedule_button not in list(_walk(p)) and p.cron not in list(_walk(p))
    assert p.run_button in list(_walk(p)) and p.export_button in list(_walk(p))


def test_run_on_a_cluster_from_the_panel(churn_repo, tmp_path):
    """The cluster and data fields reach the runner (a scheduler nobody runs: the run is refused
    in one line, nothing ran; runs on a real cluster: tests/cluster)."""
    p = panel(churn_repo, store=f"sqlite:///{tmp_path}/s.db", run_options={"track": False})
    p.cluster.value, p.data_url.value = "tcp://127.0.0.1:9", "memory://nbo/panel"
    p.run_button.click()
    p.wait(WAIT)
    assert type(p.last_error).__name__ == "ClusterError"
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in p.result.value
