"""``tag``: set a cell's pipeline tags from the shell (the same edit the JupyterLab UI makes)."""

from __future__ import annotations

import click

from notebook_ops.cellref import cell_label
from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.editing import pipeline_tags, retag_file


@click.command()
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option(
    "--cell",
    "-c",
    "number",
    type=int,
    required=True,
    help="The cell's number as JupyterLab shows it (Cell N/M in its status bar; from 1, as `inspect` shows).",
)
@click.option("--step", "-s", metavar="NAME", help="Make the cell start step NAME.")
@click.option(
    "--after", "-a", metavar="STEP", multiple=True, help="With --step: run after STEP (repeatable)."
)
@click.option("--parameters", "role", flag_value="parameters", help="Mark as the parameters cell.")
@click.option("--setup", "role", flag_value="setup", help="Run at the start of every step.")
@click.option("--skip", "role", flag_value="skip", help="Never run in a pipeline.")
@click.option("--clear", "role", flag_value="clear", help="Remove the cell's pipeline tags.")
def tag(notebook, number, step, after, role):
    """Set the pipeline tags of one cell of NOTEBOOK; other tags and the rest of the file are kept."""

    chosen = [x for x in (step and "step", role) if x]
    if len(chosen) != 1:
        raise NotebookOpsError(
            "choose exactly one of --step, --parameters, --setup, --skip, --clear", path=notebook
        )
    tags = pipeline_tags(step=step, after=after, role=None if role == "clear" else role)
    now = retag_file(notebook, number - 1, tags)
    click.echo(f"{notebook}: {cell_label(number - 1)}: tags now {', '.join(now) if now else '(none)'}")
