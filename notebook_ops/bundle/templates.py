"""The generated text files of a bundle: Dockerfile, MLproject, python_env.yaml, README.md.

Each is a ``string.Template`` under ``templates/`` filled from the manifest alone, so the same
manifest always gives the same bytes (golden-file tests hold them). Values that land in YAML
are JSON-encoded (valid YAML, quoted); values in Markdown tables have ``|`` escaped.
"""

from __future__ import annotations

import json
from pathlib import Path
from string import Template

from notebook_ops.bundle.manifest import secrets_object_name as secret_name
from notebook_ops.model.secrets import env_name as secret_env_name

TEMPLATES = Path(__file__).parent / "templates"
SCALAR_TYPES = {"int": "float", "float": "float", "str": "string", "bool": "string"}


def _render(template: str, **values) -> str:
    text = (TEMPLATES / f"{template}.tmpl").read_text(encoding="utf-8")
    return Template(text).substitute(**values)


def _common(m: dict) -> dict:
    prov = m["provenance"]
    return {
        "name": m["name"],
        "version": m["version"],
        "nbo_version": prov["notebook_ops_version"],
        "python_version": prov["python_version"],
        "python_minor": ".".join(prov["python_version"].split(".")[:2]),
    }


def env_name(name: str) -> str:

    return secret_env_name(name)


def _secrets_text(m: dict) -> str:
    """How DevOps hand the secret parameters to each target (nothing when there are none)."""
    secret = [p["name"] for p in m["parameters"] if p.get("secret")]
    if not secret:
        return ""

    envs = ", ".join(f"`{env_name(n)}`" for n in secret)
    keys = " ".join(f"--from-literal={n}=..." for n in secret)
    return (
        "\n\nSecret parameters have no default and are never written (records, MLflow, "
        f"notebooks show `***`). Give them in the environment: {envs} (`notebook-ops run`, "
        "`run-step`, `docker run -e`); Kubernetes CronJob and Argo read them from the Secret "
        f"`{secret_name(m)}` (`kubectl create secret generic {secret_name(m)} {keys}`); Airflow "
        f"from the Variables of the same names ({envs}); Kubeflow Pipelines from the same Secret "
        "(compiling `targets/kfp/pipeline.py` needs `pip install kfp-kubernetes`)."
    )


def mlflow_parameters(m: dict) -> list[dict]:
    """The parameters an MLflow entry point can carry: scalars (lists and dicts keep defaults;
    secrets come from the environment, never a command line)."""
    return [p for p in m["parameters"] if p["type"] in SCALAR_TYPES and not p.get("secret")]


def _cli_value(p: dict) -> str:
    value = p["default"]
    if p["type"] == "bool":
        return "true" if value else "false"
    return str(value)


SERVE_PORT = 8080
MODEL_ENV = "NOTEBOOK_OPS_MODEL"  # what `notebook-ops models serve` serves when given no model


def registered_models(m: dict) -> list[str]:
    """The models the pipeline registers (literal names, as its steps list them)."""
    names = [x["name"] for s in m["steps"] for x in s.get("models") or () if x.get("name")]
    return list(dict.fromkeys(names))


def serve_model(m: dict) -> str | None:
    """The serving image's default model: the promote setting's alias, else the first model
    the pipeline registers as ``@champion``; None when the pipeline registers none."""
    promote = m.get("promote") or {}
    if promote.get("model") and promote.get("alias"):
        return f"models:/{promote['model']}@{promote['alias']}"
    names = registered_models(m)
    return f"models:/{names[0]}@champion" if names else None


def _serve_stage(m: dict) -> str:
    """The Dockerfile's ``serve`` stage, for a pipeline that registers a model: MLflow's
    scoring server (full ``mlflow``, the version of the pinned mlflow-skinny) serving
    ``MODEL`` from the registry named at run time. The last stage is the pipeline image
    again, so a plain ``docker build`` builds what it always did."""
    model = serve_model(m)
    if model is None:
        return ""
    return (
        "\n# Serving image for a model this pipeline registers (MLflow's scoring server):\n"
        f"#   docker build --target serve --build-arg MODEL={model} -t {m['name']}-serve:v{m['version']} .\n"
        f"#   docker run --rm -p {SERVE_PORT}:{SERVE_PORT} -e MLFLOW_TRACKING_URI=<registry> "
        f"{m['name']}-serve:v{m['version']}\n"
        "# MODEL is models:/NAME@ALIAS or models:/NAME/VERSION, resolved when the container starts.\n"
        "FROM run AS serve\n"
        f"ARG MODEL={model}\n"
        f"ENV {MODEL_ENV}=$MODEL\n"
        "# The scoring server needs full mlflow, at the version of the pinned mlflow-skinny.\n"
        "RUN pip install \"mlflow==$(pip show mlflow-skinny | sed -n 's/^Version: //p')\"\n"
        "WORKDIR /serve\n"
        f"EXPOSE {SERVE_PORT}\n"
        'ENTRYPOINT ["notebook-ops", "models", "serve"]\n'
        f'CMD ["--host", "0.0.0.0", "--port", "{SERVE_PORT}"]\n'
        "\n# The default target: the pipeline image above.\n"
        "FROM run\n"
    )


def dockerfile(m: dict) -> str:
    return _render("Dockerfile", serve_stage=_serve_stage(m), **_common(m))


def python_env(m: dict) -> str:
    return _render("python_env.yaml", **_common(m))


def mlproject(m: dict) -> str:
    params = mlflow_parameters(m)
    block = ""
    if params:
        block = "    parameters:\n" + "".join(
            f"      {p['name']}: {{type: {SCALAR_TYPES[p['type']]}, default: {json.dumps(_cli_value(p))}}}\n"
            for p in params
        )
    command = "notebook-ops run ." + "".join(f" -p {p['name']}={{{p['name']}}}" for p in params)
    return _render("MLproject", parameters_block=block, command=json.dumps(command), **_common(m))


def _cell(value) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        value = json.dumps(value)
    return value.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _code(items) -> str:
    return ", ".join(f"`{i}`" for i in items)


def _resources(step: dict) -> str:
    res = step.get("resources") or {}
    parts = [f"{k} {v}" for k, v in res.items() if v not in (None, "")]
    if (step.get("options") or {}).get("image"):
        parts.append(f"image {step['options']['image']}")
    return ", ".join(parts)


def mermaid(m: dict) -> str:
    lines = ["graph TD"]
    for s in m["steps"]:
        node = s["name"].replace("-", "_")
        lines.append(f"  {node}[{s['name']}]")
        for dep in s["after"]:
            lines.append(f"  {dep.replace('-', '_')} --> {node}")
    return "\n".join(lines)


def _kb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB" if n >= 1000 else f"{n} B"


def files_section(m: dict) -> str:
    """ "Files and code shipped": the project's modules and data the bundle carries, and the
    files steps hand each other (empty when the bundle carries none)."""
    files = m.get("files")
    if not files:
        return ""
    users: dict[str, list[str]] = {}
    for s in m["steps"]:
        for key in ("modules", "assets"):
            for p in s.get(key, []):
                users.setdefault(p, []).append(s["name"])
    rows = [
        [f"`code/{f['path']}`", "local module", _kb(f["size"]), _code(users.get(f["path"], []))]
        for f in files["code"]
    ]
    for f in files["assets"]:
        owner = next((a for a in users if f["path"] == a or f["path"].startswith(a + "/")), None)
        rows.append([f"`assets/{f['path']}`", "data file", _kb(f["size"]), _code(users.get(owner or "", []))])
    for e in files.get("external") or []:
        rows.append(
            [f"`{e['path']}`", f"external: parameter `{e['parameter']}`, default `{e['url']}`", "-", ""]
        )
    for s in m["steps"]:
        for path, producer in (s.get("files_in") or {}).items():
            rows.append(
                [
                    f"`{path}`",
                    f"written by `{producer}`, moved through the data store",
                    "-",
                    _code([s["name"]]),
                ]
            )
    return (
        "\n## Files and code shipped\n\n"
        "The project's own code and the data files the notebook reads, at their paths in the "
        f"project; runs copy them into a workspace and start each step in `{files['notebook_dir']}` "
        "there (code folders on `sys.path`: " + _code(files["code_roots"]) + "). Run one step "
        "alone with `notebook-ops run-step . STEP --data DIR`, which lays them out (plain "
        "papermill does not).\n\n" + _table(["file", "what", "size", "steps"], rows) + "\n"
    )


def models_section(m: dict) -> str:
    """ "Models": what the steps register, and how to serve one (empty when they register none)."""
    rows = [
        [
            f"`{x['name']}`" if x.get("name") else f"named at run time: `{x.get('expression')}`",
            f"`{s['name']}`",
        ]
        for s in m["steps"]
        for x in s.get("models") or ()
    ]
    if not rows:
        return ""
    model = serve_model(m)
    serving = ""
    if model:
        image = f"{m['name']}-serve:v{m['version']}"
        short = model.removeprefix("models:/")
        serving = (
            "\nServe one through MLflow's scoring server (`POST /invocations`, `GET /ping`), from the "
            "Dockerfile's `serve` stage (the registry is read when the container starts):\n\n"
            "```bash\n"
            f"docker build --target serve --build-arg MODEL={model} -t {image} .\n"
            f"docker run --rm -p {SERVE_PORT}:{SERVE_PORT} -e MLFLOW_TRACKING_URI=<registry> {image}\n"
            "```\n\n"
            f"or in the environment above: `notebook-ops models serve {short} --port {SERVE_PORT}`.\n"
        )
    return (
        "\n## Models\n\n"
        "Each run registers a new version of these models in the MLflow Model Registry "
        "(`nbo.log_model`), tagged with its lineage (run, step, parameters, commit, this bundle's "
        "name and version); `notebook-ops models list|show|compare|promote` reads them.\n\n"
        + _table(["model", "step"], rows)
        + "\n"
        + serving
    )


def readme(m: dict, target_files: list[str]) -> str:
    prov = m["provenance"]
    git = prov.get("git")
    if git is None:
        git_line = "no git repository"
    else:
        git_line = (
            f"commit `{(git.get('commit') or 'none')[:12]}` on branch "
            f"`{git.get('branch') or 'detached'}`"
            + (" (uncommitted changes included: `--allow-dirty`)" if git["dirty"] else "")
            + (f", remote {git['remote']}" if git.get("remote") else "")
        )
    params = m["parameters"]
    example = mlflow_parameters(m)[:1]
    steps_rows = [
        [
            f"`{s['name']}`",
            _code(s["after"]),
            _code(s["inputs"]),
            _code(s["outputs"]),
            _code(s.get("parameters", [])),
            _resources(s),
            (s.get("options") or {}).get("retries"),
            (s.get("options") or {}).get("timeout"),
        ]
        for s in m["steps"]
    ]
    schedules = m.get("schedules") or []
    targets = m.get("metric_targets") or {}
    return _render(
        "README.md",
        objective=m.get("objective") or "_No objective set: add one in the pipeline panel._",
        owner=_cell(m.get("owner")) or "(not set)",
        tag_note=f" (git tag `{tag}`)" if (tag := (git or {}).get("tag")) else "",
        source=prov["source_notebook"]["path"],
        git_line=git_line,
        created=prov["created"],
        example_args="".join(f" -p {p['name']}={_cli_value(p)}" for p in example),
        example_mlflow_args="".join(f" -P {p['name']}={_cli_value(p)}" for p in example),
        targets_text=("files under `targets/`: " + _code(target_files))
        if target_files
        else "no orchestrator files were generated for this bundle.",
        parameters_table=_table(
            ["name", "type", "default", "help"],
            [
                [
                    f"`{p['name']}`",
                    p["type"],
                    f"secret: `{env_name(p['name'])}`" if p.get("secret") else json.dumps(p["default"]),
                    p.get("help"),
                ]
                for p in params
            ],
        )
        + _secrets_text(m)
        if params
        else "No parameters.",
        steps_table=_table(
            ["step", "after", "inputs", "outputs", "parameters", "resources", "retries", "timeout (s)"],
            steps_rows,
        ),
        mermaid=mermaid(m),
        files_section=files_section(m),
        schedules_text=_table(
            ["cron", "time zone", "parameters"],
            [[f"`{s.get('cron')}`", s.get("tz") or "UTC", s.get("parameters")] for s in schedules],
        )
        if schedules
        else "None.",
        targets_table=_table(["metric", "target"], [[f"`{k}`", v] for k, v in targets.items()])
        if isinstance(targets, dict) and targets
        else "None.",
        models_section=models_section(m),
        **_common(m),
    )
