"""Build test notebooks in memory and on disk (importable from any test: `from nbfactory import ...`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
EXAMPLES = ROOT / "examples"


def make_notebook(cells, metadata=None) -> dict:
    """``cells``: list of (source, tags) or (source, tags, cell_type) tuples, or plain source strings."""
    out = []
    for i, c in enumerate(cells):
        if isinstance(c, str):
            c = (c, [])
        src, tags = c[0], list(c[1])
        ctype = c[2] if len(c) > 2 else "code"
        cell = {"cell_type": ctype, "id": f"c{i}", "metadata": {"tags": tags} if tags else {}, "source": src}
        if ctype == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    meta.update(metadata or {})
    return {"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def write_notebook(path: Path, nb: dict) -> Path:
    path.write_text(json.dumps(nb, indent=1) + "\n")
    return path


# what running the examples leaves in them (`make demo`, a user's runs): never part of a copy
EXAMPLE_LEFTOVERS = (".notebook_ops", "dist", "mlruns", "mlartifacts", "__pycache__", ".ipynb_checkpoints")


def copy_example(name: str, dest: Path) -> Path:
    """Copy ``examples/<name>`` to ``dest`` as a fresh clone has it: without the run folders,
    bundles and MLflow stores earlier commands (``make demo``) left in the working tree."""
    import shutil

    shutil.copytree(EXAMPLES / name, dest, ignore=shutil.ignore_patterns(*EXAMPLE_LEFTOVERS))
    return Path(dest)


def write_nb(folder: Path, name: str, cells, metadata=None) -> Path:
    """``make_notebook(cells, metadata)`` written as ``folder/name``."""
    path = Path(folder) / name
    path.write_text(json.dumps(make_notebook(cells, metadata), indent=1) + "\n")
    return path


def sha(path) -> str:
    """The SHA-256 of a file's bytes (a notebook left untouched keeps it)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
