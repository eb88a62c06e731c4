"""The models a pipeline registers, read from its code: each step's ``nbo.log_model`` calls,
through whichever import of notebook_ops the notebook uses; a computed name is dynamic (with
its expression); a literal name MLflow would refuse is an error naming the cell; ``inspect``
shows them per step."""

from __future__ import annotations

import json

from clikit import run_cli
from nbfactory import make_notebook, write_nb
from notebook_ops.model import build_pipeline
from notebook_ops.model.contracts.pipeline_view import PipelineView
from notebook_ops.model.pipeline import LoggedModel

CELLS = [
    ("import notebook_ops as nbo\nfrom notebook_ops import log_model as keep", ["setup"]),
    ("region = 'eu'", ["parameters"]),
    ("m = object()\nx = 1", ["step:data"]),
    (
        "nbo.log_model(m, 'churn-clf', input_example=None)\n"
        "for r in ['a', 'b']:\n    keep(m, name=f'reg-{r}')\n"
        "nbo.log_model(m, name=f'plain')\n"
        "nbo.log_model(m, 'churn-clf')",
        ["step:train"],
    ),
    ("def save(model):\n    nbo.log_model(model, 'scorer')\nsave(m)\nprint(x)", ["step:score"]),
    ("other.log_model(m, 'not-ours')\nlog_model(m, 'not-ours-either')", ["step:misc"]),
]


def test_each_step_lists_the_models_it_registers():
    p = build_pipeline(make_notebook(CELLS))
    assert not p.errors, p.errors
    models = {s.name: s.models for s in p.steps}
    assert models["data"] == ()
    assert models["train"] == (
        LoggedModel("churn-clf", 3),
        LoggedModel(None, 3, "f'reg-{r}'"),
        LoggedModel("plain", 3),
    )
    assert models["score"] == (LoggedModel("scorer", 4),)  # inside a function the cell defines
    assert models["misc"] == ()  # neither is notebook_ops' log_model
    view = PipelineView.of(p).to_dict()
    train = next(s for s in view["steps"] if s["name"] == "train")
    assert train["models"][1] == {"name": None, "cell": 3, "expression": "f'reg-{r}'"}


def test_a_name_mlflow_would_refuse_is_an_error_naming_the_cell():
    p = build_pipeline(
        make_notebook(
            [("import notebook_ops as nbo", ["setup"]), ("nbo.log_model(1, 'bad name!')", ["step:a"])]
        )
    )
    [err] = p.errors
    assert (err.code, err.step, err.cell) == ("invalid-model-name", "a", 1)
    assert "'bad name!'" in err.message and "letter or digit" in err.hint
    assert p.step("a").models == ()


def test_inspect_shows_the_models_per_step(tmp_path):
    write_nb(tmp_path, "churn.ipynb", CELLS)
    shown = run_cli("inspect", "churn.ipynb", cwd=tmp_path, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "models: churn-clf, dynamic f'reg-{r}' (cell 4), plain" in shown.stdout
    assert "models: scorer" in shown.stdout
    as_json = json.loads(run_cli("inspect", "churn.ipynb", "--json", cwd=tmp_path, timeout=120).stdout)
    assert [m["name"] for m in as_json["steps"][1]["models"]] == ["churn-clf", None, "plain"]
