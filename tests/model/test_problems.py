"""Every problem code, with the cell and step it names."""

import pytest

from notebook_ops.model import build_pipeline, load_pipeline
from nbfactory import make_notebook


def codes(p):
    return {(pr.code, pr.cell, pr.step) for pr in p.problems}


def test_problem_corpus_reports_each_code_with_cell_and_step(corpus):
    p = load_pipeline(corpus / "problems.ipynb")
    got = codes(p)
    assert ("non-literal-parameter", 0, None) in got
    assert ("multiple-parameters-cells", 1, None) in got
    assert ("bad-step-name", 2, "Bad Name") in got
    assert ("duplicate-step", 4, "dup") in got
    assert ("cyclic-after", 5, "loop_a") in got
    assert ("unknown-after", 7, "lost") in got
    assert ("syntax-error", 8, "broken") in got
    assert ("undefined-name", 9, "reader") in got
    assert not p.ok
    by_code = {pr.code: pr for pr in p.problems}
    assert by_code["undefined-name"].severity == "warning"
    assert "never_defined" in by_code["undefined-name"].message


def test_hidden_state_names_the_defining_step_and_suggests_after(corpus):
    p = load_pipeline(corpus / "hidden_state.ipynb")
    [pr] = p.errors
    assert pr.code == "hidden-state" and pr.step == "three" and pr.cell == 2
    assert "'b'" in pr.message and "'two'" in pr.message
    assert pr.hint == "add the tag after:two to cell 3"  # JupyterLab's number of index 2


def test_hidden_state_when_the_definer_runs_later():
    p = build_pipeline(make_notebook([("x = y", ["step:first"]), ("y = 1", ["step:second"])]))
    [pr] = p.errors
    assert pr.code == "hidden-state" and "runs after it" in pr.message


def test_self_after_and_conflicting_tags_and_after_without_step():
    p = build_pipeline(
        make_notebook(
            [("a = 1", ["step:s", "after:s"]), ("b = 2", ["setup", "skip"]), ("c = a", ["after:s"])]
        )
    )
    got = {pr.code for pr in p.problems}
    assert {"cyclic-after", "conflicting-tags", "after-without-step"} <= got


@pytest.mark.parametrize(
    "source,code",
    [
        ("x = [1, 2] * 3", "non-literal-parameter"),
        ("import os", "non-literal-parameter"),
        ("_nbo_x = 1", "bad-parameter-name"),
        ("a: int = 'text'", "parameter-type-mismatch"),
        ("a = 1\na = 2", "duplicate-parameter"),
    ],
)
def test_parameter_problems(source, code):
    p = build_pipeline(make_notebook([(source, ["parameters"]), "pass"]))
    assert code in {pr.code for pr in p.problems}


def test_parameters_types_defaults_help():
    p = build_pipeline(
        make_notebook(
            [
                (
                    "rate: float = 2  # learning rate\nname = 'x'  # the name # really\nflags = [1, 2]\n"
                    "on = True\nneg = -3\nnothing = None\nmapping = {'a': 1}  # a dict",
                    ["parameters"],
                ),
                "pass",
            ]
        )
    )
    got = {x.name: (x.type, x.default, x.help) for x in p.parameters}
    assert got == {
        "rate": ("float", 2.0, "learning rate"),
        "name": ("str", "x", "the name # really"),
        "flags": ("list", [1, 2], ""),
        "on": ("bool", True, ""),
        "neg": ("int", -3, ""),
        "nothing": ("NoneType", None, ""),
        "mapping": ("dict", {"a": 1}, "a dict"),
    }
    assert p.ok


def test_settings_validated_against_schema():
    bad = {
        "notebook_ops": {
            "owner": 3,
            "metric_targets": {"acc": "about 0.9"},
            "steps": {"nope": {"retries": 1}},
            "unknown_key": 1,
        }
    }
    p = build_pipeline(make_notebook([("x = 1", ["step:s"])], metadata=bad))
    got = [pr for pr in p.problems if pr.code == "invalid-settings"]
    assert len(got) == 3 and any("owner" in pr.message for pr in got)
    assert "unknown-step-settings" in {pr.code for pr in p.problems}


def test_data_store_and_cluster_settings_are_checked():
    ok = {"notebook_ops": {"data_url": "s3://team/churn", "cluster": "tcp://sched:8786"}}
    p = build_pipeline(make_notebook([("x = 1", ["step:s"])], metadata=ok))
    assert p.problems == () or all(pr.code != "invalid-settings" for pr in p.problems)
    leaky = {"notebook_ops": {"data_url": "s3://AKIA:secret@team/churn", "cluster": 8786}}
    p = build_pipeline(make_notebook([("x = 1", ["step:s"])], metadata=leaky))
    got = {pr.code: pr.message for pr in p.problems}
    assert (
        "secret" not in got["secret-in-settings"]
        and "data_url carries a credential" in got["secret-in-settings"]
    )
    assert "cluster" in got["invalid-settings"]


def test_step_options_merge_defaults_tags_and_step_settings():
    meta = {
        "notebook_ops": {
            "defaults": {"retries": 2, "timeout": 60},
            "steps": {"s": {"timeout": 5, "resources": {"cpu": 2}}},
        }
    }
    p = build_pipeline(
        make_notebook([("x = 1", ["step:s", "limit:memory:1Gi", "cache:disabled"])], metadata=meta)
    )
    assert p.step("s").options == {
        "retries": 2,
        "timeout": 5,
        "cache": False,
        "resources": {"memory": "1Gi", "cpu": 2},
    }


def test_non_python_kernel_is_an_error():
    nb = make_notebook(
        ["x <- 1"], metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}}
    )
    assert "unsupported-language" in {pr.code for pr in build_pipeline(nb).errors}


def test_example_notebook_is_clean_and_parallel(nb_factory):
    from nbfactory import EXAMPLES

    p = load_pipeline(EXAMPLES / "churn.ipynb")
    assert p.ok and not p.problems
    assert p.step_names == ["load", "features", "train_linear", "train_tree", "evaluate"]
    assert p.step("train_tree").after == ("features",) == p.step("train_linear").after
    assert dict(p.step("evaluate").input_sources) == {
        "X_test": "features",
        "y_test": "features",
        "linear_model": "train_linear",
        "tree_model": "train_tree",
    }
    assert p.step("features").outputs == ("X_test", "X_train", "y_test", "y_train")
    assert p.upstream("evaluate") == {"load", "features", "train_linear", "train_tree"}
    assert p.downstream("features") == {"train_linear", "train_tree", "evaluate"}


def _chain(n, tagged_at, after):
    """``n`` steps s0..s{n-1}, each reading what the one above defines; ``tagged_at``'s cell also
    carries ``after:{after}``."""
    cells = []
    for i in range(n):
        tags = [f"step:s{i}"] + ([f"after:{after}"] if i == tagged_at else [])
        cells.append((f"v{i} = {'v' + str(i - 1) + ' + 1' if i else '1'}", tags))
    return build_pipeline(make_notebook(cells))


def test_one_raw_cyclic_after_is_one_error_naming_the_tag_and_its_cell():
    # s3 runs after s11, which (step after step) runs after s3: one tag closes the cycle
    p = _chain(12, 3, "s11")
    assert [(pr.code, pr.cell, pr.step) for pr in p.problems] == [("cyclic-after", 3, "s3")]
    [pr] = p.problems
    assert pr.hint == "remove the tag after:s11 from cell 4"  # JupyterLab's number of index 3
    assert pr.message == (
        "after:s11 makes a cycle: 's11' already runs after 's3' "
        "(s3 -> s4 -> s5 -> s6 -> s7 -> s8 -> s9 -> s10 -> s11)"
    )
    # the rest of the analysis sees the pipeline as it is without the tag: s3 follows s2 again
    assert p.step("s3").after == ("s2",) and p.step("s3").input_sources == (("v2", "s2"),)
    assert [s.name for s in p.steps] == [f"s{i}" for i in range(12)]


def test_a_cycle_with_the_first_step_is_one_error_and_no_hidden_state():
    p = _chain(6, 0, "s5")
    assert [(pr.code, pr.cell, pr.hint) for pr in p.problems] == [
        ("cyclic-after", 0, "remove the tag after:s5 from cell 1")
    ]


def test_two_steps_after_each_other_name_the_tag_pointing_down_the_notebook():
    p = build_pipeline(make_notebook([("a = 1", ["step:a", "after:b"]), ("b = a", ["step:b", "after:a"])]))
    assert [(pr.code, pr.cell, pr.hint) for pr in p.problems] == [
        ("cyclic-after", 0, "remove the tag after:b from cell 1")
    ]


def test_two_separate_cycles_are_two_errors():
    p = build_pipeline(
        make_notebook(
            [
                ("a = 1", ["step:a", "after:b"]),
                ("b = a", ["step:b"]),
                ("c = b", ["step:c", "after:d"]),
                ("d = c", ["step:d"]),
            ]
        )
    )
    assert [(pr.code, pr.cell, pr.hint) for pr in p.problems] == [
        ("cyclic-after", 0, "remove the tag after:b from cell 1"),
        ("cyclic-after", 2, "remove the tag after:d from cell 3"),
    ]


def test_a_kale_prev_tag_that_closes_a_cycle_is_named_as_written():
    p = build_pipeline(
        make_notebook(
            [
                ("a = 1", ["block:a", "prev:b"]),
                ("b = a", ["block:b", "prev:a"]),
            ]
        )
    )
    cyc = [pr for pr in p.problems if pr.code == "cyclic-after"]
    assert [pr.hint for pr in cyc] == ["remove the tag prev:b from cell 1"]
