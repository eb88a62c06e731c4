"""What a step's code did, observed in its kernel (issue 23, part 1), in real kernels: files read
and written by pandas, numpy, SQLite, open() and native code (pyarrow), folders, `!` commands,
`%load_ext`, third-party imports; the record in run.json, the latest observation of the same
code, the files a step wrote handed to the next one through the data store (two run-step tasks
in two empty folders, one store) and restored from the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nbfactory import write_nb
from notebook_ops.model import load_pipeline
from notebook_ops.execution import run_notebook
from notebook_ops.execution.observations import latest_observation, step_code_sha256

SETUP = (
    "import os\nimport sqlite3\nimport numpy as np\nimport pandas as pd\n"
    "DB = '.'.join(['db', 'sqlite'])  # a path the analysis cannot follow",
    ["setup"],
)
MAKE = (
    "os.makedirs('out/sub', exist_ok=True)\n"
    "raw = pd.read_csv('input.csv')\n"
    "raw.to_csv('out/a.csv', index=False)\n"
    "np.save('out/arr.npy', raw['a'].to_numpy())\n"
    "raw.to_parquet('out/p.parquet')\n"
    "with open('out/note.txt', 'w') as f:\n"
    "    f.write('hi')\n"
    "con = sqlite3.connect(DB)\n"
    "raw.to_sql('t', con, if_exists='replace', index=False)\n"
    "con.close()",
    ["step:make"],
)
USE = (
    "!echo observed-command\n"
    "%load_ext autoreload\n"
    "import yaml\n"
    "con = sqlite3.connect(DB)\n"
    "count = con.execute('select count(*) from t').fetchone()[0]\n"
    "con.close()\n"
    "assert count == 3, count",
    ["step:use"],
)
CELLS = [SETUP, MAKE, USE]


def _project(folder: Path, cells=CELLS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "input.csv").write_text("a,b\n1,x\n2,y\n3,z\n")
    return write_nb(folder, "flow.ipynb", cells)


def _observed(record: dict, step: str) -> dict:
    seen = record["steps"][step].get("observed")
    assert seen is not None, f"step {step} has no observation: {record['steps'][step]}"
    return seen


def _check_make(seen: dict) -> None:
    assert {"out/a.csv", "out/arr.npy", "out/note.txt", "out/p.parquet", "db.sqlite"} <= set(seen["writes"])
    assert "out/p.parquet" in seen["writes"]  # pyarrow writes it natively: caught by the scan
    assert seen["reads"] == ["input.csv"]  # out/a.csv etc. were written by the step itself
    assert {"out", "out/sub"} <= set(seen["dirs"])
    assert seen["databases"] == ["db.sqlite"]
    assert {"numpy", "pandas", "pyarrow"} <= set(seen["modules"])
    assert "notebook_ops" not in seen["modules"] and "IPython" not in seen["modules"]
    assert {"numpy", "pandas", "pyarrow"} <= set(seen["distributions"])
    assert seen["outside"] == [] and seen["truncated"] is False


def _check_use(seen: dict) -> None:
    assert "db.sqlite" in seen["reads"] and seen["databases"] == ["db.sqlite"]
    assert seen["writes"] == []
    assert any("echo observed-command" in c for c in seen["commands"]), seen["commands"]
    assert any(e.endswith("autoreload") for e in seen["extensions"]), seen["extensions"]
    assert "yaml" in seen["modules"] and "PyYAML" in seen["distributions"]


@pytest.mark.parametrize("kernels", ["fork", "fresh"])
def test_steps_observed_in_run_json(tmp_path, kernels, schema_check):
    nb = _project(tmp_path / "proj")
    res = run_notebook(nb, cache=False, kernels=kernels)
    rec = res.record
    assert res.status == "succeeded", rec["error"] or rec["steps"]
    pipeline = load_pipeline(nb)
    make, use = _observed(rec, "make"), _observed(rec, "use")
    _check_make(make)
    _check_use(use)
    assert make["code_sha256"] == step_code_sha256(pipeline, "make")
    assert use["code_sha256"] == step_code_sha256(pipeline, "use")
    # the record is the contract's: the generated schema accepts it
    run_json = json.loads((Path(rec["run_dir"]) / "run.json").read_text())
    assert run_json["steps"]["make"]["observed"] == make
    schema_check("run-record", run_json)
    # the file the analysis could not see went to the data store for the steps after it
    data = Path(rec["run_dir"]) / "data"
    handed = json.loads((data / "make" / "_files.json").read_text())
    assert "db.sqlite" in handed and "out/p.parquet" in handed
    assert not (data / "use" / "_files.json").exists()  # the last step hands nothing on


def test_single_kernel_observes_each_step(tmp_path):
    nb = _project(tmp_path / "proj")
    res = run_notebook(nb, cache=False, single_kernel=True)
    assert res.status == "succeeded", res.record["error"]
    _check_make(_observed(res.record, "make"))
    seen = _observed(res.record, "use")
    assert "db.sqlite" in seen["reads"] and "yaml" in seen["modules"]
    assert "out/a.csv" not in seen["writes"]  # the step before's files are not this one's


def test_latest_observation_follows_the_code(tmp_path):
    nb = _project(tmp_path / "proj")
    first = latest_observation(load_pipeline(nb), nb)
    assert first.run_id is None and first.missing == ["make", "use"]
    res = run_notebook(nb, cache=False)
    assert res.status == "succeeded", res.record["steps"]
    seen = latest_observation(load_pipeline(nb), nb)
    assert seen.run_id == res.record["run_id"] and seen.missing == []
    assert "db.sqlite" in seen.steps["make"].writes
    # the step's code changes: its old observation no longer counts; the other's does
    changed = [SETUP, MAKE, (USE[0] + "\nprint(count)", USE[1])]
    write_nb(nb.parent, nb.name, changed)
    again = latest_observation(load_pipeline(nb), nb)
    assert again.missing == ["use"] and list(again.steps) == ["make"]


def test_cached_step_hands_its_database_on(tmp_path):
    nb = _project(tmp_path / "proj")
    first = run_notebook(nb)
    assert first.status == "succeeded", first.record["steps"]
    (nb.parent / "db.sqlite").unlink()
    changed = [SETUP, MAKE, (USE[0] + "\nprint('again', count)", USE[1])]
    write_nb(nb.parent, nb.name, changed)
    res = run_notebook(nb)
    steps = res.record["steps"]
    assert res.status == "succeeded", steps
    assert steps["make"]["cached"] is True and steps["use"]["cached"] is False
    assert "observed" not in steps["make"]  # it did not run: nothing observed
    assert (nb.parent / "db.sqlite").is_file()  # restored from the cache for 'use'


def test_observation_off_switch(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OPS_OBSERVE", "0")
    nb = _project(tmp_path / "proj")
    res = run_notebook(nb, cache=False)
    assert res.status == "succeeded", res.record["steps"]
    assert all("observed" not in s for s in res.record["steps"].values())


def test_run_step_hands_a_sqlite_database_between_empty_folders(tmp_path, git_repo):
    root = Path(git_repo.working_tree_dir)
    nb = _project(root)
    git_repo.index.add(["flow.ipynb", "input.csv"])
    git_repo.index.commit("flow")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    cli = [sys.executable, "-m", "notebook_ops"]

    def ok(args, cwd):
        proc = subprocess.run(cli + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    ok(["export", str(nb), "--out", str(tmp_path / "dist"), "--no-mlflow"], root)
    bundle = next(p for p in (tmp_path / "dist").iterdir() if p.is_dir())
    store = tmp_path / "store"
    for step in ("make", "use"):
        task = tmp_path / f"task-{step}"
        task.mkdir()
        ok(["run-step", str(bundle), step, "--data", str(store), "-q"], task)
    use = json.loads((store / "use" / "_observed.json").read_text())
    assert "db.sqlite" in use["reads"] and use["databases"] == ["db.sqlite"]
    make = json.loads((store / "make" / "_observed.json").read_text())
    assert "db.sqlite" in make["writes"]
    assert make["code_sha256"] == step_code_sha256(load_pipeline(nb), "make")
    # the whole bundle run here: its steps work in a workspace inside the run folder
    ops = tmp_path / "ops"
    ops.mkdir()
    ok(["run", str(bundle), "--no-track", "--run-dir", str(ops / "run")], ops)
    assert (ops / "run" / "work" / "input.csv").is_file()  # a workspace it is
    rec = json.loads((ops / "run" / "run.json").read_text())
    whole = rec["steps"]["make"]["observed"]
    assert whole["reads"] == ["input.csv"] and "db.sqlite" in whole["writes"]
    assert "db.sqlite" in rec["steps"]["use"]["observed"]["reads"]


def test_fork_starts_with_an_empty_buffer_and_the_hook_works_in_the_child(tmp_path):
    """In a separate interpreter: an audit hook cannot be removed from this one."""
    script = textwrap.dedent(
        """
        import json, os, sys
        from notebook_ops.kernel_side import observe
        observe.start("parent", root=sys.argv[1])
        open(os.path.join(sys.argv[1], "parent.txt"), "w").close()
        pid = os.fork()
        if pid == 0:
            empty = observe._events == [] and observe._step is None
            observe.start("child", root=sys.argv[1])
            open(os.path.join(sys.argv[1], "child.txt"), "w").close()
            seen = observe.finish()
            with open(os.path.join(sys.argv[1], "result.json"), "w") as f:
                json.dump({"empty": empty, "writes": seen["writes"]}, f)
            os._exit(0)
        os.waitpid(pid, 0)
        print(json.dumps(observe.finish()["writes"]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    child = json.loads((tmp_path / "result.json").read_text())
    assert child["empty"] is True
    assert child["writes"] == ["child.txt"]  # result.json came after finish
    assert json.loads(proc.stdout) == ["child.txt", "parent.txt", "result.json"]


def test_lint_notices_what_the_analysis_missed(tmp_path):
    nb = _project(tmp_path / "proj")
    cli = [sys.executable, "-m", "notebook_ops", "lint", str(nb)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    before = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=300)
    assert before.returncode == 0 and "observed-not-static" not in before.stdout
    inspect = [sys.executable, "-m", "notebook_ops", "inspect", str(nb)]
    shown = subprocess.run(inspect, capture_output=True, text=True, env=env, timeout=300)
    assert "static analysis only: run once so export can observe" in shown.stdout, shown.stdout
    res = run_notebook(nb, cache=False)
    assert res.status == "succeeded", res.record["steps"]
    show = [sys.executable, "-m", "notebook_ops", "runs", "show", res.record["run_id"]]
    shown = subprocess.run(
        show + ["--root", str(nb.parent / ".notebook_ops" / "runs")],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200"},
        timeout=300,
    )
    assert shown.returncode == 0, shown.stderr
    assert "observed (what each step's code did):" in shown.stdout
    assert "use: read db.sqlite; sqlite db.sqlite; imported numpy, pandas, yaml; ran echo" in shown.stdout
    after = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=300)
    assert after.returncode == 0, after.stderr  # notices, not errors
    lines = [ln for ln in after.stdout.splitlines() if "[observed-not-static]" in ln]
    make = [ln for ln in lines if "step make" in ln]
    use = [ln for ln in lines if "step use" in ln]
    assert any("'db.sqlite'" in ln and "info:" in ln for ln in make), after.stdout
    assert not any("'pyarrow'" in ln for ln in make), after.stdout  # pandas needs it: no news
    assert any("'db.sqlite'" in ln for ln in use), after.stdout
    assert not any("input.csv" in ln or "out/a.csv" in ln for ln in lines)  # literal: seen
    assert not any("'yaml'" in ln for ln in lines)  # imported in the cell: seen
    shown = subprocess.run(inspect, capture_output=True, text=True, env=env, timeout=300)
    assert f"Observed (latest run of the same code: {res.record['run_id']})" in shown.stdout
    assert "  make: read input.csv; wrote db.sqlite, out/a.csv" in shown.stdout, shown.stdout
    assert "static analysis only" not in shown.stdout


def test_a_file_over_the_hand_off_cap_is_named_and_left_out(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OPS_HANDOFF_MAX_MB", "0.001")  # about 1 KB
    cells = [
        ("import os", ["setup"]),
        (
            "name = 'big' + '.bin'\nopen(name, 'wb').write(os.urandom(4096))\n"
            "open('small.txt', 'w').write('x')",
            ["step:a"],
        ),
        ("size = os.path.getsize('small.txt')", ["step:b"]),
    ]
    nb = write_nb(tmp_path, "cap.ipynb", cells)
    res = run_notebook(nb, cache=False)
    assert res.status == "succeeded", res.record["steps"]
    handed = json.loads((Path(res.record["run_dir"]) / "data" / "a" / "_files.json").read_text())
    assert list(handed) == ["small.txt"]
    log = Path(res.record["steps"]["a"]["log"]).read_text()
    assert "step 'a' wrote 'big.bin'" in log and "NOTEBOOK_OPS_HANDOFF_MAX_MB" in log, log


def test_a_module_only_a_library_brings_along_is_no_notice(tmp_path):
    from notebook_ops.model import load_pipeline
    from notebook_ops.model.contracts.runs import Observed
    from notebook_ops.execution.observations import Observation, observed_problems

    nb = write_nb(tmp_path, "n.ipynb", [("import pandas as pd\ndf = pd.DataFrame({'a': [1]})", ["step:one"])])
    p = load_pipeline(nb)
    seen = Observation(run_id="r1", steps={"one": Observed(modules=["numpy", "pandas", "pyarrow", "rich"])})
    notices = [x.message for x in observed_problems(p, seen)]
    assert len(notices) == 1 and "'rich'" in notices[0], notices  # imported by a magic or exec
    assert not any(m in notices[0] for m in ("'numpy'", "'pandas'", "'pyarrow'")), notices


def test_a_file_another_step_writes_meanwhile_is_not_this_steps(tmp_path):
    """Steps running at the same time in one project see each other's files appear in their
    before/after scans; each keeps only its own (the run's ledger of the hooks' writes): a
    Ploomber grid's proof once failed on a model file its neighbour wrote."""
    cells = [
        ("import time, os", ["setup"]),
        ("x = 1", ["step:start"]),
        (
            "for _ in range(600):  # until b has written its file\n"
            "    if os.path.exists('b.txt'):\n"
            "        break\n"
            "    time.sleep(0.05)\n"
            "time.sleep(0.2)\n"
            "open('a.txt', 'w').write('a')",
            ["step:a", "after:start"],
        ),
        ("time.sleep(0.5)\nopen('b.txt', 'w').write('b')\ntime.sleep(0.5)", ["step:b", "after:start"]),
    ]
    nb = write_nb(tmp_path, "pair.ipynb", cells)
    res = run_notebook(nb, cache=False, track=False, jobs=2)
    assert res.status == "succeeded", res.record["error"]
    steps = res.record["steps"]
    assert steps["a"]["observed"]["writes"] == ["a.txt"]
    assert steps["b"]["observed"]["writes"] == ["b.txt"]
