"""Two real runs side by side (issue 25, item 3): ``compare_runs``, ``notebook-ops runs compare``
(table and JSON) and ``GET runs/{a}/comparisons/{b}`` give one comparison: the parameters that
differ, metrics with b - a against their target, per step reused or re-ran with its time and cost.
The runs are real (kernels through the runner); the second reuses the step its new parameter
does not reach."""

from __future__ import annotations

import json

import pytest

from clikit import run_cli
from nbfactory import make_notebook, write_notebook
from notebook_ops.execution import run_notebook
from notebook_ops.execution.compare import compare_runs
from notebook_ops.model.contracts.runs import RunRecord

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

CELLS = [
    ("import notebook_ops as nbo", ["setup"]),
    ("n = 3  # how many values to add\nlabel = 'x'", ["parameters"]),
    ("values = list(range(10))", ["step:make"]),
    ("total = sum(values[:n])\nnbo.log_metric('total', total)\nnbo.log_metric('n_used', n)", ["step:add"]),
]
SETTINGS = {"notebook_ops": {"name": "adder", "metric_targets": {"total": ">= 5"}}}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The notebook run with n=3 (misses its target), then with n=5 (meets it; ``make`` reused)."""
    root = tmp_path_factory.mktemp("compare")
    nb = write_notebook(root / "adder.ipynb", make_notebook(CELLS, SETTINGS))
    first = run_notebook(nb, track=False)
    second = run_notebook(nb, params={"n": 5}, track=False)
    assert (first.status, second.status) == ("below_target", "succeeded"), second.record.get("error")
    return root, nb, first, second


def _record(result) -> RunRecord:
    return RunRecord.read(result.run_dir)


def test_the_comparison_says_what_changed_and_what_was_reused(two_runs, schema_check):
    _, _, first, second = two_runs
    cmp = compare_runs(_record(first), _record(second))
    schema_check("run-comparison", cmp.to_dict())
    assert (cmp.a.run_id, cmp.b.run_id) == (first.run_id, second.run_id)
    assert (cmp.a.status, cmp.b.status) == ("below_target", "succeeded")
    params = {p.name: (p.a, p.b, p.changed) for p in cmp.parameters}
    assert params == {"n": (3, 5, True), "label": ("x", "x", False)}
    metrics = {m.name: m for m in cmp.metrics}
    assert [m.name for m in cmp.metrics] == ["total", "n_used"]  # targeted first
    total = metrics["total"]
    assert (total.a, total.b, total.delta) == (3, 10, 7)
    assert (total.target, total.met_a, total.met_b) == (">= 5", False, True)
    assert (metrics["n_used"].delta, metrics["n_used"].target) == (2, None)
    steps = {s.name: s for s in cmp.steps}
    assert [s.name for s in cmp.steps] == ["make", "add"]
    make, add = steps["make"], steps["add"]
    assert (make.outcome_a, make.outcome_b, make.same_inputs) == ("re-ran", "reused", True)
    assert make.b.cached and make.duration_delta_s is None  # reused: no time to compare
    assert (add.outcome_a, add.outcome_b, add.same_inputs) == ("re-ran", "re-ran", False)
    assert add.a.duration_s > 0 and add.b.duration_s > 0
    assert add.duration_delta_s == pytest.approx(add.b.duration_s - add.a.duration_s, abs=1e-3)
    assert add.b.cpu_s is not None and add.b.peak_mem_mb > 0  # the cost each step had
    assert cmp.duration_delta_s == pytest.approx(cmp.b.duration_s - cmp.a.duration_s, abs=1e-3)


def test_a_step_only_one_run_has_is_absent_in_the_other(two_runs):
    _, _, first, second = two_runs
    a, b = _record(first), _record(second)
    del b.steps["add"]
    b.parameters.pop("label")
    cmp = compare_runs(a, b)
    add = next(s for s in cmp.steps if s.name == "add")
    assert (add.outcome_a, add.outcome_b, add.b.status, add.same_inputs) == ("re-ran", "absent", None, None)
    label = next(p for p in cmp.parameters if p.name == "label")
    assert (label.a, label.b, label.changed) == ("x", None, True)


def test_the_cli_shows_the_same_comparison(two_runs):
    root, nb, first, second = two_runs
    out = run_cli("runs", "compare", first.run_id, second.run_id, "--notebook", nb, "--json", cwd=root)
    assert out.returncode == 0, out.stderr
    expected = compare_runs(_record(first), _record(second)).to_dict()
    assert json.loads(out.stdout) == json.loads(json.dumps(expected, default=str))
    table = run_cli(
        "runs", "compare", first.run_id[:-2], second.run_id, cwd=root, env={"COLUMNS": "160"}
    )  # a prefix of the id is enough, as for `runs show` (not the time alone: both runs may
    # have started in the same second)
    assert table.returncode == 0, table.stderr
    text = table.stdout
    assert "parameters that differ" in text and "1 parameter(s) the same" in text
    make_line = next(ln for ln in text.splitlines() if ln.lstrip().startswith("make"))
    assert "re-ran" in make_line and "reused" in make_line and "same" in make_line
    total_line = next(ln for ln in text.splitlines() if ln.lstrip().startswith("total"))
    assert "+7" in total_line and "missed → met" in total_line


def test_an_unknown_run_is_one_line_and_a_non_zero_exit(two_runs):
    root, _, first, _ = two_runs
    out = run_cli("runs", "compare", first.run_id, "no-such-run", cwd=root)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    [line] = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert "no run 'no-such-run'" in line
