"""The pool's kernel client (execution/kernel_client.py), with real kernels: ready once the kernel
answered and IOPub carried the idle status of its kernel_info request (so nothing it published
is left for the step), and a step run through papermill in it gives what it gave before; a
kernel that dies is still reported."""

from __future__ import annotations

import asyncio
import json

import pytest

from conftest import write_nb
from notebook_ops.execution import run_notebook
from notebook_ops.execution.kernel_client import PromptKernelClient
from notebook_ops.execution.kernels import KernelPool


def _in_pool_kernel(tmp_path, kernels, check):
    """``check(km)`` in a kernel of a real pool; what it returns."""
    pool = KernelPool(cwd=tmp_path, kernels=kernels)
    try:
        return pool.submit(check).result(timeout=180)
    finally:
        pool.close(kill_running=True)


@pytest.mark.parametrize("kernels", ["fork", "fresh"])
def test_ready_leaves_nothing_of_kernel_info_on_iopub(tmp_path, kernels):
    def check(km):
        async def go():
            kc = km.client()
            assert isinstance(kc, PromptKernelClient)
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=60)
                # nothing left from the readiness check: the next IOPub message is this request's
                msg_id = kc.execute("print(6 * 7)")
                first = await kc.get_iopub_msg(timeout=30)
                seen = [first]
                while not (
                    seen[-1]["msg_type"] == "status" and seen[-1]["content"]["execution_state"] == "idle"
                ):
                    seen.append(await kc.get_iopub_msg(timeout=30))
                return first["parent_header"]["msg_id"] == msg_id, [
                    m["content"]["text"] for m in seen if m["msg_type"] == "stream"
                ]
            finally:
                kc.stop_channels()

        return asyncio.new_event_loop().run_until_complete(go())

    own_first, printed = _in_pool_kernel(tmp_path, kernels, check)
    assert own_first
    assert printed == ["42\n"]


def test_a_dead_kernel_is_reported(tmp_path):
    def check(km):
        async def go():
            kc = km.client()
            kc.start_channels()
            try:
                km.provisioner.process.kill()
                km.provisioner.process.wait(timeout=30)
                with pytest.raises(RuntimeError, match="died"):
                    await kc.wait_for_ready(timeout=60)
                return True
            finally:
                kc.stop_channels()

        return asyncio.new_event_loop().run_until_complete(go())

    assert _in_pool_kernel(tmp_path, "fresh", check)


def test_a_chain_of_steps_gives_what_papermill_gives(tmp_path):
    cells = [("import json", ["setup"]), ("x0 = 1\nprint(x0)", ["step:s0"])]
    cells += [(f"x{i} = x{i - 1} * 2\nprint(x{i})", [f"step:s{i}", f"after:s{i - 1}"]) for i in range(1, 5)]
    nb = write_nb(tmp_path, "chain.ipynb", cells)
    res = run_notebook(nb, cache=False, track=False)
    assert res.status == "succeeded"
    printed = []
    for i in range(5):
        step_nb = json.loads((res.run_dir / "steps" / f"s{i}.ipynb").read_text())
        printed += ["".join(o.get("text", "")) for c in step_nb["cells"] for o in c.get("outputs", [])]
    assert [p for p in printed if p] == [f"{2**i}\n" for i in range(5)]
