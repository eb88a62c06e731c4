"""Secret parameters: declared, checked, kept apart from every record.

A parameter is secret when its line in the parameters cell ends with ``# secret`` (``# secret:
the help`` keeps a help text) or when the settings list it (``"secrets": ["api_token"]``). Its
value is never written: records, events, MLflow, logs and notebooks show ``***`` (``MASK``); the
kernel reads the value from its environment (``NOTEBOOK_OPS_SECRET_<NAME>``, see ``env_name``).

Where a value comes from, first found wins: ``-p name=...`` / ``-f file`` / a REST run body, then
the environment of whatever runs the pipeline, ``NOTEBOOK_OPS_SECRET_<NAME>`` only (the plain
name is never read: ``USER``, ``PATH`` or ``TOKEN`` set for something else would be taken
silently). A secret's default in the notebook must be empty (``""`` or ``None``) or a
placeholder (``"<your token>"``, ``"***"``): a real value would ship with the notebook.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Mapping

from notebook_ops.model.pipeline import Parameter, Problem

ENV_PREFIX = "NOTEBOOK_OPS_SECRET_"
MASK = "***"
# "<your token>", "${TOKEN}", "***": what a reader sees is no value
_PLACEHOLDER = re.compile(r"^(<[^<>]*>|\$\{[A-Za-z0-9_]*\}|\*+)$")
# a value this short would mask ordinary text ("1", "ok"); it is still never recorded
MIN_SCRUB = 4


def env_name(name: str) -> str:
    """The environment variable that carries secret ``name`` (``api_token`` ->
    ``NOTEBOOK_OPS_SECRET_API_TOKEN``)."""
    return ENV_PREFIX + name.upper()


def is_placeholder(default) -> bool:
    return (
        default is None or default == "" or (isinstance(default, str) and bool(_PLACEHOLDER.match(default)))
    )


def mark(params: list[Parameter], settings: Mapping, problems: list[Problem]) -> list[Parameter]:
    """``params`` with the settings' ``secrets`` marked, and a problem for each unknown name in
    them and each secret whose default is a real value."""
    listed = settings.get("secrets") if isinstance(settings, Mapping) else None
    listed = [n for n in listed or () if isinstance(n, str)]
    known = {p.name for p in params}
    for name in listed:
        if name not in known:
            problems.append(
                Problem(
                    "error",
                    "unknown-secret",
                    f"metadata.notebook_ops.secrets names {name!r}, which is no parameter",
                    hint=f"known: {', '.join(sorted(known)) or '(none)'}; fix the list in the settings",
                )
            )
    out = [dataclasses.replace(p, secret=True) if p.name in listed and not p.secret else p for p in params]
    for p in out:
        if p.secret and not is_placeholder(p.default):
            problems.append(
                Problem(
                    "error",
                    "secret-default",
                    f"secret parameter {p.name!r} has a value in the notebook: it would ship "
                    "with the notebook and the bundle",
                    cell=p.cell,
                    hint=f'set {p.name} = "" and give the value at run time (-p {p.name}=... '
                    f"or {env_name(p.name)})",
                )
            )
    return out


def names(parameters: Iterable[Parameter]) -> list[str]:
    return [p.name for p in parameters if p.secret]


def from_environment(parameters: Iterable[Parameter], environ: Mapping | None = None) -> dict[str, str]:
    """The secrets ``environ`` (default: this process's) carries, by parameter name."""
    env = os.environ if environ is None else environ
    return {p.name: env[env_name(p.name)] for p in parameters if p.secret and env_name(p.name) in env}


def masked(values: Mapping, secret_names: Iterable[str]) -> dict:
    """``values`` fit for a record: each secret shown as ``***``."""
    hidden = set(secret_names)
    return {k: (MASK if k in hidden else v) for k, v in values.items()}


def unmasked(given: Mapping, parameters: Iterable[Parameter]) -> dict:
    """``given`` without secrets given as ``***`` (a record's value copied back, a re-run from
    the lab): those come from the environment as if not given."""
    hidden = set(names(parameters))
    return {k: v for k, v in given.items() if not (k in hidden and v == MASK)}


def scrub_values(values: Iterable) -> list[str]:
    """The texts to mask in outputs and logs: each secret as a string, longest first."""
    out = {str(v) for v in values if v is not None and len(str(v)) >= MIN_SCRUB}
    return sorted(out, key=len, reverse=True)


def scrub(text: str, values: Iterable[str]) -> str:
    """``text`` with every occurrence of each value replaced by ``***``."""
    for v in values:
        if v and v in text:
            text = text.replace(v, MASK)
    return text
