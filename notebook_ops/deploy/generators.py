"""Registry of orchestrator generators: each writes its files under the bundle's ``targets/``.

A generator is ``generate(manifest: dict, bundle_dir: Path) -> None``; it reads the manifest
(steps, parameters, resources, schedules) and writes only inside ``bundle_dir / "targets"``
(the writer checks). Register one with a line in ``BUILTIN`` ("name": "module:function",
imported on first use) or an entry point in the ``notebook_ops.deploy`` group; tests and
plugins can also call ``register(name, function)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from notebook_ops.bundle.manifest import without_secrets
from notebook_ops.errors import NotebookOpsError

TARGETS_DIR = "targets"
ENTRY_POINT_GROUP = "notebook_ops.deploy"

# name -> "module:function". Airflow, KFP, Argo and Kubernetes CronJob generators go here.
BUILTIN: dict[str, str] = {
    "airflow": "notebook_ops.deploy.airflow_dag:generate",
    "airflow-image": "notebook_ops.deploy.airflow_dag:generate_image",
    "kfp": "notebook_ops.deploy.kfp:generate",
    "argo": "notebook_ops.deploy.argo:generate",
    "k8s": "notebook_ops.deploy.k8s:generate",
}


class TargetRefused(NotebookOpsError):
    """A deploy target cannot express this pipeline (its generator said why)."""


_registry: dict[str, str | Callable] = {}
_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name, ref in BUILTIN.items():
        _registry.setdefault(name, ref)
    from importlib.metadata import entry_points  # noqa: PLC0415 - importlib.metadata costs 63 ms CPU to import, loaded on first use

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        _registry.setdefault(ep.name, ep.value)


def register(name: str, generator: str | Callable) -> None:
    _load()
    _registry[name] = generator


def unregister(name: str) -> None:
    _load()
    _registry.pop(name, None)


def names() -> list[str]:
    _load()
    return sorted(_registry)


def get(name: str) -> Callable:
    _load()
    try:
        ref = _registry[name]
    except KeyError:
        raise NotebookOpsError(
            f"unknown deploy target {name!r}", hint=f"known: {', '.join(names()) or 'none'}"
        ) from None
    if callable(ref):
        return ref
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def _cannot_take(name: str, chosen: list[str], exc: NotebookOpsError) -> NotebookOpsError:
    """A generator's refusal as one line naming the target and the ``--target`` that leaves it out."""
    others = [n for n in chosen if n != name]
    hint = f"export without it: --target {','.join(others) if others else 'none'}"
    if exc.hint:
        hint = f"{exc.hint}; or {hint}"
    return TargetRefused(
        f"deploy target {name!r} cannot take this pipeline: {exc.message}",
        path=exc.path,
        cell=exc.cell,
        step=exc.step,
        hint=hint,
    )


def generate(manifest: dict, bundle_dir, only: list[str] | None = None) -> list[str]:
    """Run the generators (all, or ``only``); returns the names run. Files outside
    ``targets/`` are refused."""

    bundle_dir = Path(bundle_dir)
    manifest = without_secrets(manifest)  # secret parameters: not arguments, but secret_parameters
    before = {p for p in bundle_dir.rglob("*") if p.is_file()}
    chosen = names() if only is None else list(only)
    for name in chosen:
        (bundle_dir / TARGETS_DIR).mkdir(exist_ok=True)
        generator = get(name)
        try:
            generator(manifest, bundle_dir)
        except NotebookOpsError as exc:
            raise _cannot_take(name, chosen, exc) from None
    stray = sorted(
        p.relative_to(bundle_dir).as_posix()
        for p in bundle_dir.rglob("*")
        if p.is_file() and p not in before and p.relative_to(bundle_dir).parts[0] != TARGETS_DIR
    )
    if stray:
        raise NotebookOpsError(f"a deploy target wrote outside targets/: {', '.join(stray)}")
    return chosen
