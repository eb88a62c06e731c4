"""The manifest, ``pipeline.yaml``: what the bundle holds and where it came from.

Its shape is fixed by the JSON Schema shipped beside this module
(``schema/pipeline-manifest.schema.json``); every read and write is validated against it, so a
bundle either carries a manifest DevOps can rely on or is refused.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from pathlib import Path

from notebook_ops.errors import BundleInvalid, ExportRefused
from notebook_ops.model.contracts.alerts import carries_credential, parse_alerts, shown

MANIFEST = "pipeline.yaml"
SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "schema" / "pipeline-manifest.schema.json"
RESOURCE_KEYS = ("cpu", "memory", "gpu")


@functools.lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def plain(value):
    """YAML- and JSON-safe copy: tuples become lists, keys become strings."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def split_options(options: dict) -> tuple[dict, dict]:
    """Step options as the manifest keeps them: resources apart from the rest."""
    options = dict(options or {})
    resources = dict(options.pop("resources", None) or {})
    for key in RESOURCE_KEYS:
        if key in options:
            resources[key] = options.pop(key)
    full = {k: resources.get(k) for k in RESOURCE_KEYS}
    full.update({k: v for k, v in sorted(resources.items()) if k not in full})
    return plain(dict(sorted(options.items()))), plain(full)


def step_entry(step) -> dict:
    options, resources = split_options(step.options)
    files = {
        "modules": list(step.modules),
        "assets": list(step.assets),
        "files_in": {p: src for p, src in step.files_in},
        "files_out": list(step.files_out),
    }
    entry = {
        "name": step.name,
        "notebook": f"steps/{step.name}.ipynb",
        "after": list(step.after),
        "inputs": list(step.inputs),
        "input_sources": {name: src for name, src in step.input_sources},
        "outputs": list(step.outputs),
        "parameters": list(step.parameters_read),
        "metrics": list(step.metrics),
        "options": options,
        "resources": resources,
        **{k: v for k, v in files.items() if v},  # what it needs from the project, if anything
    }
    # objects changed in place (only when there are any: older manifests read the same)
    if step.changed:
        entry["changed"] = list(step.changed)
    if step.notebook:  # a pipeline across notebooks: the step's source notebook
        entry["source"] = step.notebook
    if step.input_candidates:
        entry["input_candidates"] = {name: list(c) for name, c in step.input_candidates}
    if step.watch:
        entry["watch"] = list(step.watch)
    if step.notebook_product:
        entry["notebook_product"] = step.notebook_product
    if step.models:  # the registered models it makes a version of (None: named at run time)
        entry["models"] = [
            {"name": m.name} if m.name else {"name": None, "expression": m.expression} for m in step.models
        ]
    return entry


def body(
    pipeline, *, name: str, requirements: list[str], targets: list[str], files: dict | None = None
) -> dict:
    """Everything in the manifest that describes the pipeline itself (no version, no provenance).
    ``files``: the project's code and data it carries (``shipping``), when any."""
    settings = pipeline.settings or {}
    return {
        "name": name,
        "owner": settings.get("owner"),
        "objective": settings.get("objective"),
        "kernel": {"name": pipeline.kernel_name, "language": pipeline.language},
        "parameters": [
            {"name": p.name, "type": p.type, "default": plain(p.default), "help": p.help or ""}
            if not p.secret
            else {"name": p.name, "type": p.type, "secret": True, "help": p.help or ""}
            for p in pipeline.parameters
        ],
        "steps": [step_entry(s) for s in pipeline.steps],
        "metric_targets": plain(settings.get("metric_targets")),
        "schedules": plain(list(settings.get("schedules") or [])),
        **({"promote": plain(settings["promote"])} if settings.get("promote") else {}),
        **({"alerts": shipped_alerts(pipeline)} if settings.get("alerts") else {}),
        **({"cost_per_cpu_hour": settings["cost_per_cpu_hour"]} if settings.get("cost_per_cpu_hour") else {}),
        "requirements": list(requirements),
        "targets": list(targets),
        **({"files": files} if files else {}),
    }


def shipped_alerts(pipeline) -> list[dict]:
    """The pipeline's ``alerts`` as the bundle carries them (so a bundle run alerts too). A
    destination written with its credential in clear would ship with every copy of the bundle:
    the export is refused, naming the fix (``env:NAME``)."""
    specs = parse_alerts(pipeline.settings.get("alerts"), "metadata.notebook_ops.alerts")
    for i, spec in enumerate(specs):
        if carries_credential(spec.to):
            raise ExportRefused(
                f"metadata.notebook_ops.alerts[{i}] carries a credential ({shown(spec.to)}): it would "
                "ship in the bundle",
                path=pipeline.path,
                hint="write env:NAME in the alert and set NAME where the bundle runs",
            )
    return [spec.to_dict() for spec in specs]


def assemble(description: dict, *, version: int, content_sha256: str, provenance: dict) -> dict:
    """The full manifest in its documented key order."""
    out = {"schema_version": SCHEMA_VERSION, "name": description["name"], "version": version}
    out.update({k: v for k, v in description.items() if k != "name"})
    out["content_sha256"] = content_sha256
    out["provenance"] = provenance
    return out


def dumps(manifest: dict) -> str:
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

    header = (
        "# notebook-ops bundle manifest; schema: notebook_ops/bundle/schema/pipeline-manifest.schema.json\n"
    )
    return header + yaml.safe_dump(
        manifest, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


@functools.lru_cache(maxsize=1)
def _validator():
    # fastjsonschema (already needed by nbformat) compiles the schema in ~40 ms; importing
    # jsonschema costs ~3 s where rfc3987-syntax is installed. The schema keeps to keywords
    # both understand, so either validates it the same way.
    import fastjsonschema  # noqa: PLC0415 - fastjsonschema costs 25 ms CPU to import, loaded on first use

    return fastjsonschema.compile(schema())


def validate(manifest, path=MANIFEST) -> dict:
    import fastjsonschema  # noqa: PLC0415 - fastjsonschema costs 25 ms CPU to import, loaded on first use

    if not isinstance(manifest, dict):
        raise BundleInvalid("the manifest is not a mapping", path=path)
    try:
        _validator()(manifest)
    except fastjsonschema.JsonSchemaValueException as err:
        where = "/".join(str(p) for p in (err.path or [])[1:]) or "(top)"
        raise BundleInvalid(
            f"manifest does not match its schema at {where}: {err.message}", path=path
        ) from None
    for where, value in _paths(manifest):
        if not _stays_inside(value):
            raise BundleInvalid(
                f"manifest {where} is {value!r}, outside the bundle's folders: refused", path=path
            )
    return manifest


def _stays_inside(rel: str) -> bool:
    """Relative, and still inside after ``..`` is resolved (``../data/x`` from ``notebooks/``)."""
    norm = posixpath.normpath(rel) if rel else "."
    return not (
        rel.startswith(("/", "~"))
        or "\\" in rel
        or norm == ".."
        or norm.startswith("../")
        or ":" in rel.split("/")[0]
    )


def _paths(m: dict):
    """(where, path) of every path a run lays out or reads, relative to the bundle or its workspace
    (paths the code names are taken from the notebook's folder)."""
    files = m.get("files") or {}
    nb_dir = files.get("notebook_dir") or "."
    yield "files.notebook_dir", nb_dir
    for i, root in enumerate(files.get("code_roots") or ()):
        yield f"files.code_roots[{i}]", root
    for kind in ("code", "assets"):
        for i, f in enumerate(files.get(kind) or ()):
            yield f"files.{kind}[{i}].path", f["path"]
    for i, e in enumerate(files.get("external") or ()):
        if not e["path"].startswith("/"):
            yield f"files.external[{i}].path", posixpath.join(nb_dir, e["path"])
    for s in m.get("steps") or ():
        for kind in ("modules", "assets"):
            for value in s.get(kind) or ():
                yield f"steps.{s['name']}.{kind}", value
        for value in list(s.get("files_in") or {}) + list(s.get("files_out") or ()):
            if not value.startswith("/"):  # an absolute path is the code's own (/tmp/x.csv)
                yield f"steps.{s['name']}.files", posixpath.join(nb_dir, value)


def loads(text: str, path=MANIFEST) -> dict:
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BundleInvalid(f"manifest is not valid YAML ({exc.__class__.__name__})", path=path) from None
    return validate(data, path)


def read(bundle_dir) -> dict:
    path = Path(bundle_dir) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BundleInvalid("no pipeline.yaml: not a notebook-ops bundle", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleInvalid(f"cannot read the manifest: {exc}", path=path) from None
    return loads(text, path)


def producers(step: dict) -> list[str]:
    """Steps whose outputs this step may read, sorted: each input's source, the steps upstream
    that may save a changed version of it (``input_candidates``) and the writers of the files
    it reads (``files_in``)."""
    found = set((step.get("input_sources") or {}).values())
    for steps in (step.get("input_candidates") or {}).values():
        found.update(steps)
    found.update((step.get("files_in") or {}).values())  # files it reads, written upstream
    return sorted(found)


# --- secret parameters (model/secrets.py): how every target sees them ----------------------


def without_secrets(m: dict) -> dict:
    """The manifest a target renders parameters from: secret parameters left out (they have no
    default and are never a pipeline argument), their names in ``secret_parameters``."""
    secret = [p["name"] for p in m["parameters"] if p.get("secret")]
    if not secret:
        return m
    out = dict(m)
    out["parameters"] = [p for p in m["parameters"] if not p.get("secret")]
    out["steps"] = [
        {**s, "parameters": [n for n in s.get("parameters") or () if n not in secret]} for s in m["steps"]
    ]
    # a schedule never carries a secret (scheduler/api.py refuses it)
    out["schedules"] = [
        {**sch, "parameters": {k: v for k, v in (sch.get("parameters") or {}).items() if k not in secret}}
        for sch in m.get("schedules") or ()
    ]
    out["secret_parameters"] = secret
    return out


def secrets_object_name(m: dict) -> str:
    """The Kubernetes Secret (and the convention for any target) holding the pipeline's secret
    parameters: ``<pipeline>-secrets``, one key per parameter name
    (``kubectl create secret generic NAME --from-literal=api_token=...``)."""

    return re.sub(r"[^a-z0-9-]+", "-", f"{m['name']}-secrets".lower()).strip("-")[-63:].lstrip("-")
