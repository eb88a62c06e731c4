"""What export takes from the latest observed run (``execution.observations``) besides static analysis.

A step's kernel records what its code really imported and which folders it created; export
pins those modules and distributions too and creates those folders in the bundle's workspace,
so a module loaded in a way no ``import`` line shows (``%load_ext``, ``importlib``, a library's
plugin) still reaches ``requirements.txt``. Steps never observed running their current code are
named in one warning: for them the bundle rests on static analysis only.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from notebook_ops.execution.observations import latest_observation

_NEVER = frozenset(sys.stdlib_module_names) | {"__future__", "notebook_ops", "__main__"}


@dataclass
class ObservedNeeds:
    modules: set[str] = field(default_factory=set)  # top-level modules imported
    distributions: set[str] = field(default_factory=set)  # distributions they came from
    dirs: list[str] = field(default_factory=list)  # project-relative folders created
    warnings: list[str] = field(default_factory=list)
    run_id: str | None = None


def of(pipeline, notebook_path) -> ObservedNeeds:
    """The needs observed for ``pipeline``'s steps in the latest successful run of their code."""

    seen = latest_observation(pipeline, notebook_path)
    out = ObservedNeeds(run_id=seen.run_id)
    dirs: set[str] = set()
    for obs in seen.steps.values():
        out.modules |= {m.split(".")[0] for m in obs.modules} - _NEVER
        out.modules |= {m.split(".")[0] for m in obs.extensions} - _NEVER
        out.distributions |= set(obs.distributions)
        dirs |= set(obs.dirs)
    out.dirs = sorted(dirs)
    missing = [s for s in pipeline.step_names if s in set(seen.missing)]
    if missing:
        steps = ", ".join(missing)
        out.warnings.append(
            f"static analysis only for step{'s' if len(missing) > 1 else ''} {steps}: "
            "run once so export can observe what the code imports and writes"
        )
    return out
