"""Kubernetes-style quantities (``500m``, ``2Gi``, ``1.5G``, ``4``) as numbers: step resources
read the same by the deploy targets and by the Dask executor."""

from __future__ import annotations

import re

_UNITS = {
    "": 1,
    "m": 1e-3,
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


def parse_quantity(text) -> float:
    """``"2Gi"`` -> 2147483648.0; ValueError for anything else."""
    match = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(text).strip())
    if not match or match.group(2) not in _UNITS:
        raise ValueError(f"not a quantity: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]
