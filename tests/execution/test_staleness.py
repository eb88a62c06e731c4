"""Stale steps agree with the cache: a step is fresh iff a run started now reuses it.

Each case edits the notebook (a downstream-only cell, a parameter default, a data file, a
step's code), asks ``staleness`` and then really runs the pipeline (kernels, cache), comparing
the steps the verdict calls fresh with those the run reused.
"""

from __future__ import annotations

import json

from notebook_ops.execution import run_notebook
from notebook_ops.execution.staleness import staleness
from notebook_ops.model import load_pipeline

from nbfactory import write_nb

CELLS = [
    ("rate = 2  # how much to scale", ["parameters"]),
    ("rows = open('data/points.csv').read().split()", ["step:load"]),
    ("scaled = [float(r) * rate for r in rows]", ["step:scale"]),
    ("total = sum(scaled)", ["step:total"]),
    ("msg = f'total {total}'\nprint(msg)", ["step:report"]),
]


def _verdicts(nb, params=None) -> dict:
    return {s.step: s for s in staleness(load_pipeline(nb), params).steps}


def _edit_cell(nb, index: int, source: str) -> None:
    data = json.loads(nb.read_text())
    data["cells"][index]["source"] = source
    nb.write_text(json.dumps(data))


def _run_agrees(nb, exact: bool = True) -> dict:
    """The verdict before a real run; asserts the run reused exactly its fresh steps (``exact``
    False: and maybe steps stale only because of an upstream step whose outputs came out the
    same), and that afterwards every step the cache may serve is fresh."""
    before = _verdicts(nb)
    res = run_notebook(nb, track=False)
    assert res.status == "succeeded", res.record.get("error")
    reused = {name for name, step in res.record["steps"].items() if step["cached"]}
    fresh = {n for n, v in before.items() if v.state == "fresh"}
    if exact:
        assert fresh == reused
    else:
        assert fresh <= reused
        assert all(before[n].reasons == ["upstream"] for n in reused - fresh)
    after = _verdicts(nb)
    assert {n for n, v in after.items() if v.state != "fresh"} == {
        n for n, v in after.items() if "cache_off" in v.reasons or v.upstream
    }
    return before


def test_the_verdict_is_what_a_run_then_reuses(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.csv").write_text("1\n2\n3\n")
    nb = write_nb(tmp_path, "pipe.ipynb", CELLS)

    first = _run_agrees(nb)
    assert {v.state for v in first.values()} == {"never_run"}

    same = _run_agrees(nb)  # nothing changed: all reused, each from the run that made it
    assert {v.state for v in same.values()} == {"fresh"}
    assert len({v.run_id for v in same.values()}) == 1

    _edit_cell(nb, 4, "msg = f'the total is {total}'\nprint(msg)")  # a downstream-only cell
    v = _run_agrees(nb)
    assert [n for n in v if v[n].state == "stale"] == ["report"]
    assert v["report"].reasons == ["code"] and v["report"].upstream == []

    _edit_cell(nb, 0, "rate = 3  # how much to scale")  # a parameter default only scale reads
    v = _run_agrees(nb)
    assert v["load"].state == "fresh"
    assert (v["scale"].reasons, v["scale"].details) == (["parameters"], ["parameter rate"])
    assert v["total"].reasons == ["upstream"] and v["total"].upstream == ["scale"]
    assert v["report"].reasons == ["upstream"] and v["report"].upstream == ["scale", "total"]

    (tmp_path / "data" / "points.csv").write_text("1\n2\n3\n4\n")  # a data file load reads
    v = _run_agrees(nb)
    assert (v["load"].reasons, v["load"].details) == (["files"], ["file data/points.csv"])
    assert [n for n in v if v[n].state == "stale"] == ["load", "scale", "total", "report"]

    _edit_cell(nb, 2, "scaled = [float(r) * rate + 1 for r in rows]")  # a step's code
    v = _run_agrees(nb)
    assert v["load"].state == "fresh"
    assert v["scale"].reasons == ["code"]
    assert {n for n in v if v[n].state == "stale"} == {"scale", "total", "report"}

    # a parameter given to the run (as -p or the Run dialog gives it), not the default
    given = _verdicts(nb, {"rate": "5"})
    assert given["scale"].reasons == ["parameters"] and given["load"].state == "fresh"
    assert {v.state for v in _verdicts(nb, {"rate": "3"}).values()} == {"fresh"}


def test_an_edit_upstream_also_names_a_stale_steps_own_changes(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.csv").write_text("1\n")
    nb = write_nb(tmp_path, "pipe.ipynb", CELLS)
    _run_agrees(nb)
    _edit_cell(nb, 2, "scaled = [float(r) * rate * 2 for r in rows]")
    _edit_cell(nb, 3, "total = sum(scaled) + 1")
    v = _verdicts(nb)
    assert v["total"].reasons == ["code", "upstream"] and v["total"].upstream == ["scale"]


def test_a_step_with_its_cache_off_is_always_stale(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.csv").write_text("1\n")
    meta = {"notebook_ops": {"steps": {"total": {"cache": False}}}}
    nb = write_nb(tmp_path, "pipe.ipynb", CELLS, metadata=meta)
    _run_agrees(nb)
    v = _run_agrees(nb, exact=False)  # total runs again, to the same outputs: report is reused
    assert v["total"].reasons == ["cache_off"]
    assert v["report"].reasons == ["upstream"] and v["report"].upstream == ["total"]
    assert v["scale"].state == "fresh"


def test_runs_of_one_second_are_ordered_by_when_they_started(tmp_path):
    """A run id is its start second and a random suffix: of two runs in one second, the one that
    started later is the newest, whatever its suffix (a random-order CI run once took the older
    one, and called a step stale for a code edit the newer run had already run)."""
    from notebook_ops.execution.staleness import _last_successes

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.csv").write_text("1\n2\n")
    nb = write_nb(tmp_path, "pipe.ipynb", CELLS)
    older = run_notebook(nb, track=False)
    _edit_cell(nb, 4, "msg = f'the total is {total}'\nprint(msg)")
    newer = run_notebook(nb, track=False)
    runs = older.run_dir.parent
    # both in one second, the newer one with the smaller suffix: first by name, last by time
    older.run_dir.rename(runs / "20261207-120000-ffffff")
    newer.run_dir.rename(runs / "20261207-120000-000000")
    for folder in runs.iterdir():
        record = json.loads((folder / "run.json").read_text())
        record["run_id"] = folder.name
        (folder / "run.json").write_text(json.dumps(record))
    last = _last_successes(load_pipeline(nb), runs)
    assert last["report"] == ("20261207-120000-000000", newer.record["steps"]["report"]["cache_key"])
    assert _verdicts(nb)["report"].state == "fresh"
