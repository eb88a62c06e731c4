"""The parameters form: one typed widget per parameter of the notebook's parameters cell.

The widget follows the parameter's declared type, with two hints read from its help comment:
values listed after "one of" / "choices:" give a dropdown (``mode = "fast"  # one of fast, full``),
a range written ``[0, 1]``, ``0..1`` or "between 0 and 1" gives a slider. Everything else is a
checkbox (bool), a number box (int, float) or a text box (str, and Python literals for list,
dict, tuple, None: the runner converts and checks those exactly as it does for ``-p``).
"""

from __future__ import annotations

import html
import re

import ipywidgets as W

from notebook_ops.errors import ParameterError
from notebook_ops.model.parameters import convert

_CHOICES = re.compile(r"\b(?:one of\s*:?|choices?\s*:)\s*([^;()\n]+)", re.I)
_SPLIT = re.compile(r"\s*(?:,|\||/|\bor\b)\s*")
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGES = (
    re.compile(rf"\[\s*({_NUM})\s*,\s*({_NUM})\s*\]"),
    re.compile(rf"(?<![\w.])({_NUM})\s*\.\.\s*({_NUM})(?![\w.])"),
    re.compile(rf"\bbetween\s+({_NUM})\s+and\s+({_NUM})", re.I),
)
DESC = {"description_width": "9em"}
LITERAL_TYPES = ("list", "dict", "tuple", "NoneType")


def _typed(text: str, kind: str):
    """A listed choice (quotes around it dropped) converted as ``-p`` converts it."""
    text = text.strip().strip("'\"`").strip()
    if not text:
        raise ValueError("empty")
    try:
        return convert("choice", kind, text)
    except ParameterError as exc:
        raise ValueError(str(exc)) from None


def choices_from_help(help_text: str, kind: str, default) -> list | None:
    """The values a parameter's help lists (``one of a, b, c``), typed; None if it lists none."""
    if kind not in ("int", "float", "str"):
        return None
    m = _CHOICES.search(help_text or "")
    if not m:
        return None
    try:
        values = [_typed(v, kind) for v in _SPLIT.split(m.group(1).strip().rstrip(".")) if v.strip()]
    except ValueError:
        return None
    if len(values) < 2:
        return None
    values = list(dict.fromkeys(values))
    if default not in values:
        values.insert(0, default)
    return values


def range_from_help(help_text: str, kind: str) -> tuple[float, float] | None:
    """``(low, high)`` when the help gives a numeric range for an int or float parameter."""
    if kind not in ("int", "float"):
        return None
    for pattern in _RANGES:
        m = pattern.search(help_text or "")
        if m:
            lo, hi = float(m.group(1)), float(m.group(2))
            if lo < hi and (kind == "float" or (lo.is_integer() and hi.is_integer())):
                return lo, hi
    return None


def widget_for(param):
    """The input widget for one ``notebook_ops.model.Parameter``."""
    common = dict(description=param.name, style=DESC, layout=W.Layout(width="22em"))
    kind, default = param.type, param.default
    if param.secret:  # typed unseen; empty: from NOTEBOOK_OPS_SECRET_<NAME>
        return W.Password(value="", placeholder="secret (empty: from the environment)", **common)
    if kind == "bool":
        return W.Checkbox(value=bool(default), indent=True, **common)
    choices = choices_from_help(param.help, kind, default)
    if choices:
        return W.Dropdown(options=[(str(v), v) for v in choices], value=default, **common)
    bounds = range_from_help(param.help, kind)
    if kind == "int":
        if bounds and bounds[0] <= default <= bounds[1]:
            return W.IntSlider(value=default, min=int(bounds[0]), max=int(bounds[1]), **common)
        return W.IntText(value=default, **common)
    if kind == "float":
        if bounds and bounds[0] <= default <= bounds[1]:
            step = (bounds[1] - bounds[0]) / 100
            return W.FloatSlider(
                value=default, min=bounds[0], max=bounds[1], step=step, readout_format=".3g", **common
            )
        return W.FloatText(value=default, **common)
    if kind == "str":
        return W.Text(value=default, **common)
    return W.Text(value=param.source or repr(default), placeholder="a Python literal", **common)


class ParametersForm:
    """The form's widgets (``widgets[name]``), its box, and the values the user changed."""

    def __init__(self, pipeline):
        self.parameters = {p.name: p for p in pipeline.parameters}
        self.widgets = {name: widget_for(p) for name, p in self.parameters.items()}
        rows = [
            W.HBox([w, W.HTML(f'<span class="nbo-help" style="opacity:.7">{_esc(p.help)}</span>')])
            for w, p in zip(self.widgets.values(), self.parameters.values(), strict=True)
        ]
        if not rows:
            rows = [W.HTML("<i>No parameters cell: the pipeline runs with its code as written.</i>")]
        self.box = W.VBox(rows)
        self.reset_button = W.Button(
            description="Defaults", icon="undo", tooltip="Back to the values written in the parameters cell"
        )
        self.reset_button.on_click(lambda _: self.reset())

    def _default_value(self, name):
        p = self.parameters[name]
        if p.secret:  # the form never shows one: empty means "from the environment"
            return ""
        return (p.source or repr(p.default)) if p.type in LITERAL_TYPES else p.default

    def changed(self) -> dict:
        """Values that differ from the notebook's defaults (what a run or schedule should set).

        Literal-typed values go as text; the runner parses and type-checks them like ``-p``."""
        out = {}
        for name, w in self.widgets.items():
            if w.value != self._default_value(name):
                out[name] = w.value
        return out

    def close(self) -> None:
        for row in self.box.children:
            for w in getattr(row, "children", ()):
                w.close()
            row.close()
        self.box.close()
        self.reset_button.close()

    def reset(self) -> None:
        for name, w in self.widgets.items():
            w.value = self._default_value(name)


def _esc(text) -> str:

    return html.escape(str(text or ""))
