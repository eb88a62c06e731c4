"""``--glob``: which notebooks of a folder make the pipeline, for every command that takes one.

``inspect``, ``run``, ``export`` and ``schedule add`` take ``FOLDER --glob GLOB`` with one meaning:
the target becomes ``FOLDER/GLOB`` (``model/folder.py`` reads it), so a folder's run, its bundle
and its schedule's runs see the same notebooks; nothing matching is the reader's one-line error.
"""

from __future__ import annotations

from pathlib import Path

import click

glob_option = click.option(
    "--glob",
    "pattern",
    metavar="GLOB",
    help="A folder: the notebooks to take (default *.ipynb), e.g. '[0-9]*.ipynb'.",
)


def with_glob(target: str, pattern: str | None) -> str:
    """``target`` (a folder) with ``pattern`` as ``FOLDER/GLOB``; ``target`` when no pattern."""
    if not pattern:
        return target
    # bundle.run pulls the bundle, tracking and run-service modules: +48 imports of ours for
    # every command with --glob, `inspect` too; only --glob needs it
    from notebook_ops.bundle.run import is_bundle  # noqa: PLC0415 - +48 modules for `inspect`, see above

    if not Path(target).is_dir() or is_bundle(target):
        raise click.UsageError(f"--glob takes a folder of notebooks; {target} is not one")
    return str(Path(target) / pattern)
