"""A kernel that dies while starting (its port taken by another process between jupyter_client's
choice and the kernel's bind: "Address already in use", seen in CI) is replaced by another one,
so the step still runs."""

from __future__ import annotations

import json
import sys

from conftest import write_nb
from notebook_ops.execution import run_notebook


def test_a_kernel_that_dies_starting_is_replaced(tmp_path, monkeypatch):
    marker = tmp_path / "first-start-happened"
    launcher = tmp_path / "flaky_launcher.py"
    launcher.write_text(
        "import os, sys\n"
        f"marker = {str(marker)!r}\n"
        "if not os.path.exists(marker):  # the first kernel dies at once, as one whose bind fails\n"
        "    open(marker, 'w').close()\n"
        "    sys.exit(1)\n"
        "from ipykernel import kernelapp\n"
        "kernelapp.launch_new_instance()\n"
    )
    spec = tmp_path / "jupyter" / "kernels" / "flaky"
    spec.mkdir(parents=True)
    argv = [sys.executable, str(launcher), "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "flaky", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    meta = {"kernelspec": {"name": "flaky", "display_name": "flaky", "language": "python"}}
    nb = write_nb(tmp_path, "one.ipynb", [("x = 6 * 7\nprint(x)", ["step:a"])], meta)
    res = run_notebook(nb, track=False, cache=False, kernels="fresh")
    assert marker.exists()  # the first kernel did die
    assert res.status == "succeeded", res.record["error"]
