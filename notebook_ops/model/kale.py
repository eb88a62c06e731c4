"""Kubeflow Kale notebooks read as Kale reads them (Kale 2.x ``NotebookProcessor``).

Kale groups cells differently from notebook-ops' own grammar, so a Kale notebook's tags are
first rewritten, in memory, into tags that mean the same to the builder:

- an untagged code cell (or one with a bare ``block:``/``step:``) continues the previous tagged
  cell, whatever it was: a step, or ``imports``/``functions``/``pipeline-metrics`` (so it becomes
  setup or metrics code too); ``skip`` cells are transparent;
- untagged code cells before the first tagged cell run nowhere (Kale drops them): ``skip``;
- a special tag (``imports``, ``functions``, ``pipeline-parameters``, ``pipeline-metrics``,
  ``skip``) wins over ``step:``/``prev:`` on the same cell, as in Kale.

The builder then merges a step name repeated on non-adjacent cells into one step and takes a
step's dependencies from ``prev:`` only (no implicit edge to the previous step), both as Kale
does. A ``pipeline-metrics`` cell is Kale's list of ``print(NAME)`` lines (``metric_lines``).
Kale 2.3's ``notebook:`` cells are read here (``references``) and composed by
model/kalecompose.py.
"""

from __future__ import annotations

import re

from notebook_ops.model.notebook import cell_tags
from notebook_ops.model.pipeline import Problem
from notebook_ops.model.tags import ROLE_TAGS, parse_cell_tags, slug, valid_name
from notebook_ops.cellref import cell_ranges

_KALE_ONLY_TAGS = {"imports", "functions", "pipeline-parameters", "pipeline-metrics"}
# (image:, cache:, limit:, annotation:, label: are step options in either grammar)
_KALE_ONLY_PREFIXES = ("block:", "prev:", "notebook:")
# Kale's metric rule (kale/common/astutils.py parse_metrics_print_statements)
METRIC_LINE_RE = re.compile(r"print\(([a-z](?:[_a-z0-9]{0,62}[a-z0-9])?)\)")


def is_kale_notebook(nb: dict) -> bool:
    """A notebook Kale wrote: its ``metadata.kubeflow_notebook``, or a tag only Kale uses."""
    if isinstance((nb.get("metadata") or {}).get("kubeflow_notebook"), dict):
        return True
    for raw in nb.get("cells", []):
        for tag in cell_tags(raw):
            if tag in _KALE_ONLY_TAGS or tag.startswith(_KALE_ONLY_PREFIXES):
                return True
    return False


def kale_tags(nb: dict) -> tuple[list[list[str]], list[Problem]]:
    """Each cell's tags as notebook-ops reads them, and notes on what was rewritten."""
    out: list[list[str]] = []
    notes: list[Problem] = []
    prev: str | None = None  # the tagged cell untagged ones continue: a step name or a special tag
    dropped: list[int] = []
    for index, raw in enumerate(nb.get("cells", [])):
        tags = cell_tags(raw)
        if raw.get("cell_type", "code") != "code":
            out.append(list(tags))
            continue
        # Kale's special tags (and notebook-ops' own role tags, which mean the same)
        special = next((t for t in tags if t in ROLE_TAGS), None)
        if special is not None:
            kept = [t for t in tags if not t.startswith(("step:", "block:", "prev:"))]
            if len(kept) < len(tags):
                notes.append(
                    Problem(
                        "info",
                        "kale-special-tag",
                        f"Kale reads this cell as '{special}' and ignores its step:/prev: tags",
                        cell=index,
                        hint="keep one of them",
                    )
                )
            out.append(kept)
            if special != "skip":  # skip is transparent: what follows continues what came before
                prev = special
            continue
        parsed = parse_cell_tags(tags)
        if parsed.step is not None:
            if prev == "pipeline-metrics":
                notes.append(
                    Problem(
                        "warning",
                        "kale-metrics-not-last",
                        "Kale refuses a step after the pipeline-metrics cell",
                        step=parsed.step,
                        cell=index,
                        hint="move the pipeline-metrics cell to the end of the notebook",
                    )
                )
            prev = parsed.step
            out.append(list(tags))
            continue
        if parsed.notebook is not None:
            notes.extend(_reference_problems(raw, parsed.notebook, index))
            prev = "notebook:"  # a reference breaks the chain: nothing continues it
            out.append(["skip"])
            continue
        rest = [t for t in tags if t not in ("block:", "step:")]
        if prev == "notebook:":
            notes.append(
                Problem(
                    "error",
                    "kale-composition",
                    "untagged code after a notebook: cell: Kale holds it for the next step: cell, "
                    "notebook-ops does not",
                    cell=index,
                    hint="tag the cell step:NAME",
                )
            )
            out.append(rest + ["skip"])
        elif prev is None:
            dropped.append(index)
            out.append(rest + ["skip"])
        elif ROLE_TAGS.get(prev) == "parameters":
            notes.append(
                Problem(
                    "info",
                    "kale-parameters-continued",
                    "Kale reads this untagged cell as more pipeline parameters; notebook-ops "
                    "runs it at the start of every step (setup)",
                    cell=index,
                    hint="move its assignments into the pipeline-parameters cell",
                )
            )
            out.append(rest + ["setup"])
        elif prev in ROLE_TAGS:
            out.append(rest + [prev])
        else:
            out.append(rest)  # continues step ``prev``
    if dropped:
        many = len(dropped) > 1
        cells = cell_ranges(dropped)
        notes.append(
            Problem(
                "info",
                "kale-untagged-start",
                f"untagged code {'cells' if many else 'cell'} {cells} before the first tagged cell "
                f"run{'' if many else 's'} in no step, as in Kale",
                cell=dropped[0],
                hint="tag a cell imports to run it in every step, or step:NAME to make it a step",
            )
        )
    return out, notes


def references(nb: dict) -> list[tuple[int, str, str | None]]:
    """Kale 2.3's ``notebook:NAME`` cells: (cell, NAME, ``metadata.notebook_path``); one that
    holds code is left out (``_reference_problems`` reports it)."""
    out = []
    for index, raw in enumerate(nb.get("cells", [])):
        if raw.get("cell_type", "code") != "code":
            continue
        name = parse_cell_tags(cell_tags(raw)).notebook
        if name is not None and not _code_lines(raw):
            rel = (raw.get("metadata") or {}).get("notebook_path")
            out.append((index, name, rel if isinstance(rel, str) and rel.strip() else None))
    return out


def _code_lines(raw: dict) -> list[str]:
    """A reference cell's lines that are neither blank nor comments."""
    source = raw.get("source") or ""
    text = "".join(source) if isinstance(source, list) else str(source)
    return [line for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def _reference_problems(raw: dict, name: str, index: int) -> list[Problem]:
    """A ``notebook:`` cell: composed by model/kalecompose.py; here what Kale refuses in it."""
    rel = (raw.get("metadata") or {}).get("notebook_path")
    if _code_lines(raw):
        return [
            Problem(
                "error",
                "kale-composition",
                f"the notebook:{name} cell contains code; a cell that references a notebook holds "
                "no code of its own",
                cell=index,
                hint="move the code to its own step: cell",
            )
        ]
    if not isinstance(rel, str) or not rel.strip():
        return [
            Problem(
                "error",
                "kale-composition",
                f"the notebook:{name} cell has no notebook_path in its cell metadata",
                cell=index,
                hint='add "notebook_path": "./OTHER.ipynb" to the cell\'s metadata',
            )
        ]
    return [Problem("info", "kale-reference", f"notebook:{name} composes {rel}", cell=index)]


def metric_lines(source: str) -> tuple[list[str], list[int]]:
    """The names a ``pipeline-metrics`` cell prints, by Kale's rule: every non-empty line is
    ``print(NAME)``, NAME lowercase letters, digits and ``_``. Returns (names, 1-based numbers
    of the lines that break the rule)."""
    names: list[str] = []
    bad: list[int] = []
    for number, line in enumerate(source.splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        m = METRIC_LINE_RE.fullmatch(text)
        if not m:
            bad.append(number)
        elif m.group(1) not in names:
            names.append(m.group(1))
    return names, bad


def pipeline_settings(settings: dict, kale, problems: list[Problem]) -> dict:
    """``metadata.kubeflow_notebook`` read as Kale reads it, where ``metadata.notebook_ops`` does
    not say otherwise: ``pipeline_name`` the name, ``pipeline_description`` the objective,
    ``docker_image`` every step's default image, ``steps_defaults`` (Kale tags) every step's
    default options. Volumes, Katib and the experiment name are noted, not applied."""
    if not isinstance(kale, dict):
        return settings
    extra: dict = {}
    name = kale.get("pipeline_name")
    if isinstance(name, str) and name.strip() and "name" not in settings:
        extra["name"] = name.strip() if valid_name(name.strip()) else slug(name)
    description = kale.get("pipeline_description")
    if isinstance(description, str) and description.strip() and "objective" not in settings:
        extra["objective"] = description.strip()
    defaults: dict = {}
    image = kale.get("docker_image")
    if isinstance(image, str) and image.strip():
        defaults["image"] = image.strip()
    steps_defaults = kale.get("steps_defaults")
    if isinstance(steps_defaults, list):
        parsed = parse_cell_tags([t for t in steps_defaults if isinstance(t, str)])
        defaults.update(parsed.options)
    if defaults:
        own = settings.get("defaults")
        extra["defaults"] = {**defaults, **(own if isinstance(own, dict) else {})}
    volumes = kale.get("volumes")
    if isinstance(volumes, list) and volumes:
        mounts = ", ".join(str(v.get("mount_point", "?")) for v in volumes if isinstance(v, dict))
        problems.append(
            Problem(
                "info",
                "kale-volumes",
                f"Kale volumes ({mounts}) are not mounted by notebook-ops: steps hand data on "
                "through the run's data store",
                hint="mount them in your cluster's pod template if the code reads files there",
            )
        )
    if kale.get("katib_run"):
        problems.append(
            Problem(
                "info",
                "kale-katib",
                "Kale's Katib tuning (katib_run) is not run by notebook-ops",
                hint="run the pipeline once per parameter set (-p NAME=VALUE)",
            )
        )
    return {**settings, **extra} if extra else settings
