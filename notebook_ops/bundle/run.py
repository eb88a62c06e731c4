"""Run a bundle with the runner: verified first, step notebooks as exported, bundle tags on the run.

Kernels work in the caller's current folder (not inside the bundle, which must stay exactly as
exported for ``verify``), or, when the bundle carries the project's code and data, in a copy of
them under the run folder's ``work/`` (``workspace``); the run folder and the default MLflow store go under
``./.notebook_ops/`` there, as for a notebook run from that folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from notebook_ops.bundle import archive
from notebook_ops.bundle.checksums import SUMS
from notebook_ops.bundle.load import open_bundle, pipeline_from_manifest, read_step_notebooks
from notebook_ops.bundle.manifest import MANIFEST
from notebook_ops.bundle.workspace import lay_out, needs_workspace
from notebook_ops.execution import run_pipeline
from notebook_ops.execution.runfolder import new_run_id


def is_bundle(path) -> bool:
    """A bundle folder (pipeline.yaml + SHA256SUMS) or an archive (.tar.gz / .tgz)."""
    p = Path(path)
    if p.is_dir():
        return (p / MANIFEST).is_file() and (p / SUMS).is_file()
    return archive.is_archive(p)


def bundle_tags(bundle) -> dict:
    m = bundle.manifest
    git = m["provenance"].get("git") or {}
    return {
        "bundle_name": m["name"],
        "bundle_version": str(m["version"]),
        "bundle_hash": bundle.digest,
        "bundle_content_sha256": m["content_sha256"],
        "bundle_git_commit": git.get("commit") or "",
        "bundle_source": str(bundle.source),
    }


def run_bundle(path, **run_options):
    """``run_pipeline`` on the bundle at ``path``; ``run_options`` as the runner takes them."""

    bundle = open_bundle(path)
    notebooks = read_step_notebooks(bundle)
    pipeline = pipeline_from_manifest(bundle.manifest, notebooks)
    tags = {**bundle_tags(bundle), **(run_options.pop("tags", None) or {})}
    run_options.setdefault("cwd", os.getcwd())
    if needs_workspace(bundle.manifest):
        # the project's code and data, copied into the run folder's work/ (kernels start there)

        run_dir = Path(
            run_options.get("run_dir") or Path(run_options["cwd"]) / ".notebook_ops" / "runs" / new_run_id()
        )
        run_options["run_dir"] = run_dir
        run_options["kernel_cwd"] = lay_out(bundle.folder, bundle.manifest, run_dir / "work")
    return run_pipeline(pipeline, step_notebooks=notebooks, mode="bundle", tags=tags, **run_options)
