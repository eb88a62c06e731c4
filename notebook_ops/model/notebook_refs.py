"""Cross-notebook references in ``after:`` tags: ``NOTEBOOK[:STEP]``, a path relative to the
notebook without ``.ipynb``, told apart from a step of the same notebook; and the short name a
notebook gives its steps in a composed pipeline (``multi``)."""

from __future__ import annotations

import re
from pathlib import Path

from notebook_ops.model.pipeline import Pipeline
from notebook_ops.model.tags import parse_cell_tags, slug, valid_name


def notebook_ref(ref: str, here: Path) -> tuple[Path, str | None]:
    """``NOTEBOOK[:STEP]`` -> (absolute notebook path, step or None)."""
    step: str | None
    nb, sep, step = ref.rpartition(":")
    if not sep:
        nb, step = ref, None
    return (here / (nb + ".ipynb")).resolve(), step


def is_cross(ref: str, steps: list[str], here: Path) -> bool:
    if ref in steps:
        return False
    return ":" in ref or "/" in ref or not valid_name(ref) or notebook_ref(ref, here)[0].is_file()


def is_untagged(p: Pipeline) -> bool:
    return not any(parse_cell_tags(list(c.tags)).step for c in p.cells)


def cross_refs(p: Pipeline, here: Path) -> dict[str, list[tuple[str, int]]]:
    """step -> [(cross-notebook after: ref, cell)] as the notebook's tags declare them."""
    out: dict[str, list[tuple[str, int]]] = {s: [] for s in p.step_names}
    untagged = is_untagged(p)
    for c in p.cells:
        parsed = parse_cell_tags(list(c.tags))
        if not (parsed.step or untagged) or c.step not in out:
            continue
        for ref in parsed.after:
            if is_cross(ref, p.step_names, here) and (ref, c.index) not in out[c.step]:
                out[c.step].append((ref, c.index))
    return out


def short_name(rel: str) -> str:
    """A notebook's part of a step name: ``01_ingest`` -> ``ingest``."""
    stem = re.sub(r"^[0-9_\-. ]+", "", Path(rel).name) or Path(rel).name
    return slug(stem)
