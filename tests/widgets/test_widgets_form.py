"""The parameters form: a widget type per declared type and help hints; changed values only;
finding the current notebook from what front ends leave in the kernel."""

from __future__ import annotations

import ipywidgets as W
import pytest

from nbfactory import make_notebook
from notebook_ops.model import build_pipeline
from notebook_ops.widgets.form import ParametersForm, choices_from_help, range_from_help
from notebook_ops.widgets.locate import NotebookNotLocated, current_notebook

PARAMS = """\
rows = 10                 # how many rows
ratio = 0.3               # share held out, [0, 1]
depth = 4                 # tree depth, between 1 and 12
mode = "fast"             # how hard to try: one of fast, full, exhaustive
bins = 8                  # histogram bins, one of 4 | 8 | 16
scale = 1.5               # one of: 1.0, 2.0
verbose = False           # print more
cols = ["a", "b"]         # columns to keep
label = "x"               # any text, choices are free
"""


@pytest.fixture
def form():
    nb = make_notebook(
        [
            (PARAMS, ["parameters"]),
            ("print(rows, ratio, depth, mode, bins, scale, verbose, cols, label)", ["step:go"]),
        ]
    )
    return ParametersForm(build_pipeline(nb))


def test_widget_types_follow_types_and_help(form):
    w = form.widgets
    assert isinstance(w["rows"], W.IntText) and w["rows"].value == 10
    assert isinstance(w["ratio"], W.FloatSlider) and (w["ratio"].min, w["ratio"].max) == (0, 1)
    assert isinstance(w["depth"], W.IntSlider) and (w["depth"].min, w["depth"].max) == (1, 12)
    assert isinstance(w["mode"], W.Dropdown)
    assert [v for _, v in w["mode"].options] == ["fast", "full", "exhaustive"]
    assert isinstance(w["bins"], W.Dropdown) and [v for _, v in w["bins"].options] == [4, 8, 16]
    # the default is always offered, first when the help does not list it
    assert [v for _, v in w["scale"].options] == [1.5, 1.0, 2.0]
    assert isinstance(w["verbose"], W.Checkbox) and w["verbose"].value is False
    assert isinstance(w["cols"], W.Text) and w["cols"].value == '["a", "b"]'
    assert isinstance(w["label"], W.Text) and w["label"].value == "x"
    # every row shows the parameter's help next to its widget
    assert "histogram bins" in form.box.children[4].children[1].value


def test_changed_values_only_and_reset(form):
    assert form.changed() == {}
    form.widgets["rows"].value = 25
    form.widgets["mode"].value = "full"
    form.widgets["verbose"].value = True
    form.widgets["cols"].value = '["a"]'
    assert form.changed() == {"rows": 25, "mode": "full", "verbose": True, "cols": '["a"]'}
    form.reset()
    assert form.changed() == {}


@pytest.mark.parametrize(
    "text,kind,default,expected",
    [
        ("one of a, b or c", "str", "a", ["a", "b", "c"]),
        ("one of 'x' | 'y'", "str", "x", ["x", "y"]),
        ("choices: 1/2/3 (more is slower)", "int", 2, [1, 2, 3]),
        ("how many customers", "int", 5, None),
        ("one of many things", "str", "a", None),  # one value is no choice
        ("one of 1, two", "int", 1, None),  # does not convert: a plain box
        ("one of a, b", "bool", True, None),
    ],
)
def test_choices_from_help(text, kind, default, expected):
    assert choices_from_help(text, kind, default) == expected


@pytest.mark.parametrize(
    "text,kind,expected",
    [
        ("in [0, 1]", "float", (0.0, 1.0)),
        ("0..100", "int", (0.0, 100.0)),
        ("between 2 and 5", "int", (2.0, 5.0)),
        ("between 0.5 and 1", "int", None),
        ("version 1.2.3", "float", None),
        ("[3, 1]", "float", None),
        ("[0, 1]", "str", None),
    ],
)
def test_range_from_help(text, kind, expected):
    assert range_from_help(text, kind) == expected


def test_current_notebook_from_front_end_hints(tmp_path):
    nb = tmp_path / "a.ipynb"
    nb.write_text("{}")
    other = tmp_path / "b.ipynb"
    other.write_text("{}")
    # VS Code's global wins; a relative JPY_SESSION_NAME resolves against the kernel's folder
    assert current_notebook({"__vsc_ipynb_file__": str(other)}, {"JPY_SESSION_NAME": str(nb)}) == other
    assert current_notebook({}, {"JPY_SESSION_NAME": "a.ipynb"}, cwd=tmp_path) == nb
    assert current_notebook({"__session__": str(nb)}, {}) == nb
    # a console session or a stale name is not a notebook: the user is asked for the path
    with pytest.raises(NotebookNotLocated) as err:
        current_notebook({"__session__": "console-1-abc"}, {"JPY_SESSION_NAME": str(tmp_path / "gone.ipynb")})
    assert "gone.ipynb" in str(err.value) and 'nbo.panel("my_notebook.ipynb")' in str(err.value)
    with pytest.raises(NotebookNotLocated, match="no notebook name from the front end"):
        current_notebook({}, {})


def test_a_secret_is_a_password_field_sent_only_when_typed():
    nb = make_notebook(
        [
            ("api_token = None  # secret: the key\nrows = 1", ["parameters"]),
            ("print(api_token, rows)", ["step:go"]),
        ]
    )
    form = ParametersForm(build_pipeline(nb))
    w = form.widgets["api_token"]
    assert isinstance(w, W.Password) and w.value == ""
    assert form.changed() == {}  # empty: the run takes it from NOTEBOOK_OPS_SECRET_API_TOKEN
    w.value = "typed-key"
    assert form.changed() == {"api_token": "typed-key"}
    form.reset()
    assert w.value == "" and form.changed() == {}
