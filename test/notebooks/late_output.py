"""An nbconvert ExecutePreprocessor that keeps the outputs a kernel sends after the cell went idle.

Deno's Jupyter kernel (2.x) sends a cell's display_data / execute_result / stream messages from a
task that can finish after it has reported the cell `status: idle`. nbclient stops reading a cell's
messages at its idle and ignores messages whose parent is an earlier cell, so such outputs were
intermittently missing from the executed notebook (the large first figure that carries plotly.js
most often). Live frontends (Notebook, JupyterLab) route every message by its parent msg_id and
show them all; this preprocessor does the same: a message that belongs to an earlier cell is added
to that cell, and after the last cell an empty silent request is run and iopub is read until it has
been quiet for `late_output_quiet` seconds.

Use it in place of `--execute`, with this directory on PYTHONPATH (ExecutePreprocessor's options,
e.g. --ExecutePreprocessor.kernel_name=deno and --allow-errors, apply to it):

    jupyter nbconvert --to notebook \
      --Exporter.preprocessors='["late_output.LateOutputExecutePreprocessor"]' \
      --ExecutePreprocessor.kernel_name=deno notebooks/01-quickstart.ipynb

The notebook's metadata records how many outputs arrived late (`late_outputs`).
"""

import queue
import time

from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async, run_sync
from nbconvert.preprocessors import ExecutePreprocessor
from traitlets import Float


class LateOutputExecutePreprocessor(ExecutePreprocessor):
    cell_quiet = Float(
        0.25,
        help="After a cell went idle, keep reading iopub until it was quiet for this many seconds "
        "before the next cell is sent (so that late messages still carry this cell as parent).",
    ).tag(config=True)
    late_output_quiet = Float(
        1.0, help="After the last cell, stop reading once iopub was quiet for this many seconds."
    ).tag(config=True)
    late_output_max = Float(
        15.0, help="After the last cell, read late outputs for at most this many seconds."
    ).tag(config=True)

    def _cells_by_msg_id(self):
        if not hasattr(self, "_late_cells"):
            self._late_cells = {}
            self._late_count = 0
        return self._late_cells

    def preprocess(self, nb, resources=None, km=None):
        self._late_cells = {}
        self._late_count = 0
        nb, resources = super().preprocess(nb, resources, km)
        nb.metadata.setdefault("logprob_lab", {})["late_outputs"] = self._late_count
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        result = super().preprocess_cell(cell, resources, index)
        if index == len(self.nb.cells) - 1:
            run_sync(self._async_drain_late_outputs)()
        return result

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        self._cells_by_msg_id()[parent_msg_id] = (cell, cell_index)
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    await self._async_read_until_quiet(self.cell_quiet, self.late_output_max)
                    return
            else:
                self._route_late(msg)

    async def _async_read_until_quiet(self, quiet, limit, idle_of=None):
        """Reads iopub (routing messages to their cells) until nothing came for `quiet` seconds and,
        when `idle_of` is a msg_id, that request went idle; gives up after `limit` seconds."""
        deadline = time.monotonic() + limit
        last = time.monotonic()
        idle = idle_of is None
        while time.monotonic() < deadline:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=min(quiet, 0.1)))
            except queue.Empty:
                if idle and time.monotonic() - last >= quiet:
                    return
                continue
            last = time.monotonic()
            if idle_of is not None and msg["parent_header"].get("msg_id") == idle_of:
                idle = idle or (
                    msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                )
                continue
            self._route_late(msg)

    def _route_late(self, msg):
        target = self._cells_by_msg_id().get(msg["parent_header"].get("msg_id"))
        if target is None or msg["msg_type"] in ("status", "execute_input"):
            return
        cell, index = target
        try:
            self.process_message(msg, cell, index)
        except CellExecutionComplete:
            return
        self._late_count += 1
        self.log.info("late %s for cell #%d added to that cell", msg["msg_type"], index)

    async def _async_drain_late_outputs(self):
        # The kernel may hold messages until it handles another request: send an empty silent one.
        drain_id = await ensure_async(self.kc.execute("", silent=True, store_history=False))
        await self._async_read_until_quiet(self.late_output_quiet, self.late_output_max, drain_id)
