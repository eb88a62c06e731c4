"""Exact versions of installed distributions, for ``requirements.txt``.

Standard library only (``packaging`` if present), so it can run as a script under the kernel's
own interpreter when that differs from the one running notebook-ops:
``python pins.py < {"modules": [...], "dists": [...]}`` prints the same JSON ``pin`` returns.
"""
from __future__ import annotations

import json
import re
import sys
from importlib import metadata

# What the runner needs beside a distribution the code imports (pandas data goes to Parquet).
COMPANIONS = {"pandas": ("pyarrow",)}


try:
    from packaging.utils import canonicalize_name as canonical
except ImportError:  # pragma: no cover - a kernel interpreter without packaging: PEP 503's rule
    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()


def _requires(dist) -> list[str]:
    """Names of the distributions ``dist`` needs here (markers evaluated, extras ignored)."""
    out = []
    try:
        from packaging.requirements import Requirement
    except ImportError:  # pragma: no cover - packaging is nearly always there
        Requirement = None
    for line in dist.requires or []:
        if Requirement is not None:
            try:
                req = Requirement(line)
            except Exception:
                continue
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            out.append(req.name)
        elif ";" not in line:
            out.append(re.split(r"[ <>=!~\[(]", line.strip(), maxsplit=1)[0])
    return out


def pin(modules, dists=()) -> dict:
    """Map top-level ``modules`` to distributions and pin them with everything they need.

    Returns ``{"direct": {dist: version}, "pins": {dist: version}, "unresolved": [module]}``;
    ``direct`` are the ones the code imports or that were asked for, ``pins`` the closure.
    """
    by_module = metadata.packages_distributions()
    direct_names, unresolved = [], []
    for module in sorted(set(modules)):
        names = by_module.get(module)
        if not names:
            unresolved.append(module)
            continue
        direct_names.extend(names)
    direct_names.extend(dists)
    for name in list(direct_names):
        direct_names.extend(COMPANIONS.get(canonical(name), ()))
    pins: dict[str, str] = {}
    direct: dict[str, str] = {}
    todo = [(n, True) for n in direct_names]
    while todo:
        name, is_direct = todo.pop()
        key = canonical(name)
        if key in pins:
            if is_direct:
                direct[key] = pins[key]
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            if not is_direct:
                continue
            if name in dists:
                unresolved.append(name)
            continue  # an optional companion that is not installed
        pins[key] = dist.version
        if is_direct:
            direct[key] = dist.version
        todo.extend((n, False) for n in _requires(dist))
    return {"direct": dict(sorted(direct.items())), "pins": dict(sorted(pins.items())),
            "unresolved": sorted(set(unresolved))}


if __name__ == "__main__":
    request = json.load(sys.stdin)
    json.dump(pin(request.get("modules", []), request.get("dists", [])), sys.stdout)
