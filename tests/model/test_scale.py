"""The model's work grows linearly with the number of steps (issue 27, item 5).

Work is counted, never timed: the Python lines executed inside ``notebook_ops/model/`` while
a notebook of N trivial steps is built, shaped as a long chain and as a wide fan-out with a
sink reading every branch. Four times the steps must cost about four times the lines; the
quadratic scans this replaced (a look-up of every step per name read, per received input, per
step's cells, per ``after:`` tag, ``Pipeline.step`` and ``downstream`` walking every step) cost
ten to sixteen times. ``benchmarks/bench_scale.py`` measures the times.
"""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import pytest

import notebook_ops
from nbfactory import write_nb
from notebook_ops.model import load_pipeline
from notebook_ops.model.ancestry import transitive_upstream

MODEL = str(Path(notebook_ops.__file__).resolve().parent / "model")
SMALL, LARGE = 50, 200
LINEAR_AT_MOST = 5.0  # LARGE / SMALL is 4: linear gives ~4, quadratic ~16


def steps_notebook(n: int, shape: str) -> list:
    """Cells of ``n`` trivial steps: ``chain`` (each after the one above) or ``fan`` (a source,
    ``n - 2`` steps reading it, a sink reading them all)."""
    cells: list = [("x0 = 0  # start", ["parameters"])]
    if shape == "chain":
        return cells + [(f"x{i} = x{i - 1} + 1", [f"step:s{i}"]) for i in range(1, n + 1)]
    middle = range(1, n - 1)
    cells.append(("src = x0 + 1", ["step:source"]))
    cells += [(f"y{i} = src + {i}", [f"step:f{i}", "after:source"]) for i in middle]
    total = "total = sum([" + ", ".join(f"y{i}" for i in middle) + "])"
    return cells + [(total, ["step:sink"] + [f"after:f{i}" for i in middle])]


def model_lines(fn) -> int:
    """Lines executed in ``notebook_ops/model/`` while ``fn()`` runs (any other tracer, a
    coverage tool's, is put back afterwards)."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def new_frame(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(MODEL) else None

    before = sys.gettrace()
    sys.settrace(new_frame)
    try:
        fn()
    finally:
        sys.settrace(before)
    return count


def built(tmp_path, n: int, shape: str):
    path = write_nb(tmp_path, f"{shape}{n}.ipynb", steps_notebook(n, shape))
    pipeline = load_pipeline(path)  # also warms every import before anything is counted
    assert len(pipeline.steps) == n and pipeline.ok, [p.message for p in pipeline.errors]
    return path, pipeline


@pytest.mark.parametrize("shape", ["chain", "fan"])
def test_building_a_pipeline_is_linear_in_its_steps(tmp_path, shape):
    small, _ = built(tmp_path, SMALL, shape)
    large, pipeline = built(tmp_path, LARGE, shape)
    if shape == "chain":  # the data flow is still found: each step reads the one above
        assert pipeline.step("s7").input_sources == (("x6", "s6"),)
    else:
        assert len(pipeline.step("sink").inputs) == LARGE - 2
    ratio = model_lines(lambda: load_pipeline(large)) / model_lines(lambda: load_pipeline(small))
    assert ratio < LINEAR_AT_MOST, f"{LARGE / SMALL:.0f}x the steps cost {ratio:.1f}x the work"


@pytest.mark.parametrize("shape", ["chain", "fan"])
def test_step_lookups_and_downstream_are_linear(tmp_path, shape):
    work = {}
    for n in (SMALL, LARGE):
        _, p = built(tmp_path, n, shape)
        names = p.step_names
        # what a run or an export asks of every step: the step by name, and what follows the first
        work[n] = model_lines(lambda p=p, names=names: ([p.step(s) for s in names], p.downstream(names[0])))
        brute = {s.name for s in p.steps if names[0] in p.upstream(s.name)}
        assert p.downstream(names[0]) == brute == set(names[1:])
        assert p.downstream(names[-1]) == set()
    ratio = work[LARGE] / work[SMALL]
    assert ratio < LINEAR_AT_MOST, f"{LARGE / SMALL:.0f}x the steps cost {ratio:.1f}x the work"


def test_an_unknown_step_is_still_a_key_error(tmp_path):
    _, p = built(tmp_path, 3, "chain")
    with pytest.raises(KeyError):
        p.step("nope")


def test_building_a_long_chain_takes_memory_linear_in_its_steps(tmp_path):
    """Peak bytes the build allocates (tracemalloc), not time: a set of every ancestor per step
    made a chain's memory quadratic (6.8x at 4x the steps; ~100 MiB at 2,000)."""
    peak = {}
    for n in (2 * SMALL, 2 * LARGE):
        path, _ = built(tmp_path, n, "chain")
        tracemalloc.start()
        try:
            load_pipeline(path)
            peak[n] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    ratio = peak[2 * LARGE] / peak[2 * SMALL]
    assert ratio < LINEAR_AT_MOST, f"{LARGE / SMALL:.0f}x the steps took {ratio:.1f}x the memory"


def test_transitive_upstream_matches_a_walk_of_the_graph():
    deps = {"a": (), "b": ("a",), "c": ("a",), "d": ("b", "c"), "e": ("gone",), "f": ("d", "e")}
    order = list(deps)
    up = transitive_upstream(order, deps)

    def walk(n):
        seen, todo = set(), list(deps[n])
        while todo:
            m = todo.pop()
            if m in deps and m not in seen:
                seen.add(m)
                todo.extend(deps[m])
        return seen

    for n in order:
        assert set(up[n]) == walk(n) and len(up[n]) == len(walk(n))
        assert list(up[n]) == [m for m in order if m in walk(n)]  # iterated in graph order
    assert "a" in up["f"] and "f" not in up["a"] and "gone" not in up["e"] and 3 not in up["f"]


def test_a_sink_summing_a_thousand_inputs_with_plus_reads_them_all(tmp_path):
    """``total = y0 + y1 + ...`` nests one BinOp per term: the analysis walks it in a loop (its
    recursion overflowed at ~500 terms and ``inspect`` printed a traceback)."""
    n = 1000
    cells = [
        ("".join(f"y{i} = {i}\n" for i in range(n)), ["step:make"]),
        ("total = " + " + ".join(f"y{i}" for i in range(n)), ["step:sink"]),
    ]
    p = load_pipeline(write_nb(tmp_path, "deep.ipynb", cells))
    assert p.ok, [e.message for e in p.errors]
    assert p.step("sink").inputs == tuple(f"y{i}" for i in range(n))  # in reading order
