"""A pipeline's own alerts (``metadata.notebook_ops.alerts``): checked by lint (a bad destination
is an error, one with its credential in clear a warning that shows no credential), sent by real
runs at their end (a failed step, a missed target), carried by the bundle so its runs alert too;
a destination with a credential in clear refuses the export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import run_cli
from nbfactory import make_notebook

from notebook_ops.errors import ExportRefused

CELLS = [
    ("n = 2  # how many", ["parameters"]),
    ("import notebook_ops as nbo", ["setup"]),
    ("total = n * 2", ["step:double"]),
    (
        "if n < 0:\n    raise ValueError('n must not be negative')\nnbo.log_metric('total', total)",
        ["step:report"],
    ),
]


def notebook(folder: Path, alerts, **settings) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "small.ipynb"
    nb = make_notebook(CELLS, metadata={"notebook_ops": {"alerts": alerts, **settings}})
    path.write_text(json.dumps(nb, indent=1) + "\n")
    return path


def test_bad_and_credential_carrying_alerts_are_lint_problems(tmp_path):
    nb = notebook(
        tmp_path / "work",
        ["ftp://files.example.com/x", "https://hooks.slack.com/services/T0/B0/slackSECRET"],
    )
    before = nb.read_bytes()
    p = run_cli("lint", str(nb))
    assert p.returncode == 1
    assert "alerts[0]: alert destination 'ftp://files.example.com/x' is not a webhook URL" in p.stdout
    p = run_cli("run", str(nb), "--no-track")
    assert p.returncode != 0 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert nb.read_bytes() == before

    from notebook_ops.model import load_pipeline

    nb = notebook(tmp_path / "work2", ["https://hooks.slack.com/services/T0/B0/slackSECRET"])
    problems = [(p.severity, p.code, p.message) for p in load_pipeline(nb).problems]
    assert [(s, c) for s, c, _ in problems] == [("warning", "secret-in-settings")]
    assert "https://hooks.slack.com/services/***" in problems[0][2] and "slackSECRET" not in problems[0][2]


def test_a_failed_run_and_a_missed_target_alert_from_the_run(tmp_path, hook):
    nb = notebook(
        tmp_path / "work",
        [{"to": f"{hook.url}/runs", "on": ["run.failed", "target.missed"]}],
        metric_targets={"total": ">= 10"},
    )
    failed = run_cli("run", str(nb), "-p", "n=-1", "--no-track", "-q", "--json")
    assert failed.returncode == 1, failed.stderr
    low = run_cli("run", str(nb), "-p", "n=1", "--no-track", "-q", "--json")
    assert low.returncode == 3, low.stderr
    ok = run_cli("run", str(nb), "-p", "n=6", "--no-track", "-q", "--json")
    assert ok.returncode == 0, ok.stderr
    got = [(g["headers"]["X-Notebook-Ops-Alert"], g["body"]["alert"]) for g in hook.got]
    assert [c for c, _ in got] == ["run.failed", "target.missed"]
    assert got[0][1]["id"] == f"run.failed:{json.loads(failed.stdout)['run_id']}"
    assert "n must not be negative" in got[0][1]["text"]
    assert got[1][1]["text"] == "total 2 (target >= 10)"


def test_the_bundle_carries_the_alerts_and_its_runs_send_them(tmp_path, hook, monkeypatch):
    from notebook_ops.bundle import export_notebook

    nb = notebook(tmp_path / "work", [{"to": "env:SMALL_ALERTS_URL", "on": ["run.failed"]}])
    result = export_notebook(nb, out_dir=tmp_path / "dist", allow_dirty=True, tag=False, track=False)
    assert result.manifest["alerts"] == [
        {"to": "env:SMALL_ALERTS_URL", "on": ["run.failed"], "format": "auto"}
    ]
    here = tmp_path / "deploy"  # where DevOps run it: the destination comes from its environment
    here.mkdir()
    monkeypatch.setenv("SMALL_ALERTS_URL", f"{hook.url}/bundle")
    p = run_cli("run", str(result.folder), "-p", "n=-3", "--no-track", "-q", cwd=here)
    assert p.returncode == 1, p.stderr
    ((path, condition),) = [(g["path"], g["headers"]["X-Notebook-Ops-Alert"]) for g in hook.got]
    assert (path, condition) == ("/bundle", "run.failed")


def test_a_credential_in_clear_refuses_the_export(tmp_path):
    from notebook_ops.bundle import export_notebook

    nb = notebook(tmp_path / "work", ["https://bot:hunter2-PASS@alerts.example.com/hook"])
    with pytest.raises(ExportRefused) as info:
        export_notebook(nb, out_dir=tmp_path / "dist", allow_dirty=True, tag=False, track=False)
    assert "alerts[0] carries a credential (https://bot:***@alerts.example.com/hook)" in info.value.message
    assert "env:NAME" in (info.value.hint or "") and "hunter2-PASS" not in str(info.value)
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").rglob("pipeline.yaml"))
