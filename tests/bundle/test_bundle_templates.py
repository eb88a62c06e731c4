"""Golden files: the generated Dockerfile, MLproject, python_env.yaml and README.md.

Any change in their text fails here. After an intended change, regenerate with
``NBO_UPDATE_GOLDEN=1 pytest tests/bundle/test_templates.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from notebook_ops.bundle import manifest as manifest_mod, templates

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def manifest():
    m = yaml.safe_load((GOLDEN / "manifest.yaml").read_text())
    return manifest_mod.validate(m)


def rendered(manifest):
    return {
        "Dockerfile": templates.dockerfile(manifest),
        "MLproject": templates.mlproject(manifest),
        "python_env.yaml": templates.python_env(manifest),
        "README.md": templates.readme(manifest, ["targets/airflow_dag.py"]),
    }


@pytest.mark.parametrize("name", ["Dockerfile", "MLproject", "python_env.yaml", "README.md"])
def test_golden(manifest, name):
    text = rendered(manifest)[name]
    golden = GOLDEN / f"{name}.golden"
    if os.environ.get("NBO_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), f"{name} changed; see the module docstring"


def test_mlproject_is_valid_yaml_with_scalar_parameters(manifest):
    spec = yaml.safe_load(templates.mlproject(manifest))
    params = spec["entry_points"]["main"]["parameters"]
    assert list(params) == ["n_customers", "rate", "region", "verbose"]  # the list keeps its default
    assert params["verbose"] == {"type": "string", "default": "false"}
    assert spec["entry_points"]["main"]["command"].startswith(
        "notebook-ops run . -p n_customers={n_customers}"
    )
    assert yaml.safe_load(templates.python_env(manifest))["python"] == "3.11.7"


def test_readme_escapes_table_cells(manifest):
    text = templates.readme(manifest, [])
    assert "Predict churn | so" in text  # prose is left alone
    assert (
        "| `train` | `load` | `customers` | `model` | `rate` | cpu 2, memory 4Gi, image python:3.11 "
        "| 1 | 600 |"
    ) in text
    assert "no orchestrator files were generated" in text


def test_readme_names_a_git_tag_only_when_the_version_has_one(manifest):
    assert "| version | v7 (git tag `notebook-ops/churn/v7`) |" in templates.readme(manifest, [])
    untagged = {**manifest, "provenance": {**manifest["provenance"]}}
    untagged["provenance"]["git"] = {**untagged["provenance"]["git"], "tag": None}
    text = templates.readme(untagged, [])
    assert "| version | v7 |" in text
    assert "git tag" not in text and "none" not in text.split("| version |")[1].split("\n")[0]


def test_the_dockerfile_has_a_serve_stage_for_a_model_the_pipeline_registers(manifest):
    """``docker build --target serve --build-arg MODEL=...`` builds a scoring-server image; a plain
    ``docker build`` still builds the pipeline image (the last stage); no model, no serve stage.
    (That its command serves: tests/deploy/test_run_step_models.py.)"""
    from dockerkit import parse

    run, serve, default = parse(templates.dockerfile(manifest))
    assert (run.name, run.base) == ("run", "python:3.11-slim")
    assert run.command() == ["notebook-ops", "run", "/bundle"]
    assert (serve.name, serve.base) == ("serve", "run")
    assert serve.args == {"MODEL": "models:/churn-clf@champion"}  # the first model, as champion
    assert serve.env == {"NOTEBOOK_OPS_MODEL": "$MODEL"}
    assert serve.command() == ["notebook-ops", "models", "serve", "--host", "0.0.0.0", "--port", "8080"]
    assert ("EXPOSE", "8080") in serve.instructions
    assert (default.base, default.name, default.command()) == ("run", None, run.command())
    promoted = {**manifest, "promote": {"model": "churn-clf", "alias": "prod"}}
    assert parse(templates.dockerfile(promoted))[1].args == {"MODEL": "models:/churn-clf@prod"}
    plain = {**manifest, "steps": [{k: v for k, v in s.items() if k != "models"} for s in manifest["steps"]]}
    [only] = parse(templates.dockerfile(plain))
    assert only.command() == run.command()
    assert "## Models" not in templates.readme(plain, [])
