"""Kernels forked from the zygote give what fresh kernels give, with real kernels: the same
outputs, metrics and run.json statuses (the example, the diamond, a step that changes an imported
module), the same process state in each step (working folder, environment, argv, sys.path,
sys.modules, matplotlib backend; seeds of its own), and fresh kernels when an import starts a
thread."""

from __future__ import annotations

import json
import logging
import os
import shutil

import pytest

from conftest import write_nb
from nbfactory import CORPUS, EXAMPLES
from notebook_ops.execution import run_notebook

MUTATE = [
    (
        "import json, os, random, string, sys\nimport numpy as np\nimport matplotlib\n"
        "import matplotlib.pyplot as plt\nimport notebook_ops as nbo",
        ["setup"],
    ),
    (
        "string.ascii_lowercase = 'patched'\njson.marker = 1\nnp.set_printoptions(precision=1)\n"
        "os.environ['NBO_TEST_MARK'] = 'set'\nsys.argv.append('--patched')\nrandom.seed(5)\n"
        "np.random.seed(5)\npatched = 1",
        ["step:patch"],
    ),
    (
        "print(string.ascii_lowercase[:3], hasattr(json, 'marker'))\nprint(np.array([1.23456]))\n"
        "print(os.environ.get('NBO_TEST_MARK'), sys.argv[-1] == '--patched', patched)\n"
        "fig, ax = plt.subplots(figsize=(2, 2))\nax.plot([1, 3, 2])\nplt.show()\n"
        "m = np.arange(90000.0).reshape(300, 300)\nnbo.log_metric('trace', float(np.trace(m @ m)))",
        ["step:check", "after:patch"],
    ),
]
STATE = (
    "state = dict(cwd=os.getcwd(), argv=[os.path.basename(sys.argv[0])] + sys.argv[1:2],\n"
    "    env=sorted(os.environ), path=sys.path, backend=matplotlib.get_backend(),\n"
    "    r=random.random(), n=float(np.random.rand()), ppid=os.getppid(),\n"
    "    modules=sorted(sys.modules))\n"
    "with open(f'state-{nbo.context().run_id}-{nbo.context().step}.json', 'w') as f:\n"
    "    json.dump(state, f)"
)
MUTATE += [(STATE, ["step:state_a", "after:patch"]), (STATE, ["step:state_b", "after:patch"])]


def _outputs(run_dir) -> dict:
    """Each step notebook's code cell outputs, without what differs between runs anyway."""
    found = {}
    for f in sorted((run_dir / "steps").glob("*.ipynb")):
        cells = json.loads(f.read_text())["cells"]
        found[f.stem] = [
            [
                {k: v for k, v in o.items() if k not in ("metadata", "execution_count")}
                for o in c.get("outputs", [])
            ]
            for c in cells
            if c["cell_type"] == "code" and "injected-parameters" not in c["metadata"].get("tags", [])
        ]
    return found


def _summary(res) -> dict:
    rec = res.record
    return {
        "status": rec["status"],
        "metrics": rec["metrics"],
        "targets": rec["targets"],
        "steps": {
            n: {k: s[k] for k in ("status", "cached", "attempts", "error")} for n, s in rec["steps"].items()
        },
    }


def _both(nb, **kw):
    fork = run_notebook(nb, kernels="fork", cache=False, track=False, jobs=2, **kw)
    fresh = run_notebook(nb, kernels="fresh", cache=False, track=False, jobs=2, **kw)
    assert fork.record["options"]["kernels"] == "fork"
    return fork, fresh


@pytest.mark.parametrize("source", [EXAMPLES / "churn.ipynb", CORPUS / "diamond.ipynb"])
def test_fork_and_fresh_give_identical_results(tmp_path, source):
    nb = shutil.copy(source, tmp_path)
    fork, fresh = _both(nb)
    assert fork.status == "succeeded", fork.record["error"]
    assert _summary(fork) == _summary(fresh)
    assert _outputs(fork.run_dir) == _outputs(fresh.run_dir)


def _stateful(modules: list[str]) -> list[str]:
    return [m for m in modules if not m.startswith("encodings.")]


def test_a_step_never_sees_another_steps_changes_to_modules(tmp_path):
    nb = write_nb(tmp_path, "mutate.ipynb", MUTATE)
    fork, fresh = _both(nb)
    assert fork.status == "succeeded", fork.record["error"]
    assert _summary(fork) == _summary(fresh)
    out = _outputs(fork.run_dir)
    assert out == _outputs(fresh.run_dir)
    check = [o for cell in out["check"] for o in cell]
    text = "".join("".join(o["text"]) for o in check if o["output_type"] == "stream")
    assert text == "abc False\n[1.23456]\nNone False 1\n"  # modules, env, argv as new
    assert any("image/png" in o.get("data", {}) for o in check)  # the inline backend works

    def state(res, step):
        return json.loads((tmp_path / f"state-{res.run_id}-{step}.json").read_text())

    a, b, fresh_a = state(fork, "state_a"), state(fork, "state_b"), state(fresh, "state_a")
    for key in ("cwd", "argv", "env", "path", "backend"):
        assert a[key] == fresh_a[key], (key, set(a[key]) ^ set(fresh_a[key]))
    # The modules a step could see changed: every module but the codecs (``encodings.*``), which
    # Python imports on a codec's first use in a process (a zygote that decoded UTF-16 for an
    # earlier test holds ``encodings.utf_16_be``); they hold no state a step could change.
    assert _stateful(a["modules"]) == _stateful(fresh_a["modules"]), set(_stateful(a["modules"])) ^ set(
        _stateful(fresh_a["modules"])
    )
    assert a["argv"][1] == "-f" and a["cwd"] == str(tmp_path)
    assert a["r"] != b["r"] and a["n"] != b["n"]  # seeds of their own, not the zygote's
    assert a["ppid"] == b["ppid"] != os.getpid()  # forked from one zygote
    assert fresh_a["ppid"] == os.getpid()  # fresh kernels are ours


def test_an_import_that_starts_a_thread_means_fresh_kernels(tmp_path, monkeypatch, caplog):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "threadstarter.py").write_text(
        "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True)"
        ".start()\nVALUE = 3\n"
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(lib), os.environ.get("PYTHONPATH", "")]))
    nb = write_nb(
        tmp_path,
        "threads.ipynb",
        [
            ("import os\nimport threadstarter", ["setup"]),
            ("x = threadstarter.VALUE\nppid = os.getppid()", ["step:one"]),
            ("y = threadstarter.VALUE + 1\nprint(os.getppid())", ["step:two"]),
        ],
        {"notebook_ops": {"kernels": "fork"}},
    )
    with caplog.at_level(logging.WARNING, logger="notebook_ops.execution.forkprovisioner"):
        res = run_notebook(nb, cache=False, track=False, jobs=2)
    assert res.status == "succeeded", res.record["error"]
    assert res.record["options"]["kernels"] == "fork"
    lines = [r.getMessage() for r in caplog.records if "fresh kernels" in r.getMessage()]
    assert lines == ["kernels: fresh kernels for this run: importing threadstarter started a thread"]
    two = json.loads((res.run_dir / "steps" / "two.ipynb").read_text())
    printed = ["".join(o["text"]) for c in two["cells"] for o in c.get("outputs", []) if "text" in o]
    assert printed == [f"{os.getpid()}\n"]  # a fresh kernel: our child


def test_kernels_setting_is_checked(tmp_path):
    from notebook_ops.errors import ParameterError
    from notebook_ops.model import load_pipeline

    nb = write_nb(tmp_path, "bad.ipynb", [("x = 1", ["step:a"])], {"notebook_ops": {"kernels": "spawn"}})
    problems = [p for p in load_pipeline(nb).problems if p.code == "invalid-settings"]
    assert problems and "kernels" in problems[0].message
    ok = write_nb(tmp_path, "ok.ipynb", [("x = 1", ["step:a"])])
    with pytest.raises(ParameterError, match="kernels must be fork or fresh"):
        run_notebook(ok, kernels="spawn", track=False)


def test_only_ipykernel_commands_are_forked():
    from notebook_ops.execution.forkprovisioner import split_kernel_cmd

    assert split_kernel_cmd(
        ["/v/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "/c.json"]
    ) == (["/v/bin/python", "-Xfrozen_modules=off"], ["-f", "/c.json"])
    assert split_kernel_cmd(["R", "--slave", "-e", "IRkernel::main()", "--args", "/c.json"]) is None
    assert split_kernel_cmd(["python", "-m", "other_kernel", "-f", "/c.json"]) is None
    assert split_kernel_cmd(["python", "-c", "x", "-m", "ipykernel_launcher"]) is None
