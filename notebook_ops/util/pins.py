"""Exact versions of installed distributions, for ``requirements.txt``.

Standard library only (``packaging`` if present), so it can run as a script under the kernel's
own interpreter when that differs from the one running notebook-ops:
``python pins.py < {"modules": [...], "dists": [...]}`` prints the same JSON ``pin`` returns.
"""

from __future__ import annotations

import json
import os
import re
import sys
from importlib import metadata
from urllib.parse import unquote, urlparse

# What the runner needs beside a distribution the code imports (pandas data goes to Parquet).
COMPANIONS = {"pandas": ("pyarrow",)}


try:
    from packaging.utils import canonicalize_name as canonical
except ImportError:  # pragma: no cover - a kernel interpreter without packaging: PEP 503's rule

    def canonical(name: str) -> str:  # type: ignore[misc]  # packaging's gives NormalizedName, a str
        return re.sub(r"[-_.]+", "-", name).lower()


def _requires(dist, extras=()) -> list[str]:
    """Names of the distributions ``dist`` needs here (markers evaluated; ``extras``: the extras
    asked for, ``xgboost[scikit-learn]``, whose requirements count too)."""
    out = []
    envs = [{"extra": e} for e in ("", *extras)]
    try:
        from packaging.requirements import Requirement  # noqa: PLC0415 - packaging.requirements costs 67 ms CPU to import, loaded on first use
    except ImportError:  # pragma: no cover - packaging is nearly always there
        Requirement = None  # type: ignore[assignment,misc]  # then names are read without it
    for line in dist.requires or []:
        if Requirement is not None:
            try:
                req = Requirement(line)
            except Exception:
                continue
            if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
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
    by_module = dict(metadata.packages_distributions())
    direct_names, unresolved = [], []
    for module in sorted(set(modules)):
        names = by_module.get(module) or _editable_owner(module)
        if not names:
            unresolved.append(module)
            continue
        by_module[module] = names
        direct_names.extend(names)
    wanted_extras: dict[str, tuple[str, ...]] = {}
    for spec in dists:  # "name[extra,...]": the extras' requirements are pinned too
        name, _, rest = spec.partition("[")
        direct_names.append(name.strip())
        if rest:
            wanted_extras[canonical(name)] = tuple(
                e.strip() for e in rest.rstrip("]").split(",") if e.strip()
            )
    dists = [d.partition("[")[0].strip() for d in dists]
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
        todo.extend((n, False) for n in _requires(dist, wanted_extras.get(key, ())))
    return {
        "direct": dict(sorted(direct.items())),
        "pins": dict(sorted(pins.items())),
        "unresolved": sorted(set(unresolved)),
        "editable": _editable(direct, by_module),
    }


def _editable_source(dist) -> str | None:
    """The source folder of a distribution installed with ``pip install -e``, else None."""
    try:
        info = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        return None
    url = info.get("url") or ""
    if not (info.get("dir_info") or {}).get("editable") or not url.startswith("file://"):
        return None
    return unquote(urlparse(url).path)


def _editable_owner(module: str) -> list[str]:
    """Editable installs whose finder hides the module from ``packages_distributions``: the
    distribution whose source folder holds ``module`` (``src/`` layout or flat)."""

    for dist in metadata.distributions():
        src = _editable_source(dist)
        if src and any(
            os.path.isdir(os.path.join(src, *base, module))
            or os.path.isfile(os.path.join(src, *base, module + ".py"))
            for base in (("src",), ())
        ):
            return [dist.metadata["Name"]]
    return []


def _editable(direct: dict, by_module: dict) -> dict:
    """Direct distributions installed in editable mode (``pip install -e``): their source
    folder, top-level names and METADATA, so the bundle can carry them as wheels."""
    out = {}
    for key in direct:
        if key == "notebook-ops":
            continue  # shipped as its own wheel
        try:
            dist = metadata.distribution(key)
        except metadata.PackageNotFoundError:
            continue
        src = _editable_source(dist)
        if src is None:
            continue
        tops = sorted(m for m, names in by_module.items() if key in {canonical(n) for n in names})
        out[key] = {
            "path": src,
            "version": dist.version,
            "name": dist.metadata["Name"],
            "top_level": tops,
            "metadata": dist.read_text("METADATA") or "",
        }
    return out


if __name__ == "__main__":
    request = json.load(sys.stdin)
    json.dump(pin(request.get("modules", []), request.get("dists", [])), sys.stdout)
