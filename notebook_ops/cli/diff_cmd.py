"""``diff``: what changed between two bundles (steps, code, parameters, requirements, options)."""

from __future__ import annotations

import json
import sys

import click

from notebook_ops.bundle import diff_bundles
from notebook_ops.bundle.diff import render


@click.command("diff")
@click.argument("a", type=click.Path())
@click.argument("b", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the bundles differ.")
def diff(a, b, as_json, exit_code):
    """Show what changed from bundle A to bundle B (folders or .tar.gz)."""

    d = diff_bundles(a, b)
    if as_json:
        click.echo(json.dumps(d.to_dict(), indent=2, default=list))
    else:
        click.echo(render(d), nl=False)
    if exit_code and not d.empty:
        sys.exit(1)  # like `git diff --exit-code` (click's Exit code is dropped by main())
