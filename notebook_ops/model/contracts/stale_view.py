"""Which steps a run now would run again: ``notebook-ops inspect --stale``, the REST
``stale-steps`` reply, the lab's stale marks. Built by ``notebook_ops.execution.staleness``.

A step is ``fresh`` when a run started now (same parameters) would reuse it from the step cache,
``stale`` when it would run (``reasons`` say why), ``never_run`` when no run of this pipeline
ever finished it. A stale step makes everything downstream stale (reason ``upstream``): what
those steps get is known only once it has run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from notebook_ops.model.contracts.base import Contract

StaleState = Literal["fresh", "stale", "never_run"]
# code: its cells, setup, a local module it imports or the kernel; parameters: a value it reads;
# inputs: a value an upstream step hands it; files: a data file it reads or a file handed on;
# upstream: a step it runs after is stale or never ran; cache_off: its cache option (or a data
# store the cache cannot use) makes it run every time; unknown: its last run kept no parts to
# compare (a run before stale steps existed)
StaleReason = Literal["code", "parameters", "inputs", "files", "upstream", "cache_off", "unknown"]


@dataclass
class StepStaleness(Contract):
    step: str
    state: StaleState
    reasons: list[StaleReason] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # one short line per change ("parameter rate")
    upstream: list[str] = field(default_factory=list)  # the stale steps upstream that make it stale
    run_id: str | None = None  # fresh: the run whose results are reused; stale: the run compared with


@dataclass
class StalenessView(Contract):
    """Per step, in graph order, whether a run now would reuse it; ``stale``: the names of the
    steps that would run (stale or never run)."""

    pipeline: str
    steps: list[StepStaleness] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    cache: bool = True  # false: the pipeline's data store is remote, so no step is ever reused
