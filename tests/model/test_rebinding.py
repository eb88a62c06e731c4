"""A step that rebinds a parameter or a setup name hands its version on (the pipeline equals the
notebook run top to bottom): a later step that reads the name takes it from that step as an
input, like any other name; a step that rebinds it and reads it only itself makes no edge."""

import json
import subprocess
import sys

import pytest

from nbfactory import make_notebook, write_nb
from notebook_ops.model.build import build_pipeline


def _pipeline(cells):
    return build_pipeline(make_notebook(cells))


def _flow(p):
    """Each step's inputs (name -> source) and outputs."""
    return {s.name: (dict(s.input_sources), set(s.outputs)) for s in p.steps}


def _codes(p) -> set[str]:
    return {x.code for x in p.problems}


def test_a_parameter_rebound_in_a_step_is_read_from_it_by_the_next():
    p = _pipeline([("n = 3", ["parameters"]), ("n = n + 1", ["step:a"]), ("print(n)", ["step:b"])])
    assert _flow(p) == {"a": ({}, {"n"}), "b": ({"n": "a"}, set())}
    assert p.step("a").parameters_read == ("n",)  # a reads the injected value
    assert not p.problems


def test_a_setup_name_rebound_in_a_step_is_read_from_it():
    p = _pipeline(
        [
            ("df = load()", ["setup"]),
            ("df = df.dropna()", ["step:clean"]),
            ("print(len(df))", ["step:report"]),
        ]
    )
    assert _flow(p) == {"clean": ({}, {"df"}), "report": ({"df": "clean"}, set())}


def test_a_parameter_rebound_and_read_only_in_the_same_step_makes_no_edge():
    p = _pipeline(
        [
            ("n = 3", ["parameters"]),
            ("n = n + 1\nm = n * 2", ["step:a"]),
            ("print(m, n * 0)", ["step:b"]),  # b reads n too, but after a: n comes from a
            ("print(m)", ["step:c"]),
        ]
    )
    assert _flow(p) == {"a": ({}, {"m", "n"}), "b": ({"m": "a", "n": "a"}, set()), "c": ({"m": "a"}, set())}
    alone = _pipeline([("n = 3", ["parameters"]), ("n = n + 1\nprint(n)", ["step:a"]), ("x = 1", ["step:b"])])
    assert _flow(alone) == {"a": ({}, set()), "b": ({}, set())}


def test_a_chain_of_rebindings_reads_the_latest():
    p = _pipeline(
        [
            ("n = 3", ["parameters"]),
            ("n = n + 1", ["step:a"]),
            ("n = n * 2", ["step:b"]),
            ("x = 1", ["step:c"]),
            ("print(n)", ["step:d"]),
        ]
    )
    assert _flow(p) == {
        "a": ({}, {"n"}),
        "b": ({"n": "a"}, {"n"}),
        "c": ({}, set()),
        "d": ({"n": "b"}, set()),
    }


def test_the_edge_follows_after_tags_not_the_notebook_order():
    p = _pipeline(
        [
            ("n = 3", ["parameters"]),
            ("x = 1", ["step:start"]),
            ("n = 10", ["step:a", "after:start"]),
            ("print(n)", ["step:b", "after:start"]),  # a is not upstream: the parameter, no edge
            ("print(n)", ["step:c", "after:a"]),
        ]
    )
    assert p.step("b").input_sources == () and dict(p.step("c").input_sources) == {"n": "a"}
    assert p.step("a").outputs == ("n",)


def test_a_function_that_reads_a_rebound_name_when_called_takes_it_as_input():
    p = _pipeline(
        [
            ("threshold = 0.5", ["parameters"]),
            ("threshold = 0.9", ["step:tune"]),
            ("def keep(x):\n    return x > threshold\nprint(keep(1))", ["step:use"]),
        ]
    )
    assert dict(p.step("use").input_sources) == {"threshold": "tune"}


def test_two_parallel_rebindings_follow_the_two_writers_rule():
    """As for any name two steps in parallel both bind: the later one in graph order is read;
    if one of them changed the object in place, that is a conflicting-change."""
    rebound = _pipeline(
        [
            ("n = 3", ["parameters"]),
            ("x = 1", ["step:s"]),
            ("n = 4", ["step:a", "after:s"]),
            ("n = 5", ["step:b", "after:s"]),
            ("print(n)", ["step:c", "after:a", "after:b"]),
        ]
    )
    assert dict(rebound.step("c").input_sources) == {"n": "b"} and not rebound.problems
    changed = _pipeline(
        [
            ("cfg = {'k': 0}", ["setup"]),
            ("x = 1", ["step:s"]),
            ("cfg['k'] = 1", ["step:a", "after:s"]),
            ("cfg = {'k': 2}", ["step:b", "after:s"]),
            ("print(cfg)", ["step:c", "after:a", "after:b"]),
        ]
    )
    assert [(x.code, x.step) for x in changed.problems] == [("conflicting-change", "c")]


def test_a_module_imported_again_in_a_step_does_not_travel():
    p = _pipeline(
        [
            ("import json", ["setup"]),
            ("import json\nprint(json.dumps(1))", ["step:a"]),
            ("print(json.dumps(2))", ["step:b"]),
        ]
    )
    assert _flow(p) == {"a": ({}, set()), "b": ({}, set())}


def test_a_builtin_name_a_step_rebinds_travels_too():
    p = _pipeline([("total = 1", ["step:a"]), ("sum = total + 1", ["step:b"]), ("print(sum)", ["step:c"])])
    assert dict(p.step("c").input_sources) == {"sum": "b"}


def test_a_rebound_setup_name_no_serialiser_can_save_is_reported():
    p = _pipeline(
        [
            ("import threading\nlock = None", ["setup"]),
            ("lock = threading.Lock()", ["step:a"]),
            ("print(lock)", ["step:b"]),
        ]
    )
    assert dict(p.step("b").input_sources) == {"lock": "a"}
    bad = [x for x in p.problems if x.code == "unsaveable-output"]
    assert len(bad) == 1 and bad[0].step == "a" and "lock" in bad[0].message


@pytest.mark.parametrize("as_json", [False, True])
def test_inspect_shows_the_new_edge(tmp_path, as_json):
    path = write_nb(
        tmp_path,
        "nb.ipynb",
        [("n = 3", ["parameters"]), ("n = n + 1", ["step:a"]), ("print(n)", ["step:b"])],
    )
    r = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "inspect", str(path), *(["--json"] if as_json else [])],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    if as_json:
        steps = {s["name"]: s for s in json.loads(r.stdout)["steps"]}
        assert steps["a"]["outputs"] == ["n"] and steps["b"]["inputs"] == ["n"]
    else:
        assert "n (from a)" in r.stdout
