"""The tag grammar (DESIGN.md): what one cell's ``metadata.tags`` say about it.

notebook-ops tags: ``parameters``, ``step:NAME``, ``after:NAME``, ``setup``, ``skip``.
Kubeflow Kale 2.x tags are read as they are: ``prev:`` = ``after:``, ``imports``/``functions`` =
``setup``, ``pipeline-parameters`` = ``parameters``, ``pipeline-metrics``, ``image:``, ``cache:``,
``limit:``, ``annotation:``, ``label:``, ``notebook:``; the legacy ``block:`` is read as ``step:``
with a notice, and a bare ``block:`` (or ``step:``) continues the previous step, as in Kale. How a
Kale notebook's cells group into steps is model/kale.py's concern. Other tags are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME_RE = re.compile(r"[a-z_][a-z0-9_-]{0,62}")
NAME_RULE = "lowercase letters, digits, '_' or '-', starting with a letter or '_', at most 63 characters"

ROLE_TAGS = {
    "parameters": "parameters",
    "pipeline-parameters": "parameters",  # Kale
    "setup": "setup",
    "imports": "setup",  # Kale
    "functions": "setup",  # Kale
    "skip": "skip",
    "pipeline-metrics": "metrics",  # Kale
}


@dataclass
class CellTags:
    """What a cell's tags declare. ``issues`` are (severity, code, message, hint) tuples."""

    step: str | None = None
    continues: bool = False  # a bare block:/step: (Kale): the cell continues the previous step
    notebook: str | None = None  # Kale 2.3's notebook:NAME (a reference to another notebook)
    after: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # parameters / setup / skip / metrics
    options: dict = field(default_factory=dict)  # from Kale's image:, cache:, limit:, annotation:, label:
    issues: list[tuple[str, str, str, str | None]] = field(default_factory=list)

    @property
    def role(self) -> str | None:
        return self.roles[0] if self.roles else None


def _kale_limit(value: str, options: dict, issues: list) -> None:
    """Kale's ``limit:<resource>:<amount>``, e.g. ``limit:nvidia.com/gpu:1``, ``limit:memory:2Gi``."""
    resource, sep, amount = value.rpartition(":")
    if not sep or not resource or not amount:
        issues.append(
            (
                "warning",
                "bad-tag",
                f"cannot read Kale tag 'limit:{value}'",
                "write it as limit:<resource>:<amount>, e.g. limit:memory:2Gi",
            )
        )
        return
    res = options.setdefault("resources", {})
    if resource.endswith("gpu"):
        try:
            res["gpu"] = int(amount)
        except ValueError:
            issues.append(
                (
                    "warning",
                    "bad-tag",
                    f"GPU count {amount!r} is not a whole number",
                    f"write it as limit:{resource}:<count>, e.g. limit:{resource}:1",
                )
            )
            return
        if "/" in resource:
            res["gpu_vendor"] = resource.rsplit("/", 1)[0]
    else:
        res[resource] = amount


def _kale_pod_metadata(kind: str, value: str, options: dict, issues: list) -> None:
    """Kale's ``annotation:KEY:VALUE`` and ``label:KEY:VALUE``: a pod annotation or label of the
    step; the value is everything after the key, ``:`` included (Kale's own reading)."""
    key, sep, text = value.partition(":")
    if not sep or not key:
        issues.append(
            (
                "warning",
                "bad-tag",
                f"cannot read Kale tag '{kind}:{value}'",
                f"write it as {kind}:<key>:<value>, e.g. {kind}:team:vision",
            )
        )
        return
    options.setdefault(kind + "s", {})[key] = text


def parse_cell_tags(tags: list[str]) -> CellTags:
    out = CellTags()
    for raw in tags:
        tag = raw.strip()
        if tag in ROLE_TAGS:
            role = ROLE_TAGS[tag]
            if role not in out.roles:
                out.roles.append(role)
            continue
        key, sep, value = tag.partition(":")
        if not sep:
            continue
        if key in ("step", "block") and not value:
            out.continues = True  # Kale: a cell without a step name joins the previous one
        elif key in ("step", "block"):
            if key == "block":
                out.issues.append(
                    (
                        "info",
                        "legacy-tag",
                        f"Kale's legacy tag '{tag}' read as 'step:{value}'",
                        f"retag the cell as step:{value}",
                    )
                )
            if out.step is not None and out.step != value:
                out.issues.append(
                    (
                        "error",
                        "conflicting-tags",
                        f"cell has two step names '{out.step}' and '{value}'",
                        "keep one step: tag per cell",
                    )
                )
                continue
            out.step = value
        elif key in ("after", "prev"):
            if value not in out.after:
                out.after.append(value)
        elif key == "image":
            out.options["image"] = value
        elif key == "cache":
            flag = value.strip().lower()
            if flag in ("enabled", "true", "yes", "on"):
                out.options["cache"] = True
            elif flag in ("disabled", "false", "no", "off"):
                out.options["cache"] = False
            else:
                out.issues.append(
                    ("warning", "bad-tag", f"cannot read tag '{tag}'", "use cache:enabled or cache:disabled")
                )
        elif key == "limit":
            _kale_limit(value, out.options, out.issues)
        elif key in ("annotation", "label"):
            _kale_pod_metadata(key, value, out.options, out.issues)
        elif key == "notebook" and value:
            out.notebook = value
    return out


def valid_name(name: str) -> bool:
    return NAME_RE.fullmatch(name) is not None


def slug(text: str) -> str:
    """A valid pipeline/step name made from free text (file names, titles)."""
    s = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")
    if not s or not re.match(r"[a-z_]", s):
        s = "p-" + s if s else "pipeline"
    return s[:63].rstrip("-") or "pipeline"
