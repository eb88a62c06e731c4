"""The folder a bundle's steps run in: the project's code and data laid out as in the checkout.

A bundle that carries files (``pipeline.yaml`` ``files``) is never run in place: its folder must
stay exactly as exported (``verify``), and steps write files. The code (``code/``) and the data
files (``assets/``, only those the steps to run read) are copied into a workspace at their
project paths; kernels start in the notebook's folder there, so relative paths and
``sys.path.insert(0, "../src")`` mean what they meant in the author's checkout. The folders
the code writes into (``files.dirs``: ``sqlite3.connect("logs/logs.db")`` needs ``logs/``) are
created, for every step: each task of ``run-step`` lays out its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from notebook_ops.bundle.shipping import ASSETS_DIR, CODE_DIR


def needs_workspace(manifest: dict) -> bool:
    return bool(manifest.get("files"))


def lay_out(bundle_folder, manifest: dict, dest, steps=None) -> Path:
    """Copy the bundle's code and the data ``steps`` read (all steps when None) into ``dest``;
    returns the kernels' working folder (the notebook's folder under ``dest``)."""
    files = manifest["files"]
    src, dest = Path(bundle_folder), Path(dest)
    wanted = None
    if steps is not None:
        wanted = {a for s in manifest["steps"] if s["name"] in set(steps) for a in s.get("assets", [])}
    copies = [(f"{CODE_DIR}/{f['path']}", f["path"]) for f in files["code"]]
    copies += [
        (f"{ASSETS_DIR}/{f['path']}", f["path"])
        for f in files["assets"]
        if wanted is None or any(f["path"] == a or f["path"].startswith(a + "/") for a in wanted)
    ]
    for rel_src, rel_dest in copies:
        target = dest / rel_dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel_src, target)
    for rel in files.get("dirs") or []:  # folders the code writes into (to_csv("out/x.csv"))
        folder = (dest / rel).resolve()
        if folder.is_relative_to(dest.resolve()):
            folder.mkdir(parents=True, exist_ok=True)
    cwd = dest / files["notebook_dir"]
    cwd.mkdir(parents=True, exist_ok=True)
    return cwd
