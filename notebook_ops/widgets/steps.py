"""The steps in graph order (after, inputs, outputs, parameters read) with a progress bar each,
and the problems list. Progress comes from the runner's events; nothing here decides anything."""

from __future__ import annotations

from notebook_ops.cellref import cell_label

import html

import ipywidgets as W

# run.json step status -> (bar value out of 2, bar style, label)
_STATUS = {
    "pending": (0, "", "waiting"),
    "running": (1, "info", "running"),
    "succeeded": (2, "success", "done"),
    "failed": (2, "danger", "failed"),
    "skipped": (0, "", "skipped"),
    "cancelled": (1, "warning", "cancelled"),
}
_SEVERITY = {"error": "#c62828", "warning": "#b26a00", "info": "#1565c0"}


def _names(values) -> str:
    return ", ".join(values) if values else "-"


def _shared() -> dict:
    """One layout and one style model for all static cells of a grid: ipywidgets makes two extra
    models per widget otherwise, a third of the panel's build time on a long pipeline."""
    from ipywidgets.widgets.widget_int import ProgressStyle  # noqa: PLC0415 - ipywidgets costs 156 ms CPU to import, loaded on first use
    from ipywidgets.widgets.widget_string import HTMLStyle  # noqa: PLC0415 - ipywidgets costs 156 ms CPU to import, loaded on first use

    return {
        "layout": W.Layout(overflow="hidden"),
        "style": HTMLStyle(),
        "bar": {"layout": W.Layout(width="8em"), "style": ProgressStyle()},
    }


def _cell(text: str, shared: dict, bold: bool = False):
    inner = f"<b>{html.escape(text)}</b>" if bold else html.escape(text)
    return W.HTML(f"<span>{inner}</span>", layout=shared["layout"], style=shared["style"])


class StepRow:
    """One step's cells in the grid; ``progress`` and ``status`` follow the run."""

    def __init__(self, step, shared: dict):
        self.name = step.name
        sources = dict(step.input_sources)
        ins = [f"{n} ({sources[n]})" if n in sources else n for n in step.inputs]
        outs = [f"{n} (changed)" if n in step.changed else n for n in step.outputs]
        self.progress = W.IntProgress(value=0, min=0, max=2, **shared["bar"])
        self.status = _cell("", shared)
        self.cells = [
            _cell(step.name, shared, bold=True),
            _cell(_names(step.after), shared),
            _cell(_names(ins), shared),
            _cell(_names(outs), shared),
            _cell(_names(step.parameters_read), shared),
            self.progress,
            self.status,
        ]

    def show(self, info: dict) -> None:
        value, style, label = _STATUS.get(str(info.get("status")), (0, "", info.get("status") or ""))
        if info.get("cached"):
            label = "cached"
        if info.get("attempts", 0) > 1:
            label += f" (attempt {info['attempts']})"
        if info.get("duration_s") is not None and info.get("status") != "running":
            label += f" {info['duration_s']:.1f}s"
        if info.get("worker"):
            label += f" on {info['worker']}"
        self.progress.value, self.progress.bar_style = value, style
        tip = html.escape(info.get("error") or "")
        self.status.value = f'<span title="{tip}">{html.escape(label)}</span>'


class StepsView:
    """The grid of steps; ``rows[name]`` gives a step's progress bar and status."""

    HEADERS = ("step", "after", "inputs (from)", "outputs", "parameters", "progress", "status")

    def __init__(self, pipeline):
        self._shared = shared = _shared()
        self.rows = {s.name: StepRow(s, shared) for s in pipeline.steps}
        head = [W.HTML(f"<b style='opacity:.7'>{h}</b>") for h in self.HEADERS]
        cells = head + [c for row in self.rows.values() for c in row.cells]
        self.box = W.GridBox(
            cells,
            layout=W.Layout(
                grid_template_columns="9em 10em minmax(10em, 2fr) minmax(8em, 1fr) 9em 8.5em 9em",
                grid_gap="2px 10px",
                align_items="center",
            ),
        )

    def close(self) -> None:
        for w in self.box.children:
            w.close()
        self.box.close()
        for w in (self._shared["layout"], self._shared["style"], *self._shared["bar"].values()):
            w.close()

    def reset(self) -> None:
        for row in self.rows.values():
            row.show({"status": "pending"})
            row.status.value = ""

    def update(self, record: dict) -> None:
        """Show a run.json dict (from a progress event or the final result)."""
        for name, info in (record.get("steps") or {}).items():
            if name in self.rows:
                self.rows[name].show(info)


def problems_html(problems) -> str:
    if not problems:
        return "<span style='color:#2e7d32'>No problems.</span>"
    items = []
    for p in problems:
        where = ", ".join(
            x
            for x in (cell_label(p.cell) if p.cell is not None else "", f"step {p.step}" if p.step else "")
            if x
        )
        hint = f" <i>({html.escape(p.hint)})</i>" if p.hint else ""
        color = _SEVERITY.get(p.severity, "inherit")
        items.append(
            f"<li><b style='color:{color}'>{html.escape(p.severity)}</b> "
            f"{html.escape(where + ': ' if where else '')}{html.escape(p.message)}{hint}</li>"
        )
    return "<ul style='margin:0;padding-left:1.2em'>" + "".join(items) + "</ul>"
