"""A kernel client whose ``wait_for_ready`` ends when the kernel is ready, not 0.2 s later.

papermill makes a new client for each step's (already started) kernel, and nbclient waits for
it to be ready: jupyter_client's ``wait_for_ready`` then reads IOPub until it has been silent
for 0.2 s, to flush what the ``kernel_info`` request published. That silence is most of a
trivial step's own cost (about 200 of its 280 ms: issue 27). This client reads IOPub until the
kernel reports itself idle after that very request (the last message the request causes), so
the same messages are flushed without waiting for silence. When IOPub is not connected yet (a
new subscriber misses what was sent before it joined), nothing comes within 0.2 s and the
request is sent again, as jupyter_client does.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient

IOPUB_JOIN = 0.2  # seconds without IOPub traffic after a reply: the channel is not connected yet


class PromptKernelClient(AsyncKernelClient):
    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            msg_id = self.kernel_info()
            reply = await self._reply_to(msg_id, deadline)
            if reply is not None and await self._idle_after(msg_id):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _reply_to(self, msg_id: str, deadline: float) -> dict | None:
        """The shell reply to ``msg_id`` (earlier replies are skipped), None after 1 s."""
        end = min(time.monotonic() + 1, deadline)
        while (left := end - time.monotonic()) > 0:
            try:
                msg = await self.shell_channel.get_msg(timeout=left)
            except Empty:
                return None
            if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") == msg_id:
                return msg
        return None

    async def _idle_after(self, msg_id: str) -> bool:
        """Read IOPub up to the kernel's idle status for ``msg_id`` (True), or until it has been
        silent for IOPUB_JOIN seconds (False: not connected yet)."""
        while True:
            try:
                msg = await self.iopub_channel.get_msg(timeout=IOPUB_JOIN)
            except Empty:
                return False
            if (
                msg["msg_type"] == "status"
                and msg["parent_header"].get("msg_id") == msg_id
                and msg["content"].get("execution_state") == "idle"
            ):
                return True
