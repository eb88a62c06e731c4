"""Kubeflow Pipelines v2: ``targets/kfp/pipeline.py`` (the KFP DSL) compiled to ``pipeline.yaml``.

One container component per step running the bundle image's ``notebook-ops run-step``; the
steps' data travel as KFP artifacts (each step's store folder is its ``nbo_data`` output and is
staged into the consumers' local store), parameters are typed pipeline inputs (secret
parameters are not: each task's environment gets them from the Secret ``<pipeline>-secrets``
through kfp-kubernetes), resources and retries come from the step options, a step's pod
annotations and labels (Kale's ``annotation:``/``label:`` tags) go on its task's pod through
kfp-kubernetes, as does the MLflow store (the optional Secret ``notebook-ops-mlflow``,
``common.tracking_env``); every task gets the KFP run's id as ``--run-id``. The DSL file is
generated (identifiers checked, values written with ``repr`` of plain data) and compiled by the
``kfp`` SDK: ``$NOTEBOOK_OPS_KFP_PYTHON`` if set, else this Python when it has kfp; without
either only the DSL file is written.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import keyword
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from string import Template

from notebook_ops.deploy import common
from notebook_ops.model.secrets import env_name

TEMPLATE = Path(__file__).parent / "templates" / "kfp_pipeline.py.tmpl"
TYPES = {
    "int": "int",
    "float": "float",
    "str": "str",
    "bool": "bool",
    "list": "list",
    "tuple": "list",
    "dict": "dict",
}
LOCAL_STORE = "/tmp/nbo-data"
OUTPUT = "nbo_data"
KFP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")  # KFP: "Must begin with a letter"


def kfp_python() -> str | None:
    """A Python with the kfp SDK: ``$NOTEBOOK_OPS_KFP_PYTHON``, else this one if it has kfp and
    kfp-kubernetes (every task's MLflow Secret needs it)."""
    configured = os.environ.get("NOTEBOOK_OPS_KFP_PYTHON")
    if configured:
        return configured
    if importlib.util.find_spec("kfp") is None:
        return None
    try:
        importlib.metadata.version("kfp-kubernetes")
    except importlib.metadata.PackageNotFoundError:
        return None  # only the DSL file: the README says how to compile it
    return sys.executable


def ident(text: str, prefix: str) -> str:
    name = f"{prefix}{text.replace('-', '_')}"
    if not name.isidentifier() or keyword.iskeyword(name):
        raise common.TargetError(f"cannot make a Python name from {text!r}")
    return name


def pipeline_params(m: dict) -> list[dict]:
    """The parameters KFP can type (a NoneType default keeps its value in the notebook)."""
    out = []
    for p in m["parameters"]:
        if p["type"] not in TYPES:
            continue
        if not KFP_NAME.match(p["name"]):
            raise common.TargetError(
                f"parameter {p['name']!r}: Kubeflow Pipelines takes only names that begin with a letter"
            )
        default = list(p["default"]) if p["type"] == "tuple" else p["default"]
        out.append({"name": p["name"], "type": TYPES[p["type"]], "default": default})
    return out


@dataclass(frozen=True)
class _Names:
    """Our own names in the DSL file, chosen so that no pipeline parameter is one of them (a
    parameter may be called ``nbo_data``, ``step_train`` or ``t_load``): the usual names, with
    a number added only where a parameter takes one."""

    output: str  # each step's data artifact
    inputs: str  # prefix of the producers' artifacts
    step: str  # prefix of the component functions
    task: str  # prefix of the task variables
    dsl: str  # the kfp.dsl module, as the component bodies call it

    @classmethod
    def of(cls, m: dict) -> _Names:
        taken = {p["name"] for p in m["parameters"]}
        steps = [s["name"] for s in m["steps"]]

        def prefix(base: str) -> str:
            chosen, n = base, 1
            while any(ident(s, chosen) in taken for s in steps):
                chosen, n = f"{base.rstrip('_')}{n}_", n + 1
            return chosen

        return cls(
            output=common.free_name(OUTPUT, taken),
            inputs=prefix("nbo_in_"),
            step=prefix("step_"),
            task=prefix("t_"),
            dsl="dsl" if "dsl" not in taken else "_nbo_dsl",
        )


def _component(m: dict, s: dict, typed: set[str], names: _Names) -> str:
    fn = ident(s["name"], names.step)
    out = names.output
    ins = [f"{ident(p, names.inputs)}: dsl.Input[dsl.Artifact]" for p in common.producers(s)]
    params = [p for p in s.get("parameters") or [] if p in typed]
    kinds = {p["name"]: p for p in pipeline_params(m)}
    sig = ins + [f"{out}: dsl.Output[dsl.Artifact]"] + [f"{p}: {kinds[p]['type']}" for p in params]
    args: list[str] = []
    for p in common.producers(s):
        args.append(f"        '--stage-in', {p!r}, {ident(p, names.inputs)}.path,")
    args.append(f"        '--stage-out', {out}.path,")
    # the KFP run's id: every task of one run records into one MLflow parent run
    args.append(f"        '--run-id', {names.dsl}.PIPELINE_JOB_ID_PLACEHOLDER,")
    for p in params:
        args.append(f"        '--param-value', {p!r}, {p},")
    command = common.RUN_STEP + [common.BUNDLE_IN_IMAGE, s["name"], "--data", LOCAL_STORE, "-q"]
    return "\n".join(
        [
            "@dsl.container_component",
            f"def {fn}(" + ", ".join(sig) + "):",
            f'    """Step {s["name"]}: notebook {s["notebook"]}."""',
            f"    return {names.dsl}.ContainerSpec(",
            f"        image={common.image(m, s)!r},",
            f"        command={command!r},",
            "        args=[",
            *["    " + a for a in args],
            "        ],",
            "    )",
        ]
    )


def _task(s: dict, typed: set[str], names: _Names, secrets: dict | None = None) -> list[str]:
    var = ident(s["name"], names.task)
    kwargs = [
        f"{ident(p, names.inputs)}={ident(p, names.task)}.outputs[{names.output!r}]"
        for p in common.producers(s)
    ]
    kwargs += [f"{p}={p}" for p in s.get("parameters") or [] if p in typed]
    lines = [
        f"    {var} = {ident(s['name'], names.step)}({', '.join(kwargs)})",
        f"    {var}.set_display_name({s['name']!r})",
    ]
    data_deps = set(common.producers(s))
    for dep in s["after"]:
        if dep not in data_deps:
            lines.append(f"    {var}.after({ident(dep, names.task)})")
    if common.retries(s):
        lines.append(f"    {var}.set_retry(num_retries={common.retries(s)})")
    res = s.get("resources") or {}
    if res.get("cpu") not in (None, ""):
        lines.append(f"    {var}.set_cpu_limit({str(res['cpu'])!r})")
        lines.append(f"    {var}.set_cpu_request({str(res['cpu'])!r})")
    if res.get("memory") not in (None, ""):
        lines.append(f"    {var}.set_memory_limit({str(res['memory'])!r})")
        lines.append(f"    {var}.set_memory_request({str(res['memory'])!r})")
    if common.gpu_count(res) is not None:
        lines.append(f"    {var}.set_accelerator_type({common.gpu_resource(res)!r})")
        lines.append(f"    {var}.set_accelerator_limit({common.gpu_count(res)!r})")
    extra = common.extra_resources(s)
    if extra:
        listed = ", ".join(f"{k}: {v}" for k, v in extra.items())
        raise common.TargetError(
            f"step {s['name']!r} asks for {listed}; a KFP task takes only cpu, memory and one "
            "accelerator (GPU) limit"
        )
    if common.options(s).get("cache") is False:
        lines.append(f"    {var}.set_caching_options(False)")
    meta = common.pod_metadata(s)  # Kale's annotation:/label: tags, on the task's pod (kfp-kubernetes)
    for key, value in meta.get("annotations", {}).items():
        lines.append(f"    _nbo_kubernetes.add_pod_annotation({var}, {key!r}, {value!r})")
    for key, value in meta.get("labels", {}).items():
        lines.append(f"    _nbo_kubernetes.add_pod_label({var}, {key!r}, {value!r})")
    if secrets:  # each secret parameter from the pipeline's Kubernetes Secret (kfp-kubernetes)
        lines.append(
            f"    _nbo_kubernetes.use_secret_as_env({var}, secret_name={secrets['name']!r}, "
            f"secret_key_to_env={secrets['env']!r})"
        )
    tracking = {name: name for name in common.TRACKING_ENV}  # the MLflow store, where DevOps set it
    lines.append(
        f"    _nbo_kubernetes.use_secret_as_env({var}, secret_name={common.TRACKING_SECRET!r}, "
        f"secret_key_to_env={tracking!r}, optional=True)"
    )
    return lines


def _secrets(m: dict) -> dict | None:
    """The Secret every task reads its secret parameters from, and the key -> variable map."""

    names = m.get("secret_parameters") or []
    if not names:
        return None
    return {"name": common.secret_name(m), "env": {n: env_name(n) for n in names}}


def render(m: dict) -> str:
    params = pipeline_params(m)
    typed = {p["name"] for p in params}
    names = _Names.of(m)
    fns = [ident(s["name"], names.step) for s in m["steps"]]
    if len(set(fns)) != len(fns):
        raise common.TargetError("two step names differ only by '-' and '_'")
    sig = ", ".join(f"{p['name']}: {p['type']} = {p['default']!r}" for p in params)
    secrets = _secrets(m)
    body = [line for s in m["steps"] for line in _task(s, typed, names, secrets)]
    components = "\n\n\n".join(_component(m, s, typed, names) for s in m["steps"])
    if names.dsl == "_nbo_dsl":  # a parameter called dsl hides the module in components
        components = "_nbo_dsl = dsl\n\n\n" + components
    # the MLflow store's Secret (every task), secret parameters and pod metadata need the
    # kfp-kubernetes extension to compile
    components = (
        "from kfp import kubernetes as _nbo_kubernetes  # pip install kfp-kubernetes\n\n\n" + components
    )
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        header=common.header(m, "Kubeflow Pipelines v2 pipeline (DSL)"),
        name=m["name"],
        version=m["version"],
        local_store=LOCAL_STORE,
        components=components,
        pipeline_name=repr(m["name"]),
        description=repr((m.get("objective") or f"{m['name']} v{m['version']}")[:500]),
        function=ident(m["name"], "pipeline_"),
        signature=sig,
        body="\n".join(body),
    )


def compile_spec(dsl_path: Path, python: str) -> str:
    """The compiled pipeline spec (YAML text), by running the DSL file with ``python``."""
    with tempfile.TemporaryDirectory(prefix="nbo-kfp-") as tmp:
        out = Path(tmp) / "pipeline.yaml"
        done = subprocess.run(
            [python, str(dsl_path), str(out)], capture_output=True, text=True, cwd=tmp, timeout=300
        )
        if done.returncode != 0 or not out.is_file():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise common.TargetError(f"the kfp SDK could not compile the pipeline: {last}", path=dsl_path)
        return out.read_text(encoding="utf-8")


def generate(m: dict, bundle_dir) -> None:
    """Always the DSL file; the compiled spec too when a kfp SDK is at hand (else DevOps run
    ``python targets/kfp/pipeline.py targets/kfp/pipeline.yaml``, as the README says)."""
    dsl = common.write(bundle_dir, "kfp/pipeline.py", render(m))
    python = kfp_python()
    if python is not None:
        common.write(bundle_dir, "kfp/pipeline.yaml", compile_spec(dsl, python))
