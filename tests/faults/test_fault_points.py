"""The fault-injection harness (util/faults.py): unarmed points do nothing; armed ones exit, kill,
raise or sleep in the process the test started, on the hit it named; a bad spec says so."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from notebook_ops.util import faults

HIT_THREE_TIMES = """from notebook_ops.util import faults
for i in range(3):
    print(i, flush=True)
    faults.point('p')
print('done')"""


def run(spec: str | None):
    env = {"PYTHONPATH": ":".join(sys.path)}
    if spec is not None:
        env[faults.ENV] = spec
    return subprocess.run([sys.executable, "-c", HIT_THREE_TIMES], env=env, capture_output=True, text=True)


def test_an_unarmed_point_does_nothing():
    r = run(None)
    assert r.returncode == 0 and r.stdout.split() == ["0", "1", "2", "done"]
    assert run("other=exit:3").stdout.split() == ["0", "1", "2", "done"]


def test_exit_and_kill_end_the_process_at_the_named_hit():
    r = run("p=exit:17@2")
    assert r.returncode == 17 and r.stdout.split() == ["0", "1"]
    r = run("p=kill")
    assert r.returncode == -signal.SIGKILL and r.stdout.split() == ["0"]


def test_raise_is_an_oserror_naming_the_point():
    r = run("p=raise@3")
    assert r.returncode == 1 and r.stdout.split() == ["0", "1", "2"]
    assert "OSError: fault injected at p" in r.stderr


def test_a_json_file_arms_points(tmp_path):
    spec = tmp_path / "faults.json"
    spec.write_text(json.dumps({"p": "exit:5@3", "q": "kill"}))
    r = run(str(spec))
    assert r.returncode == 5 and r.stdout.split() == ["0", "1", "2"]


def test_a_malformed_spec_fails_loudly():
    r = run("p=explode")
    assert r.returncode == 1 and "unknown fault action" in r.stderr
    with pytest.raises(ValueError, match="needs a value"):
        faults.parse("p=exit")


def test_arm_in_process_then_disarm():
    faults.arm("t.here=raise@2")
    try:
        faults.point("t.here")
        with pytest.raises(OSError, match="t.here"):
            faults.point("t.here")
        faults.point("t.here")  # only the 2nd hit
    finally:
        faults.disarm()
    faults.point("t.here")
