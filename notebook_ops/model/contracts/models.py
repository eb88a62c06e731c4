"""Registered models as the lab shows them: each version with its lineage, its run's metrics
against the targets, its cost and the promotion gate's verdict (REST ``models``).

Built by ``notebook_ops.tracking.model_views`` from the MLflow Model Registry; the CLI's
``models list|show|promote`` read the same registry through ``tracking.promotion``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notebook_ops.model.contracts.base import Contract


@dataclass
class GateVerdict(Contract):
    """Whether a version may be promoted now: its run succeeded and met every metric target
    (and beat the alias it was compared with); ``reasons``: each check with its numbers."""

    passed: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class Promotion(Contract):
    """An alias pointed at the version: who, when, from which run, why, and whether the gate
    passed or was forced (the version's ``notebook_ops.promoted.<alias>`` tag)."""

    alias: str
    by: str = ""
    at: str = ""
    run_id: str | None = None
    why: str = ""
    gate: str = ""  # "passed" or "forced"


@dataclass
class ModelVersionView(Contract):
    """One registered version: where it came from and what its run measured and cost."""

    version: int
    aliases: list[str] = field(default_factory=list)
    created_at: str = ""  # ISO 8601, UTC
    pipeline: str | None = None
    run_id: str | None = None  # the notebook-ops run that made it
    step: str | None = None
    git_commit: str | None = None
    bundle: str | None = None
    bundle_version: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)  # the parameters the step read
    status: str | None = None  # the run's status
    metrics: dict[str, float] = field(default_factory=dict)  # the run's metrics (cost included)
    targets: dict[str, str] = field(default_factory=dict)  # metric: "<condition> -> met|missed"
    cpu_s: float | None = None  # the run's CPU seconds
    duration_s: float | None = None  # the run's wall time
    gate: GateVerdict | None = None
    promotions: list[Promotion] = field(default_factory=list)


@dataclass
class RegisteredModelView(Contract):
    """A registered model: its aliases ({alias: version}) and its versions, newest first."""

    name: str
    aliases: dict[str, int] = field(default_factory=dict)
    versions: list[ModelVersionView] = field(default_factory=list)
    total_versions: int = 0  # versions in the registry (``versions`` holds the newest ones)


@dataclass
class ModelsResponse(Contract):
    """GET models: the models in the MLflow store of the notebook's runs (only those a
    pipeline registered, when ``pipeline`` is given); ``store``: whether there is a store."""

    models: list[RegisteredModelView]
    store: bool = True


@dataclass
class PromoteModel(Contract):
    """POST models/{name}/promote: point ``alias`` at ``version`` (default: the newest) if the
    gate passes (``force``: anyway, recorded as forced); ``path``: the notebook whose store."""

    path: str
    alias: str
    version: int | None = None
    why: str = ""
    force: bool = False


@dataclass
class PromoteResponse(Contract):
    """The promotion's outcome: ``promoted`` false when the gate refused (its reasons say why)."""

    name: str
    version: int
    alias: str
    promoted: bool
    gate: GateVerdict
