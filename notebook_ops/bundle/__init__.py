"""The bundle service: export a pipeline to a versioned, reproducible bundle, and read it back.

Public API (imported lazily; the CLI, server and widgets call only these)::

    from notebook_ops.bundle import export_notebook, load_bundle, open_bundle, verify_bundle, diff_bundles

    result = export_notebook("churn.ipynb", out_dir="dist", name=None, allow_dirty=False,
                             tag=True, track=True)
    # -> ExportResult(.version, .folder, .archive, .tag, ...)
    pipeline, step_notebooks, manifest = load_bundle("dist/churn-v3.tar.gz")  # verified first
    bundle = verify_bundle("dist/churn-v3")              # raises BundleInvalid naming the file
    d = diff_bundles("dist/churn-v2", "dist/churn-v3")   # -> BundleDiff; diff.render(d) for text
    if is_bundle(target):                                 # a bundle folder or .tar.gz
        result = run_bundle(target, params={...}, jobs=2) # runner.run_pipeline options; -> RunResult
    record = prove_bundle("dist/churn-v3")                # -> ProofRecord, or raises ProofFailed

Layout of a bundle: see DESIGN.md "The bundle". Modules: ``manifest`` (pipeline.yaml and its
schema), ``requirements``/``pins`` (pinned environment), ``templates`` (Dockerfile, MLproject,
python_env.yaml, README.md), ``selfwheel`` (notebook-ops's own wheel), ``archive`` (reproducible
tar.gz), ``checksums``, ``versions`` (numbers and git tags), ``provenance``, ``secret_guard``,
``writer`` (its orchestrator files by ``deploy.generators``), ``export``, ``load``, ``diff``,
``tracking`` (MLflow), ``prove`` (run the bundle in a clean env and compare with its source
run: ``proofenv`` builds the env, ``proofcompare`` compares values).
"""

from __future__ import annotations

import importlib

__all__ = [
    "export_notebook",
    "ExportResult",
    "load_bundle",
    "open_bundle",
    "verify_bundle",
    "diff_bundles",
    "Bundle",
    "BundleDiff",
    "run_bundle",
    "is_bundle",
    "prove_bundle",
]

_WHERE = {
    "export_notebook": "export",
    "ExportResult": "export",
    "load_bundle": "load",
    "open_bundle": "load",
    "verify_bundle": "load",
    "Bundle": "load",
    "diff_bundles": "diff",
    "BundleDiff": "diff",
    "run_bundle": "run",
    "is_bundle": "run",
    "prove_bundle": "prove",
}


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f"notebook_ops.bundle.{_WHERE[name]}"), name)
    raise AttributeError(name)
