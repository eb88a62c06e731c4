"""A pipeline across notebooks run with real kernels: ingest -> two feature notebooks in
parallel -> train, data by name between notebooks; the cache across notebooks (editing one
notebook re-runs its steps and what depends on them, nothing upstream)."""

from __future__ import annotations

import json
from datetime import datetime

from nbfactory import copy_example

from notebook_ops.execution import run_notebook
from notebook_ops.kernel_side.data_store import DataStore


def _t(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _expected_score(n_rows, scale=2.0):
    rows = [(i % 7) + 0.5 * i for i in range(n_rows)]
    weight = sum(r * scale for r in rows) / sum(r * r for r in rows)
    return round(weight * n_rows, 4)


def test_three_notebooks_parallel_cached_and_edited(tmp_path):
    copy_example("multi", tmp_path / "multi")
    entry = tmp_path / "multi" / "03_train.ipynb"
    sources = {p.name: p.read_bytes() for p in (tmp_path / "multi").glob("*.ipynb")}

    first = run_notebook(entry, params={"n_rows": 12}, track=False, jobs=2)
    assert first.ok, first.record["error"]
    steps = first.record["steps"]
    assert list(steps) == ["ingest", "features_a", "features_b-square", "features_b-total", "fit", "report"]
    # the two feature notebooks ran at the same time
    a, b = steps["features_a"], steps["features_b-square"]
    assert _t(a["started_at"]) < _t(b["finished_at"]) and _t(b["started_at"]) < _t(a["finished_at"])
    store = DataStore(first.record["options"]["data_url"])
    rows = [(i % 7) + 0.5 * i for i in range(12)]
    assert store.load_value("ingest", "rows") == rows  # saved by name
    assert store.load_value("features_b-total", "total_sq") == sum(r * r for r in rows)
    assert sorted(store.manifest("ingest")["outputs"]) == ["rows"]
    report = json.loads((first.run_dir / "steps" / "report.ipynb").read_text())
    printed = "".join("".join(o.get("text", "")) for c in report["cells"] for o in c.get("outputs", []))
    assert f"score {_expected_score(12)}" in printed
    assert {p.name: p.read_bytes() for p in (tmp_path / "multi").glob("*.ipynb")} == sources

    second = run_notebook(entry, params={"n_rows": 12}, track=False, jobs=2)
    assert second.ok and all(s["cached"] for s in second.record["steps"].values())

    # edit one feature notebook: its steps and what depends on them re-run, nothing upstream
    fb = tmp_path / "multi" / "02_features_b.ipynb"
    nb = json.loads(fb.read_text())
    nb["cells"][2]["source"] = "total_sq = sum(squares) * 2"
    fb.write_text(json.dumps(nb))
    third = run_notebook(entry, params={"n_rows": 12}, track=False, jobs=2)
    assert third.ok, third.record["error"]
    cached = {n: s["cached"] for n, s in third.record["steps"].items()}
    assert cached == {
        "ingest": True,
        "features_a": True,
        "features_b-square": True,
        "features_b-total": False,
        "fit": False,
        "report": False,
    }
    report = json.loads((third.run_dir / "steps" / "report.ipynb").read_text())
    printed = "".join("".join(o.get("text", "")) for c in report["cells"] for o in c.get("outputs", []))
    assert f"score {round(_expected_score(12) / 2, 4)}" in printed


def test_single_kernel_refused_before_anything_is_written(tmp_path):
    import pytest

    from notebook_ops.errors import ParameterError

    copy_example("multi", tmp_path / "multi")
    with pytest.raises(ParameterError) as err:
        run_notebook(tmp_path / "multi" / "03_train.ipynb", single_kernel=True, track=False)
    assert "spans 4 notebooks" in err.value.message
    assert not (tmp_path / "multi" / ".notebook_ops").exists()
