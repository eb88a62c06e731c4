"""Cell numbers as people read them: JupyterLab's, from 1 ("Cell 34/65" in its status bar).

The model, the JSON records (``cell`` of problems, run errors, steps' ``cells``) and the lab's
code keep 0-based indexes; every text a person reads (CLI output, messages, hints, errors) goes
through these helpers, so one cell has one number everywhere. The lab's twin is
``labextension/src/format.ts`` ``cellLabel``. It imports nothing of ours: ``errors`` (which
``util`` imports) and every layer use it.
"""

from __future__ import annotations

from collections.abc import Iterable


def cell_number(index: int) -> int:
    """JupyterLab's number of the cell at 0-based ``index``."""
    return index + 1


def cell_label(index: int) -> str:
    """``cell_label(11)`` -> ``"cell 12"``: the cell at 0-based ``index`` as JupyterLab numbers it."""
    return f"cell {cell_number(index)}"


def cell_ranges(indexes: Iterable[int]) -> str:
    """Cells as JupyterLab numbers them, runs folded: ``[0, 6, 7]`` -> ``"1, 7-8"``."""
    out: list[str] = []
    run: list[int] = []
    for i in sorted(set(indexes)):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(_run(run))
        run = [i]
    if run:
        out.append(_run(run))
    return ", ".join(out)


def _run(run: list[int]) -> str:
    a, b = cell_number(run[0]), cell_number(run[-1])
    return str(a) if a == b else f"{a}-{b}"
