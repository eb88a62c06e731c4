"""papermill's notebook client, with fewer round trips to the kernel for a step notebook.

Every execute request is a round trip (the request, the kernel's stdout flush, the reply and the
idle status): about 20 ms on a loaded 2-core machine, and a trivial step made seven of them plus
a ``kernel_info`` for the notebook's ``language_info``. Two of the seven are cells notebook-ops
writes itself and that hold only literals: the parameters' defaults and papermill's injected
values, which the plumbing cell right after them reads. ``StepNotebookClient`` sends the three
as one request; the executed notebook keeps the three cells with their own sources, marked run
with that request's execution count (an output or an error lands on the plumbing cell, the one
that can raise). The ``language_info`` of a kernel name is asked once per process: step kernels
fork from the same zygote and answer the same.
"""

from __future__ import annotations

import copy
import threading

from nbclient.exceptions import CellExecutionError
from papermill.clientwrap import PapermillNotebookClient

from notebook_ops.execution.stepnb import PLUMBING_TAG


_language_info: dict[str, dict] = {}
_language_lock = threading.Lock()


def leading_plumbing(cells) -> list[int]:
    """Indexes of a step notebook's leading cells that can run as one request: notebook-ops'
    parameters cell, papermill's injected parameters, the plumbing cell. Empty for any other
    notebook (a user's own parameters cell is never batched)."""
    wanted = ("params", "injected", "plumbing")
    found: list[int] = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or len(found) == len(wanted):
            break
        tags = cell.get("metadata", {}).get("tags") or []
        cell_id = str(cell.get("id") or "")
        kind = (
            "params"
            if "parameters" in tags and cell_id.startswith("nbo-")
            else "injected"
            if "injected-parameters" in tags
            else "plumbing"
            if PLUMBING_TAG in tags and cell_id.endswith("-plumbing")
            else None
        )
        if kind != wanted[len(found)]:
            break
        found.append(index)
    return found if len(found) == len(wanted) else []


class StepNotebookClient(PapermillNotebookClient):
    """``PapermillNotebookClient`` whose leading plumbing cells run as one request."""

    def execute(self, **kwargs):
        self.reset_execution_trackers()
        with self.setup_kernel(**kwargs):
            self.log.info(f"Executing notebook with kernel: {self.kernel_name}")
            self.papermill_execute_cells()
            self.nb.metadata["language_info"] = self._language_info()
            self.set_widgets_metadata()
        return self.nb

    def _language_info(self) -> dict:
        name = str(self.kernel_name or self.nb.metadata.get("kernelspec", {}).get("name", ""))
        with _language_lock:
            known = _language_info.get(name)
        if known is None:
            known = self.wait_for_reply(self.kc.kernel_info())["content"]["language_info"]
            with _language_lock:
                _language_info[name] = known
        return copy.deepcopy(known)

    def papermill_execute_cells(self):
        batch = leading_plumbing(self.nb.cells)
        for index, cell in enumerate(self.nb.cells):
            try:
                self.nb_man.cell_start(cell, index)
                if index in batch[:-1]:
                    continue  # sent with the batch's last cell
                if batch and index == batch[-1]:
                    self._execute_batch(batch)
                else:
                    self.execute_cell(cell, index)
            except CellExecutionError as ex:
                self.nb_man.cell_exception(self.nb.cells[index], cell_index=index, exception=ex)
                break
            finally:
                self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)

    def _execute_batch(self, batch: list[int]) -> None:
        last = self.nb.cells[batch[-1]]
        own = last.source
        last.source = "\n".join(self.nb.cells[i].source for i in batch)
        try:
            self.execute_cell(last, batch[-1])
        finally:
            self.nb.cells[batch[-1]].source = own
            for i in batch[:-1]:
                self.nb.cells[i].execution_count = self.nb.cells[batch[-1]].get("execution_count")
