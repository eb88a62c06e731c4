"""Write a bundle folder from a Pipeline: every file the DESIGN lists, then SHA256SUMS.

The writer only fills a folder it is given (a staging folder); ``export`` decides the version,
moves the folder into place and packs the archive. Every file goes through ``put`` so secrets
files are refused whoever asks to write them, and all files get the bundle's fixed mtime.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from notebook_ops.bundle import checksums, templates
from notebook_ops.bundle import manifest as manifest_mod
from notebook_ops.bundle import secret_guard as secrets
from notebook_ops.bundle.archive import RUN_STATE
from notebook_ops.bundle.selfwheel import build_wheel, write_wheel
from notebook_ops.deploy import generators as targets_mod
from notebook_ops.execution.stepnb import build_step_notebook

WHEELS_DIR = "wheels"


def notebook_bytes(nb: dict) -> bytes:
    """A notebook as Jupyter writes it (indent 1, sorted keys), outputs stripped."""
    nb = json.loads(json.dumps(nb))
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def step_notebooks(pipeline) -> dict[str, bytes]:
    """``{step: bytes}`` of the notebooks the runner executes, in bundle mode."""

    return {
        s.name: notebook_bytes(build_step_notebook(pipeline, s.name, mode="bundle")) for s in pipeline.steps
    }


def put(folder: Path, rel: str, data: bytes | str) -> None:
    secrets.refuse_secret_file(rel)
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def write_bundle(
    folder,
    *,
    manifest: dict,
    steps: dict[str, bytes],
    requirements_txt: str,
    epoch: int,
    target_names: list[str],
    extra_files=None,
    wheels=None,
    allowed_secrets=frozenset(),
) -> list[str]:
    """Fill ``folder``; returns the sorted list of files written (SHA256SUMS included).
    ``extra_files``: {bundle path: source file} (the project's code and data, ``shipping``,
    which scanned them); ``allowed_secrets``: those of them the author allowed though named
    like secrets files."""
    folder = Path(folder)
    put(folder, manifest_mod.MANIFEST, manifest_mod.dumps(manifest))
    for name, data in steps.items():
        put(folder, f"steps/{name}.ipynb", data)
    for rel, source in sorted((extra_files or {}).items()):
        if rel not in allowed_secrets:
            secrets.refuse_secret_file(rel)
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / rel)
    put(folder, "requirements.txt", requirements_txt)
    put(folder, "python_env.yaml", templates.python_env(manifest))
    put(folder, "MLproject", templates.mlproject(manifest))
    put(folder, "Dockerfile", templates.dockerfile(manifest))
    put(folder, ".dockerignore", "".join(f"{d}/\n" for d in RUN_STATE))
    build_wheel(folder / WHEELS_DIR, epoch=epoch)
    for fname, entries in sorted((wheels or {}).items()):  # editable installs (projectwheel)
        write_wheel(entries, folder / WHEELS_DIR / fname, epoch=epoch)
    if target_names:
        targets_mod.generate(manifest, folder, only=target_names)
    target_files = sorted(
        p.relative_to(folder).as_posix() for p in (folder / targets_mod.TARGETS_DIR).rglob("*") if p.is_file()
    )
    for rel in target_files:
        secrets.refuse_secret_file(rel)
    put(folder, "README.md", templates.readme(manifest, target_files))
    put(folder, checksums.SUMS, checksums.render(folder))
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            path.chmod(0o644)
        os.utime(path, (epoch, epoch), follow_symlinks=False)
    os.utime(folder, (epoch, epoch))
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
