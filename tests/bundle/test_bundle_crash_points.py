"""Crashes at the bundle's fault points (util/faults.py): a process SIGKILLed mid-extraction or
between an export's staging and its rename leaves no half-written bundle where a reader looks,
and the next extraction or export simply works. Real processes, a real export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from notebook_ops.bundle import export_notebook, open_bundle, verify_bundle
from notebook_ops.util import faults


def killed_at(point: str, code: str, **env) -> None:
    """Run ``code`` in a new Python with ``point`` armed to SIGKILL it; assert it died there."""
    full = {**os.environ, **env, faults.ENV: f"{point}=kill", "PYTHONPATH": os.pathsep.join(sys.path)}
    res = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=300)
    assert res.returncode == -signal.SIGKILL, res.stderr[-2000:]


def test_killed_mid_extraction_leaves_no_bundle_and_the_next_load_works(small_notebook, tmp_path):
    b = export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)
    cache = tmp_path / "cache"
    killed_at(
        "bundle.archive.extract.member",
        "from notebook_ops.bundle import open_bundle; "
        f"open_bundle({str(b.archive)!r}, extract_to={str(cache)!r})",
    )
    left = [p.name for p in cache.iterdir()]
    assert left and all(name.startswith(".extract-") for name in left)  # only the staging folder
    opened = open_bundle(b.archive, extract_to=cache)
    assert opened.label == verify_bundle(b.folder).label
    assert [p.name for p in cache.iterdir() if p.name.startswith(".extract-")] == []  # cleared


def test_export_killed_before_its_rename_leaves_no_half_bundle(small_notebook):
    dist = small_notebook.parent / "dist"
    killed_at(
        "bundle.export.before_rename",
        "from notebook_ops.bundle import export_notebook; "
        f"export_notebook({str(small_notebook)!r}, out_dir={str(dist)!r}, track=False)",
    )
    visible = [p for p in dist.iterdir() if not p.name.startswith(".")] if dist.exists() else []
    assert [p for p in visible if p.is_dir()] == []  # staged, never renamed into place
    b = export_notebook(small_notebook, out_dir=dist, track=False)
    assert verify_bundle(b.folder).label == verify_bundle(b.archive).label
