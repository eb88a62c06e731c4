"""The proof record (``<bundle>.proof.json``): a bundle run where DevOps will run it, compared
with the run it came from.

Written by ``notebook-ops prove`` (and ``export --prove``) beside the archive, never inside the
bundle (its content hash stays); read by ``verify``, the REST export and the lab. This module is
its one definition; ``schema/proof-record.schema.json`` is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from notebook_ops.model.contracts.base import Contract

# equal: every output and metric matches the source run; ran: it ran, nothing to compare with;
# differs: a value differs; unseeded: it differs from run to run in the proof env itself;
# failed: the step failed in the clean env; not_run: an upstream step failed first
ProofStepStatus = Literal["equal", "ran", "differs", "unseeded", "failed", "not_run"]
ComparedResult = Literal["equal", "differs", "missing", "extra", "unseeded"]
PROOF_SUFFIX = ".proof.json"


@dataclass
class ComparedValue(Contract):
    """One output or metric of a step: the proof run's value against the source run's."""

    name: str
    kind: Literal["output", "metric"]
    result: ComparedResult
    detail: str | None = None  # how it differs (first difference, short)


@dataclass
class StepProof(Contract):
    status: ProofStepStatus
    duration_s: float | None = None
    compared: list[ComparedValue] = field(default_factory=list)
    error: str | None = None  # the run-step error, as it printed it
    problem: str | None = None  # one line: what was missing and the fix


@dataclass
class ProofRecord(Contract):
    """``proven``: every step ran in the clean env and (with a source run) gave equal results."""

    bundle: str
    version: int
    content_sha256: str
    proven: bool
    date: str  # ISO 8601, UTC
    python: str  # the proof env's Python version
    platform: str
    env_builder: Literal["uv", "pip"]
    env_build_s: float  # 0 when the cached env was used
    env_cached: bool
    source_run: str | None  # the run compared with (None: nothing to compare with)
    steps: dict[str, StepProof] = field(default_factory=dict)
    summary: str = ""  # the one line verify and the CLI print
    rtol: float = 1e-6
    notebook_ops_version: str = ""
    duration_s: float = 0.0

    @property
    def steps_equal(self) -> int:
        return sum(1 for s in self.steps.values() if s.status == "equal")
