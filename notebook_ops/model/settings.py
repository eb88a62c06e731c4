"""``metadata.notebook_ops``: pipeline and per-step settings, validated against the shipped schema."""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources

from notebook_ops.model.contracts.alerts import AlertError, carries_credential, parse_alerts, shown
from notebook_ops.model.pipeline import Problem
from notebook_ops.util.quantity import parse_quantity
from notebook_ops.util.redact import redact

_TARGET_RE = re.compile(r"^\s*(>=|<=|>|<|==)\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$")


@lru_cache(maxsize=1)
def settings_schema() -> dict:
    schema = resources.files("notebook_ops.model").joinpath("schema/notebook_ops.schema.json")
    return json.loads(schema.read_text())


@cache
def _validator(key: str):
    """A compiled validator for one top-level key (fastjsonschema: ~ms to import, unlike jsonschema)."""
    import fastjsonschema  # noqa: PLC0415 - fastjsonschema costs 25 ms CPU to import, loaded on first use

    schema = settings_schema()
    return fastjsonschema.compile(
        {"$schema": schema["$schema"], "definitions": schema["definitions"], **schema["properties"][key]}
    )


def validate_settings(settings) -> list[Problem]:
    """Schema problems in ``metadata.notebook_ops``: one per top-level key that is wrong."""
    if settings in (None, {}):
        return []
    known = settings_schema()["properties"]
    problems = []
    for key, value in settings.items():
        if key not in known:
            problems.append(
                Problem(
                    "error",
                    "invalid-settings",
                    f"metadata.notebook_ops: unknown key '{key}'",
                    hint=f"known keys: {', '.join(known)}",
                )
            )
            continue
        import fastjsonschema  # noqa: PLC0415 - fastjsonschema costs 25 ms CPU to import, loaded on first use

        try:
            _validator(key)(value)
        except fastjsonschema.JsonSchemaValueException as err:
            problems.append(
                Problem(
                    "error",
                    "invalid-settings",
                    f"metadata.notebook_ops: {err.message.replace('data', key, 1)}",
                    hint="fix it in the pipeline panel or the notebook metadata",
                )
            )
            continue
        if key == "events":
            problems.extend(_event_sink_problems(value))
        if key == "alerts":
            problems.extend(_alert_problems(value))
        if key in ("data_url", "cluster") and redact(value) != value:
            problems.append(
                Problem(
                    "warning",
                    "secret-in-settings",
                    f"metadata.notebook_ops.{key} carries a credential ({redact(value)}): the "
                    "notebook is shared and committed",
                    hint="give the credentials in the environment of whatever runs the steps",
                )
            )
    return problems


def _event_sink_problems(urls: list) -> list[Problem]:
    """A credential in a sink URL is flagged: the notebook is shared and committed. (Whether a
    sink can take the URL is the events service's to say: ``events.publish.settings_problems``.)"""
    problems = []
    for i, url in enumerate(urls):
        where = f"metadata.notebook_ops.events[{i}]"
        if redact(url) != url:
            problems.append(
                Problem(
                    "warning",
                    "secret-in-settings",
                    f"{where} carries a credential ({redact(url)}): the notebook is shared and committed",
                    hint="name this sink in NOTEBOOK_OPS_EVENTS on the machine that runs it instead",
                )
            )
    return problems


def _alert_problems(items: list) -> list[Problem]:
    """A destination no alert can take is an error; one written with its credential in clear
    (a Slack/Teams URL is one) is flagged: the notebook is shared and committed."""
    try:
        specs = parse_alerts(items, "metadata.notebook_ops.alerts")
    except AlertError as err:
        return [
            Problem(
                "error", "invalid-settings", err.message, hint=err.hint or "fix it in the notebook metadata"
            )
        ]
    return [
        Problem(
            "warning",
            "secret-in-settings",
            f"metadata.notebook_ops.alerts[{i}] carries a credential ({shown(spec.to)}): the notebook is "
            "shared and committed",
            hint="write env:NAME and set NAME on the machine that sends the alerts",
        )
        for i, spec in enumerate(specs)
        if carries_credential(spec.to)
    ]


def parse_target(condition: str) -> tuple[str, float]:
    """``">= 0.9"`` -> ``(">=", 0.9)``."""
    m = _TARGET_RE.match(condition)
    if not m:
        raise ValueError(f"bad metric target {condition!r}; write e.g. '>= 0.9'")
    return m.group(1), float(m.group(2))


def step_options(settings: dict, step: str, from_tags: dict) -> dict:
    """Options for ``step``: defaults, then Kale tags, then the step's own settings."""
    opts: dict = {}
    for layer in (settings.get("defaults") or {}, from_tags, (settings.get("steps") or {}).get(step) or {}):
        for key, value in layer.items():
            if key == "resources" and isinstance(value, dict):
                opts["resources"] = {**opts.get("resources", {}), **value}
            else:
                opts[key] = value
    return opts


KERNELS = ("fork", "fresh")
DEFAULT_KERNELS = "fork"


def kernels_mode(settings: dict | None, option: str | None = None) -> str:
    """How step kernels start: ``--kernels`` (``option``), else ``metadata.notebook_ops.kernels``,
    else the default."""
    return option or (settings or {}).get("kernels") or DEFAULT_KERNELS


RESOURCE_FORMS = {
    "cpu": "a positive number of cores or a Kubernetes quantity (2, 0.5, '500m')",
    "memory": "a Kubernetes quantity in bytes ('512Mi', '2Gi', '1.5G')",
    "gpu": "a whole number >= 0",
}


def resource_problem(resources) -> str | None:
    """What is wrong with a step's ``resources`` (settings or Kale ``limit:`` tags), else None:
    each deploy target writes them into its manifests, where a wrong value fails only there."""
    if not isinstance(resources, dict):
        return None
    for key, form in RESOURCE_FORMS.items():
        value = resources.get(key)
        if value is None:
            continue
        if key == "gpu":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        else:
            try:
                ok = not isinstance(value, bool) and parse_quantity(value) > 0
            except ValueError:
                ok = False
        if not ok:
            return f"resources.{key} is {value!r}: expected {form}"
    return None
