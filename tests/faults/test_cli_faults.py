"""Bad input at the command line (issue 26, items 5 and 6): parameters that are not finite, too
big or too deep, YAML alias bombs, damaged run records, notebooks with cells of the wrong shape,
a read-only folder. Each case: one line on stderr naming the parameter / file / cell, a
non-zero exit, no traceback, no run folder, the user's notebook byte-identical.

Groups (case ids): g5- strict JSON, g6- limits and damaged input.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from functools import partial
from pathlib import Path

import pytest

from nbfactory import make_notebook, write_notebook
from clikit import run_cli

WAIT = 300  # a bound on a process on a busy machine, not a speed check

CELLS = [
    ("alpha = 0.5\nxs = [1, 2]\nopts = {'a': 1}\nname = 'x'", ["parameters"]),
    ("y = alpha * 2", ["step:make"]),
]


@pytest.fixture
def project(tmp_path) -> Path:
    write_notebook(tmp_path / "t.ipynb", make_notebook(CELLS))
    return tmp_path


nbo = partial(run_cli, timeout=WAIT, env={"MLFLOW_TRACKING_URI": ""})


def refused(out, *words) -> str:
    """The command failed with one line on stderr holding ``words``; that line."""
    assert out.returncode != 0, out
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def no_runs(project: Path) -> bool:
    runs = project / ".notebook_ops" / "runs"
    return not runs.exists() or not any(runs.iterdir())


# -- g5: non-finite numbers never reach a record ---------------------------------------------
@pytest.mark.parametrize(
    "pair",
    [
        pytest.param("alpha=nan", id="g5-cli-nan"),
        pytest.param("alpha=NaN", id="g5-cli-NaN"),
        pytest.param("alpha=1e400", id="g5-cli-1e400"),
        pytest.param("alpha=inf", id="g5-cli-inf"),
        pytest.param("alpha=-Infinity", id="g5-cli-minus-infinity"),
        pytest.param("xs=[1, NaN]", id="g5-cli-nan-in-list"),
        pytest.param('opts={"a": Infinity}', id="g5-cli-infinity-in-dict"),
        pytest.param("xs=[1e999]", id="g5-cli-overflow-in-list"),
    ],
)
def test_non_finite_parameters_are_refused(project, pair):
    before = (project / "t.ipynb").read_bytes()
    out = nbo("run", "t.ipynb", "--no-track", "-p", pair, cwd=project)
    refused(out, f"'{pair.split('=')[0]}'", "finite")
    assert no_runs(project) and (project / "t.ipynb").read_bytes() == before


@pytest.mark.parametrize("case", [pytest.param(None, id="g5-params-file-nan")])
def test_a_nan_in_a_params_file_is_refused(case, project):
    (project / "p.yaml").write_text("alpha: .nan\n")
    refused(nbo("run", "t.ipynb", "--no-track", "-f", "p.yaml", cwd=project), "'alpha'", "finite")
    assert no_runs(project)


@pytest.mark.parametrize("case", [pytest.param(None, id="g5-records-strict-json")])
def test_records_refuse_nan_loudly(case, tmp_path):
    from notebook_ops.util import atomic

    atomic.write_json(tmp_path / "ok.json", {"a": 1.5})
    with pytest.raises(ValueError):
        atomic.write_json(tmp_path / "bad.json", {"a": float("inf")})
    assert not (tmp_path / "bad.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ok.json"]  # no temporary file left


# -- g6: limits on parameter values -----------------------------------------------------------
BOMB = "\n".join(  # nine levels of nine aliases: 387 million items once expanded
    ["opts:", "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"  {c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
)


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("yaml-alias-bomb", id="g6-params-file-alias-bomb"),
        pytest.param("yaml-deep", id="g6-params-file-200k-deep"),
        pytest.param("yaml-not-mapping", id="g6-params-file-a-list"),
        pytest.param("yaml-broken", id="g6-params-file-broken-yaml"),
        pytest.param("yaml-huge-string", id="g6-params-file-1mb-string"),
    ],
)
def test_bad_params_files_are_one_line(project, kind):
    text = {
        "yaml-alias-bomb": BOMB,
        "yaml-deep": "opts: " + "[" * 200_000 + "]" * 200_000,
        "yaml-not-mapping": "- 1\n- 2\n",
        "yaml-broken": "opts: {a: [1, 2\n",
        "yaml-huge-string": "name: " + "x" * 1_100_000,
    }[kind]
    (project / "p.yaml").write_text(text + "\n")
    words = {"yaml-alias-bomb": ["'opts'", "larger than"], "yaml-huge-string": ["'name'", "larger than"]}
    refused(nbo("run", "t.ipynb", "--no-track", "-f", "p.yaml", cwd=project), *words.get(kind, ["p.yaml"]))
    assert no_runs(project)


@pytest.mark.parametrize(
    "pair,words",
    [
        # an argument is at most 128 KiB (the kernel's limit): 60k levels is as deep as -p goes
        pytest.param(
            "xs=" + "[" * 60_000 + "]" * 60_000, ["'xs'", "not a valid list"], id="g6-cli-60k-deep-list"
        ),
        pytest.param("xs=" + "[" * 30 + "]" * 30, ["'xs'", "nested"], id="g6-cli-30-deep-list"),
        pytest.param(
            "opts=" + '{"a": ' * 25 + "1" + "}" * 25, ["'opts'", "nested"], id="g6-cli-25-deep-dict"
        ),
        pytest.param("nope=1", ["unknown parameter 'nope'"], id="g6-cli-unknown-name"),
        pytest.param("alpha", ["NAME=VALUE"], id="g6-cli-no-equals"),
    ],
)
def test_parameter_values_are_bounded(project, pair, words):
    refused(nbo("run", "t.ipynb", "--no-track", "-p", pair, cwd=project), *words)
    assert no_runs(project)


# -- g6: damaged run records ------------------------------------------------------------------
DAMAGED = [
    pytest.param(b"{not json", id="g6-cli-runjson-not-json"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="g6-cli-runjson-too-deep"),
    pytest.param(b'{"run_id": "r1", "steps": "abc"}', id="g6-cli-runjson-steps-type"),
    pytest.param(b"\xff\xfe", id="g6-cli-runjson-not-utf8"),
]


@pytest.mark.parametrize("data", DAMAGED)
def test_a_damaged_run_json_is_listed_and_shown_in_one_line(project, data):
    run = project / ".notebook_ops" / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "run.json").write_bytes(data)
    listed = nbo("runs", "list", "--json", cwd=project)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert [(r["run_id"], r["status"]) for r in json.loads(listed.stdout)] == [("r1", "unreadable")]
    refused(nbo("runs", "show", "r1", cwd=project), "run.json")


@pytest.mark.parametrize(
    "ref",
    [
        pytest.param("r" * 5000, id="g6-cli-run-id-5000-chars"),
        pytest.param("r" * 300, id="g6-cli-run-id-300-chars"),
        pytest.param("a/" * 3000, id="g6-cli-run-path-6000-chars"),
    ],
)
def test_a_huge_run_id_is_one_line(project, ref):
    line = refused(nbo("runs", "show", ref, cwd=project), "no run")
    assert len(line) < 400


# -- g6: notebooks of the wrong shape ---------------------------------------------------------
def bad_cell(cell: dict, field: str, value) -> dict:
    if field == "tags":
        cell["metadata"]["tags"] = value
    else:
        cell[field] = value
    return cell


@pytest.mark.parametrize(
    "field,value,words",
    [
        pytest.param("source", 5, ["cell 2", "source is int"], id="g6-cell-source-int"),
        pytest.param("source", {"a": 1}, ["cell 2", "source is dict"], id="g6-cell-source-dict"),
        pytest.param("source", ["x = 1\n", 2], ["cell 2", "source is list"], id="g6-cell-source-list-of-int"),
        pytest.param("source", None, ["cell 2", "source is NoneType"], id="g6-cell-source-null"),
        pytest.param("metadata", [], ["cell 2", "metadata is list"], id="g6-cell-metadata-list"),
        pytest.param("tags", "step:make", ["cell 2", "tags"], id="g6-cell-tags-a-string"),
        pytest.param("tags", [1, 2], ["cell 2", "tags"], id="g6-cell-tags-ints"),
    ],
)
@pytest.mark.parametrize("command", ["inspect", "run"])
def test_a_cell_of_the_wrong_shape_is_one_line_never_coerced(project, field, value, words, command):
    nb = make_notebook(CELLS)
    bad_cell(nb["cells"][1], field, value)
    path = write_notebook(project / "bad.ipynb", nb)
    before = path.read_bytes()
    args = ["run", "bad.ipynb", "--no-track"] if command == "run" else ["inspect", "bad.ipynb"]
    refused(nbo(*args, cwd=project), "bad.ipynb", *words)
    assert path.read_bytes() == before and no_runs(project)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 200_000 + "]" * 200_000, id="g6-notebook-200k-deep"),
        pytest.param('{"nbformat": 4, "cells": "abc"}', id="g6-notebook-cells-a-string"),
        pytest.param('{"nbformat": 4, "cells": [5]}', id="g6-notebook-cell-an-int"),
    ],
)
def test_a_notebook_of_the_wrong_shape_is_one_line(project, text):
    (project / "bad.ipynb").write_text(text)
    refused(nbo("inspect", "bad.ipynb", cwd=project), "bad.ipynb")


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` read-only for this process: a permission for an ordinary user; for root (who
    ignores permissions) a read-only bind mount of the folder onto itself."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("cell", [pytest.param(1, id="g6-tag-read-only-folder")])
def test_tag_in_a_read_only_folder_is_one_line(project, cell):
    folder = project / "ro"
    folder.mkdir()
    path = write_notebook(folder / "t.ipynb", make_notebook(CELLS))
    before = path.read_bytes()
    with read_only(folder):
        out = nbo("tag", str(path), "--cell", str(cell), "--skip", cwd=project)
        refused(out, "t.ipynb", "cannot write")
        assert out.returncode != 0
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["t.ipynb"]


# -- g7: tests independent of what earlier commands left -------------------------------------
@pytest.mark.parametrize(
    "leftover",
    [
        pytest.param(
            ".notebook_ops/runs/20260101-000000-demo/run.json", id="g7-example-copy-skips-run-folders"
        ),
        pytest.param("dist/demo-1/pipeline.yaml", id="g7-example-copy-skips-bundles"),
        pytest.param("mlruns/0/meta.yaml", id="g7-example-copy-skips-mlruns"),
        pytest.param("__pycache__/x.cpython-311.pyc", id="g7-example-copy-skips-pycache"),
    ],
)
def test_example_copies_leave_what_make_demo_wrote_behind(tmp_path, monkeypatch, leftover):
    import nbfactory

    examples = tmp_path / "examples"
    (examples / "multi").mkdir(parents=True)
    write_notebook(examples / "multi" / "a.ipynb", make_notebook(CELLS))
    (examples / "multi" / leftover).parent.mkdir(parents=True)
    (examples / "multi" / leftover).write_text("left by make demo")
    monkeypatch.setattr(nbfactory, "EXAMPLES", examples)
    copy = nbfactory.copy_example("multi", tmp_path / "copy")
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == ["a.ipynb"]


@pytest.mark.parametrize("case", [pytest.param(None, id="g7-default-order-stable")])
def test_make_test_keeps_one_order_and_random_order_is_one_flag_away(case):
    import tomllib

    from nbfactory import ROOT

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "-p no:randomly" in config["tool"]["pytest"]["ini_options"]["addopts"]
    dev = config["project"]["optional-dependencies"]["dev"]
    assert any(req.startswith("pytest-randomly") for req in dev)


@pytest.mark.parametrize(
    "listing,fix",
    [
        pytest.param(
            "notebooks:\n  - path: a.ipynb\n    after: [b]\n  - path: b.ipynb\n    after: [a]\n",
            "remove a from the after: list of b.ipynb in flow.yaml",
            id="g6-pipeline-file-cycle-hint-names-its-entry",
        ),
    ],
)
def test_a_cycle_in_a_pipeline_file_names_the_entry_to_remove(tmp_path, listing, fix):
    from notebook_ops.model import load_pipeline

    write_notebook(tmp_path / "a.ipynb", make_notebook([("x = 1", ["step:one"])]))
    write_notebook(tmp_path / "b.ipynb", make_notebook([("y = 2", ["step:two"])]))
    (tmp_path / "flow.yaml").write_text(listing)
    cycles = [p for p in load_pipeline(tmp_path / "flow.yaml").problems if p.code == "cyclic-notebooks"]
    assert [p.hint for p in cycles] == [fix]
