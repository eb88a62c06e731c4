"""Named fault points: a test harness for crash and chaos tests, never a feature.

Shipped code marks the places where a crash matters (before and after a store commit, mid-
migration, mid-extraction, mid-export, the run record write) with ``faults.point("name")``.
Unarmed, a point costs one lookup in a module-level dict that is empty. A test arms points in
the processes it starts with ONE environment variable, read once at import::

    NOTEBOOK_OPS_FAULTS="scheduler.store.claim.after_commit=kill@3,bundle.export.before_rename=raise"

or with the path of a JSON file mapping names to actions (``{"name": "exit:17@2"}``).
Actions: ``exit:CODE`` (``os._exit``: no cleanup, no flush), ``kill`` (SIGKILL this process),
``raise`` (OSError, as a failing disk would), ``sleep:SECONDS``. ``@N`` fires on the Nth hit
only (counted per process); without it, every hit fires. A malformed value is a ValueError at
import: a test that meant to arm a point must not silently run unarmed.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass

ENV = "NOTEBOOK_OPS_FAULTS"
ACTIONS = ("exit", "kill", "raise", "sleep")


@dataclass
class Fault:
    action: str
    arg: float = 0
    nth: int = 0  # 0: every hit
    hits: int = 0


def parse_action(text: str) -> Fault:
    """``kill``, ``exit:17``, ``raise@2``, ``sleep:0.5@3`` -> a Fault; ValueError otherwise."""
    spec, _, nth = text.strip().partition("@")
    action, _, arg = spec.partition(":")
    if action not in ACTIONS:
        raise ValueError(f"{ENV}: unknown fault action {text!r} (one of {', '.join(ACTIONS)})")
    if action in ("exit", "sleep") and not arg:
        raise ValueError(f"{ENV}: {action} needs a value, e.g. {action}:1")
    return Fault(action, float(arg or 0), int(nth or 0))


def parse(value: str) -> dict[str, Fault]:
    """The variable's value (``name=action,...`` or a JSON file's path) -> armed points."""
    value = value.strip()
    if not value:
        return {}
    if "=" not in value:
        with open(value) as f:
            pairs = list(json.load(f).items())
    else:
        pairs = [tuple(p.split("=", 1)) for p in value.split(",") if p.strip()]
    return {name.strip(): parse_action(action) for name, action in pairs}


_armed: dict[str, Fault] = parse(os.environ.get(ENV, ""))


def point(name: str) -> None:
    """A place where a crash matters: does nothing unless a test armed ``name``."""
    fault = _armed.get(name)
    if fault is None:
        return
    fault.hits += 1
    if fault.nth and fault.hits != fault.nth:
        return
    if fault.action == "exit":
        os._exit(int(fault.arg))
    if fault.action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if fault.action == "raise":
        raise OSError(f"fault injected at {name}")
    time.sleep(fault.arg)


def arm(spec: str) -> None:
    """Arm points in this process (tests that exercise code in-process): same syntax as the env."""
    _armed.update(parse(spec))


def disarm() -> None:
    _armed.clear()
