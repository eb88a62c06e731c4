"""``nbo.panel()`` inside a real kernel started as jupyter_server starts one (JPY_SESSION_NAME in
its environment): it finds its notebook, displays as a widget, and a Run click leaves the kernel
free to execute other cells while the pipeline runs."""

from __future__ import annotations

import os
import queue

import pytest

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


class Kernel:
    def __init__(self, cwd, env):
        from jupyter_client import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(cwd), env=env)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def execute(self, code: str, timeout=600) -> tuple[str, list[dict], dict]:
        """Run ``code``; (stdout, display/execute_result data, the reply content)."""
        msg_id = self.kc.execute(code)
        out, data = [], []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no output from the kernel within {timeout} s") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind in ("display_data", "execute_result"):
                data.append(content["data"])
            elif kind == "error":
                out.append("\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                break
        while True:  # skip replies to earlier requests (kernel_info from wait_for_ready)
            reply = self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return "".join(out), data, reply["content"]

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture
def kernel_in_repo(churn_repo):
    env = {k: v for k, v in os.environ.items() if k != "__vsc_ipynb_file__"}
    env["JPY_SESSION_NAME"] = str(churn_repo)  # what jupyter_server's session manager sets
    k = Kernel(churn_repo.parent, env)
    yield k, churn_repo
    k.close()


@pytest.mark.slow
def test_panel_in_a_kernel_finds_its_notebook_and_runs_without_blocking(kernel_in_repo):
    k, nb = kernel_in_repo
    out, data, reply = k.execute(
        "import notebook_ops as nbo\np = nbo.panel(run_options={'track': False, 'jobs': 2})\nprint(p.path)\np"
    )
    assert reply["status"] == "ok", out
    assert out.strip() == str(nb.resolve())
    assert any(WIDGET_MIME in d for d in data)  # front ends render it as a widget

    out, _, reply = k.execute("p.form.widgets['epochs'].value = 25\np.run_button.click()\nprint('clicked')")
    assert reply["status"] == "ok" and out.strip() == "clicked"
    # the kernel answers the next cell while the run goes on in the panel's thread
    out, _, _ = k.execute("print(p.busy, p.run_button.disabled)")
    assert out.split() == ["True", "True"]
    out, _, reply = k.execute(
        "r = p.wait(600)\nprint(r.status, r.record['parameters']['epochs'])\n"
        "print(sorted(row.progress.value for row in p.steps.rows.values()))"
    )
    assert reply["status"] == "ok", out
    status, epochs, *_ = out.split()
    assert status in ("succeeded", "below_target") and epochs == "25"
    assert out.splitlines()[1] == "[2, 2, 2, 2, 2]"


@pytest.mark.slow
def test_panel_without_a_notebook_name_asks_for_the_path(kernel_in_repo):
    k, nb = kernel_in_repo
    out, _, reply = k.execute(
        "import os, notebook_ops as nbo\ndel __session__\nos.environ.pop('JPY_SESSION_NAME')\nnbo.panel()"
    )
    assert reply["status"] == "error" and reply["ename"] == "NotebookNotLocated"
    assert 'nbo.panel("my_notebook.ipynb")' in reply["evalue"]
    out, _, reply = k.execute(f"print(nbo.panel({nb.name!r}).pipeline.name)")
    assert reply["status"] == "ok" and out.strip() == "churn", out
