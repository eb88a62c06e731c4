"""Pipelines across notebooks (model/multi.py): the graph, the data flow between notebooks, one
typed parameter set, bad input as one-line problems, single notebooks exactly as before."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from nbfactory import copy_example, make_notebook

from notebook_ops.model import build, load_pipeline
from notebook_ops.model.contracts.pipeline_view import PipelineView
from clikit import run_cli


def _write(folder: Path, name: str, cells) -> Path:
    path = folder / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(make_notebook(cells), indent=1))
    return path


def _example(tmp_path) -> Path:
    copy_example("multi", tmp_path / "multi")
    return tmp_path / "multi" / "03_train.ipynb"


def test_three_notebooks_one_graph(tmp_path):
    p = load_pipeline(_example(tmp_path))
    assert p.ok, p.errors
    assert p.step_names == ["ingest", "features_a", "features_b-square", "features_b-total", "fit", "report"]
    by = {s.name: s for s in p.steps}
    assert by["ingest"].notebook == "01_ingest.ipynb" and by["fit"].notebook == "03_train.ipynb"
    assert by["features_a"].after == ("ingest",) and by["features_b-square"].after == ("ingest",)
    assert by["features_b-total"].after == ("features_b-square",)  # in-notebook, qualified
    assert set(by["fit"].after) == {"features_a", "features_b-total"}
    assert dict(by["fit"].input_sources) == {"scaled": "features_a", "total_sq": "features_b-total"}
    assert by["ingest"].outputs == ("rows",)
    assert dict(by["features_a"].input_sources) == {"rows": "ingest"}
    assert [(x.name, x.type) for x in p.parameters] == [("n_rows", "int"), ("scale", "float")]
    assert by["ingest"].parameters_read == ("n_rows",)
    entry = tmp_path / "multi" / "03_train.ipynb"
    assert p.notebook_hash == hashlib.sha256(entry.read_bytes()).hexdigest()  # the panel's check
    assert [Path(x).name for x in p.notebooks] == [
        "03_train.ipynb",
        "01_ingest.ipynb",
        "02_features_a.ipynb",
        "02_features_b.ipynb",
    ]
    view = PipelineView.of(p).to_dict()
    assert view["steps"][0]["notebook"] == "01_ingest.ipynb" and len(view["notebooks"]) == 4
    out = run_cli("inspect", tmp_path / "multi" / "03_train.ipynb")
    assert out.returncode == 0, out.stderr
    assert "features_a (02_features_a.ipynb) -> fit (03_train.ipynb): scaled" in out.stdout


def test_step_notebook_built_from_its_own_notebook(tmp_path):
    from notebook_ops.execution.stepnb import build_step_notebook

    p = load_pipeline(_example(tmp_path))
    nb = build_step_notebook(p, "features_b-total")
    code = "".join("".join(c["source"]) for c in nb["cells"])
    assert "total_sq = sum(squares)" in code and "'squares': 'features_b-square'" in code
    assert "scale = 2.0" in code and "n_rows = 40" in code  # the one parameter set


def test_single_notebook_exactly_as_before(tmp_path):
    nb = _write(tmp_path, "one", [("a = 1", ["step:a"]), ("b = a + 1", ["step:b"])])
    assert load_pipeline(nb) == build.load_pipeline(nb)
    assert PipelineView.of(load_pipeline(nb)).notebooks == []


def test_bad_input_one_line_problems(tmp_path):
    entry = _write(tmp_path, "train", [("x = rows", ["step:x", "after:ingest_missing"])])
    # a name that is no step and no notebook file stays the single-notebook problem
    assert [e.code for e in load_pipeline(entry).errors] == ["unknown-after"]
    entry = _write(tmp_path, "train", [("x = rows", ["after:data/01_ingest"])])
    errs = load_pipeline(entry).errors
    assert [e.code for e in errs] == ["missing-notebook"]
    assert errs[0].message == ("after:data/01_ingest names data/01_ingest.ipynb, which does not exist")

    _write(tmp_path, "a", [("a = b_val", ["after:b"])])
    _write(tmp_path, "b", [("b_val = 1", ["after:a"])])
    errs = load_pipeline(tmp_path / "a.ipynb").errors
    assert [e.code for e in errs] == ["cyclic-notebooks"]
    assert "a -> b -> a" in errs[0].message
    assert errs[0].hint == "remove the tag after:a from cell 1 of b.ipynb"

    _write(tmp_path, "up", [("lr = 1", ["parameters"]), ("v = lr", [])])
    entry = _write(tmp_path, "down", [("lr = 0.5", ["parameters"]), ("w = v * lr", ["after:up"])])
    errs = load_pipeline(entry).errors
    assert [e.code for e in errs] == ["parameter-type-conflict"]
    assert errs[0].message == "parameter 'lr' is float in down.ipynb and int in up.ipynb"

    _write(tmp_path, "src", [("one = 1", ["step:make"]), ("two = 2", ["step:other"])])
    entry = _write(tmp_path, "use", [("y = one", ["step:y", "after:src:nope"])])
    errs = load_pipeline(entry).errors
    assert errs[0].code == "unknown-after"
    assert errs[0].message == "after:src:nope names no step of src.ipynb"


def test_hidden_state_across_notebooks(tmp_path):
    _write(tmp_path, "src", [("one = 1", ["step:make"]), ("two = one + 1", ["step:more"])])
    entry = _write(tmp_path, "use", [("y = two", ["step:y", "after:src:make"])])
    errs = load_pipeline(entry).errors
    assert [e.code for e in errs] == ["hidden-state"]
    assert errs[0].hint == "add the tag after:src:more to cell 1"


def test_cli_run_refuses_invalid_multi_pipeline(tmp_path):
    entry = _write(tmp_path, "train", [("x = rows", ["after:gone/01_ingest"])])
    before = entry.read_bytes()
    out = run_cli("run", entry, "--no-track")
    assert out.returncode == 1, out.stderr  # as for any invalid pipeline
    assert "does not exist" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert entry.read_bytes() == before and not (tmp_path / ".notebook_ops").exists()


def test_lint_and_parameter_defaults_across_notebooks(tmp_path):
    _write(tmp_path, "up", [("n = 5", ["parameters"]), ("v = n", [])])
    entry = _write(tmp_path, "down", [("n = 7", ["parameters"]), ("w = v * n", ["after:up"])])
    p = load_pipeline(entry)
    assert p.ok and [x.code for x in p.problems] == ["parameter-default-differs"]
    assert (
        p.problems[0].message
        == "up.ipynb: parameter 'n' defaults to 5 here but 7 in down.ipynb, which is used"
    )
    assert [(x.name, x.default) for x in p.parameters] == [("n", 7)]

    _write(tmp_path, "src", [("one = 1", ["step:make"]), ("two = one + 1", ["step:more"])])
    entry = _write(tmp_path, "use", [("y = two", ["step:y", "after:src:make"])])
    r = run_cli("lint", "-q", entry)
    assert r.returncode == 1
    assert r.stdout.strip().splitlines() == [
        (
            f"{entry}: cell 1: step y: error: reads 'two', which only step 'src-more' of src.ipynb "
            "defines, and it is not upstream of it [hidden-state] (add the tag after:src:more to cell 1)"
        )
    ]


def test_files_between_notebooks(tmp_path):
    _write(
        tmp_path,
        "ingest",
        [(("import os\nos.makedirs('work', exist_ok=True)\nopen('work/raw.csv', 'w').write('1,2,3')"), [])],
    )
    entry = _write(
        tmp_path,
        "train",
        [("total = sum(map(int, open('work/raw.csv').read().split(',')))", ["after:ingest"])],
    )
    for exists in (False, True):  # before and after a run wrote the file
        if exists:
            (tmp_path / "work").mkdir()
            (tmp_path / "work" / "raw.csv").write_text("1,2,3")
        p = load_pipeline(entry)
        assert p.ok and not p.problems, p.problems
        assert dict(p.step("train").files_in) == {"work/raw.csv": "ingest"}
        assert p.step("ingest").files_out == ("work/raw.csv",)
        assert p.step("train").assets == () and "work/raw.csv" not in p.project.assets
