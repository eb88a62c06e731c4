"""The schedule commands as a user types them (subprocesses): validation, listing, pausing."""

import json
import subprocess
import sys
from functools import partial

import pytest
from nbfactory import make_notebook, write_notebook
from clikit import run_cli


nbo = partial(run_cli, check=True, timeout=120)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    nb = make_notebook([("alpha = 0.5  # rate\nday = 'x'", ["parameters"]), ("y = alpha * 2", ["step:a"])])
    write_notebook(tmp_path / "p.ipynb", nb)
    return tmp_path


@pytest.mark.parametrize(
    "args,msg",
    [
        (["--cron", "* * *"], "has 3 fields"),
        (["--cron", "0 25 * * *"], "invalid cron expression"),
        (["--cron", "0 1 * * *", "--tz", "Nowhere/City"], "unknown time zone 'Nowhere/City'"),
        (["--cron", "0 1 * * *", "-p", "beta=1"], "unknown parameter 'beta' (known: alpha, day)"),
        (["--cron", "0 1 * * *", "-p", "alpha=high"], "'high' is not a valid float"),
        (["--cron", "0 1 * * *", "-p", "day={{ when }}"], "unknown template variable(s) when"),
        (["--cron", "0 1 * * *", "-p", "alpha"], "expected NAME=VALUE"),
        (["--cron", "0 1 * * *", "--webhook", "ftp://x/y"], "is not an http(s) URL"),
    ],
)
def test_bad_schedules_are_refused_in_one_line(project, args, msg):
    p = nbo("schedule", "add", "p.ipynb", *args, cwd=project, check=False)
    assert p.returncode == 2 and msg in p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert json.loads(nbo("schedule", "list", "--json", cwd=project).stdout) == []


def test_add_list_show_pause_resume_run_now_remove(project):
    p = nbo(
        "schedule",
        "add",
        "p.ipynb",
        "--cron",
        "30 6 * * 1-5",
        "--tz",
        "Europe/Paris",
        "-p",
        "day={{ scheduled_date }}",
        "-p",
        "alpha=0.7",
        "--retries",
        "2",
        "--timeout",
        "600",
        "--catchup",
        "skip",
        cwd=project,
    )
    assert "schedule p (id 1)" in p.stdout and "no scheduler service is running" in p.stderr
    assert (project / ".notebook_ops" / "scheduler.db").is_file()  # the documented default
    (d,) = json.loads(nbo("schedule", "list", "--json", cwd=project).stdout)
    assert (d["name"], d["tz"], d["retries"], d["timeout_s"], d["catchup"]) == (
        "p",
        "Europe/Paris",
        2,
        600.0,
        "skip",
    )
    assert d["parameters"] == {"day": "{{ scheduled_date }}", "alpha": "0.7"}
    assert d["upcoming"][0][11:16] in ("05:30", "04:30")  # 06:30 Paris in UTC
    nbo("schedule", "pause", "p", cwd=project)
    assert json.loads(nbo("schedule", "show", "p", "--json", cwd=project).stdout)["paused"] is True
    nbo("schedule", "resume", "p", cwd=project)
    r = nbo("schedule", "run-now", "p", cwd=project)
    assert "queued" in r.stdout
    (run,) = json.loads(nbo("runs", "list", "--schedule", "p", "--json", cwd=project).stdout)
    assert (run["trigger"], run["state"]) == ("manual", "pending")
    assert run["parameters"]["day"] == run["scheduled_for"][:10] or len(run["parameters"]["day"]) == 10
    dup = nbo("schedule", "add", "p.ipynb", "--cron", "0 1 * * *", cwd=project, check=False)
    assert dup.returncode == 2 and "a schedule named 'p' exists" in dup.stderr
    nbo("schedule", "remove", "p", cwd=project)
    gone = nbo("schedule", "show", "p", cwd=project, check=False)
    assert gone.returncode == 2 and "no schedule 'p'" in gone.stderr


def test_db_option_and_env_choose_the_store(project, tmp_path):
    other = tmp_path / "elsewhere.db"
    nbo("schedule", "add", "p.ipynb", "--cron", "0 1 * * *", "--db", str(other), cwd=project)
    assert other.is_file() and not (project / ".notebook_ops" / "scheduler.db").exists()
    p = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "schedule", "list", "--json"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "NOTEBOOK_OPS_DB": f"sqlite:///{other}"},
    )
    assert [d["name"] for d in json.loads(p.stdout)] == ["p"]
