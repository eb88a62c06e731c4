"""The parts of a proof that need no kernel: comparing values, the clean env's cache, and what
``verify`` says about a proof record beside the bundle."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from notebook_ops.bundle import proofenv
from notebook_ops.bundle.proofcompare import compare_metrics, compare_outputs, difference
from notebook_ops.bundle.prove import graph_order, proof_line, proof_path, read_proof
from notebook_ops.model.contracts.proofs import ProofRecord, StepProof
from notebook_ops.kernel_side.data_store import DataStore


class Fitted:
    """A fitted-estimator-like object: equality by identity, state in attributes."""

    def __init__(self, coef):
        self.coef_ = np.asarray(coef)
        self.n_iter_ = 3


def test_difference_compares_values_within_the_tolerance():
    a = pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]})
    assert difference(a, a.assign(x=a.x * (1 + 1e-9))) is None
    assert "x" in difference(a, a.assign(x=[1.0, 2.5]))
    assert difference(np.arange(4.0), np.arange(4.0) + 1e-12) is None
    assert difference(np.arange(4), np.arange(4) + 1) == "arrays differ (4 of 4 elements)"
    assert difference(np.zeros(3), np.zeros(4)) == "shape (3,) != (4,)"
    assert difference(0.1 + 0.2, 0.3) is None and difference(0.3, 0.31) == "0.3 != 0.31"
    assert difference({"k": [1, 2.0]}, {"k": [1, 2.5]}) == "['k']: [1]: 2.0 != 2.5"
    assert difference(Fitted([1.0, 2.0]), Fitted([1.0, 2.0])) is None  # not `is`: by state
    assert difference(Fitted([1.0, 2.0]), Fitted([1.0, 3.0])).startswith("attribute ['coef_']")
    assert difference("a", 1) == "type str != int"


def test_compare_outputs_and_metrics_name_what_differs(tmp_path):
    a, b = DataStore(str(tmp_path / "a")), DataStore(str(tmp_path / "b"))
    a.save_values("s", {"df": pd.DataFrame({"v": [1.0, 2.0]}), "n": 3, "only_a": 1})
    b.save_values("s", {"df": pd.DataFrame({"v": [1.0, 2.0 + 1e-12]}), "n": 4})
    got = {c.name: (c.result, c.detail) for c in compare_outputs("s", a, b)}
    assert got["df"] == ("equal", None)  # different bytes, equal within rtol
    assert got["n"] == ("differs", "3 != 4")
    assert got["only_a"][0] == "extra"
    metrics = {c.name: c.result for c in compare_metrics({"acc": 0.9, "x": 1}, {"acc": 0.9000000001, "y": 2})}
    assert metrics == {"acc": "equal", "x": "extra", "y": "missing"}


def test_graph_order_follows_after_and_inputs():
    m = {
        "steps": [
            {"name": "report", "after": ["train"], "input_sources": {"model": "train"}},
            {"name": "train", "after": [], "input_sources": {"df": "load"}},
            {"name": "load", "after": []},
        ]
    }
    assert graph_order(m) == ["load", "train", "report"]


def _record(**kw) -> ProofRecord:
    base = dict(
        bundle="small",
        version=1,
        content_sha256="abc",
        proven=True,
        date="2026-12-06T20:00:00Z",
        python="3.11.7",
        platform="Linux x86_64",
        env_builder="uv",
        env_build_s=1.5,
        env_cached=False,
        source_run="r1",
        steps={"make": StepProof(status="equal")},
        summary="proven 2026-12-06, Python 3.11.7, Linux x86_64: 1/1 steps equal to run r1",
    )
    base.update(kw)
    return ProofRecord(**base)


def test_proof_record_lives_beside_the_bundle_and_verify_reports_it(tmp_path):
    from notebook_ops.bundle import export_notebook
    from notebook_ops.cli import main

    from bundlekit import SETTINGS, SMALL
    from nbfactory import make_notebook, write_notebook

    nb = write_notebook(tmp_path / "small.ipynb", make_notebook(SMALL, SETTINGS))
    r = export_notebook(nb, out_dir=tmp_path / "dist", tag=False, track=False, target_names=[])
    assert proof_path(r.folder) == proof_path(r.archive) == tmp_path / "dist" / "small-v1.proof.json"
    content = r.manifest["content_sha256"]
    assert proof_line(None, content).startswith("not proven: no proof record")
    mine = _record(content_sha256=content)
    proof_path(r.folder).write_text(__import__("json").dumps(mine.to_dict()))
    assert read_proof(r.archive) == mine
    assert proof_line(mine, "other") == "proof is for another content (prove this bundle again)"
    failed = _record(content_sha256=content, proven=False, summary="step make: module 'yaml' is ...")
    assert proof_line(failed, content) == "not proven: step make: module 'yaml' is ..."

    def verify(target) -> str:
        import contextlib
        import io

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["verify", str(target)]) == 0
        return buf.getvalue()

    for target in (r.folder, r.archive):
        out = verify(target)
        assert "proven 2026-12-06, Python 3.11.7, Linux x86_64: 1/1 steps equal" in out
    assert main(["verify", str(r.folder)]) == 0  # the record beside it changed no checksum


def test_clean_env_is_cached_by_requirements_and_bounded(tmp_path, monkeypatch):
    if proofenv.find_uv() is None:
        pytest.fail("uv is in the dev extra; install it (pip install uv)")
    cache = tmp_path / "envs"
    monkeypatch.setenv("NOTEBOOK_OPS_PROVE_KEEP", "1")
    monkeypatch.setenv("PYTHONPATH", "/nowhere")  # never reaches the env's children
    b1, b2 = tmp_path / "b1", tmp_path / "b2"
    for b, text in ((b1, "# nothing\n"), (b2, "# nothing either\n")):
        b.mkdir()
        (b / "requirements.txt").write_text(text)
    with proofenv.proof_env(b1, cache=cache) as e1:
        assert not e1.cached and e1.builder == "uv" and e1.python.exists()
        assert "PYTHONPATH" not in proofenv.child_env()
        import subprocess

        out = subprocess.run(
            [str(e1.python), "-c", "import sys; print(sys.prefix); import pandas"],
            capture_output=True,
            text=True,
            env=proofenv.child_env(e1.python.parent),
        )
        assert out.stdout.strip() == str(e1.path) and "No module named 'pandas'" in out.stderr
    with proofenv.proof_env(b1, cache=cache) as again:
        assert again.cached and again.path == e1.path and again.build_s == 0.0
    with proofenv.proof_env(b2, cache=cache) as e2:
        assert e2.path != e1.path
    envs = [p.name for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert envs == [e2.path.name]  # bounded: only the newest one stays
    assert not any(p.name.startswith(".build-") for p in cache.iterdir())


def test_clean_env_without_uv_uses_venv_and_pip(tmp_path, monkeypatch):
    b = tmp_path / "b"
    b.mkdir()
    (b / "requirements.txt").write_text("# nothing\n")
    with proofenv.proof_env(b, builder="pip", cache=tmp_path / "envs") as env:
        assert env.builder == "pip" and (env.path / "pyvenv.cfg").is_file()
        assert "include-system-site-packages = false" in (env.path / "pyvenv.cfg").read_text()
    assert os.path.isdir(env.path)


def test_proving_something_that_is_not_a_bundle_is_bad_input(tmp_path, capsys):
    from notebook_ops.cli import main

    (tmp_path / "x.txt").write_text("no")
    assert main(["prove", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a bundle" in err and str(Path(tmp_path / "x.txt")) in err


def test_a_failed_step_is_one_line_naming_what_was_missing_and_the_fix():
    from notebook_ops.bundle.prove import diagnose

    module = diagnose(
        "fit", "ModuleNotFoundError: No module named 'sklearn.linear_model' (in setup, notebook cell 1)", 1
    )
    assert module == (
        "step fit: module 'sklearn' is not in requirements.txt (imported in notebook cell 2): "
        "install scikit-learn in the notebook's environment and export again"
    )
    missing = diagnose("load", "FileNotFoundError: [Errno 2] No such file or directory: 'data/x.csv'", 4)
    assert missing.startswith(
        "step load: file 'data/x.csv' is missing where the bundle runs (notebook cell 5)"
    )
    table = diagnose("ingest", "DatabaseError: Execution failed on sql 'SELECT': no such table: requests", 0)
    assert table.startswith("step ingest: SQLite table 'requests' is missing where the bundle runs")
    other = diagnose("x", "ValueError: boom", None)
    assert other.startswith("step x fails in a clean environment: ValueError: boom") and "\n" not in other


def test_an_unknown_source_run_is_bad_input(tmp_path, capsys):
    from notebook_ops.bundle import export_notebook
    from notebook_ops.cli import main

    from bundlekit import SETTINGS, SMALL
    from nbfactory import make_notebook, write_notebook

    nb = write_notebook(tmp_path / "small.ipynb", make_notebook(SMALL, SETTINGS))
    r = export_notebook(nb, out_dir=tmp_path / "dist", tag=False, track=False, target_names=[])
    assert main(["prove", str(r.folder), "--source-run", "20990101-000000-abcdef"]) == 2
    err = capsys.readouterr().err
    assert "--source-run 20990101-000000-abcdef: no such run" in err and err.count("\n") == 1
    assert not (tmp_path / "dist" / "small-v1.proof.json").exists()
