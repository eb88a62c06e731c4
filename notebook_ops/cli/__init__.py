"""The ``notebook-ops`` command line.

Each subcommand lives in its own module and is imported only when it runs, so ``--help`` and
``inspect`` stay fast (no papermill, MLflow or Jupyter at start-up). To add a command, add one line
to ``COMMANDS``: ``"name": ("module", "attribute", "one-line help")``.
"""

from __future__ import annotations

import importlib
import sys

import click

from notebook_ops.errors import NotebookOpsError

COMMANDS: dict[str, tuple[str, str, str]] = {
    "inspect": (
        "notebook_ops.cli.inspect_cmd",
        "inspect",
        "Show a notebook's pipeline: steps, data flow, parameters, problems.",
    ),
    "lint": (
        "notebook_ops.cli.inspect_cmd",
        "lint",
        "Check notebooks for pipeline problems (exit 1 on errors).",
    ),
    "tag": ("notebook_ops.cli.tag_cmd", "tag", "Set a cell's pipeline tags (step, parameters, setup, skip)."),
    "run": (
        "notebook_ops.cli.run_cmd",
        "run",
        "Run a notebook or a bundle as a pipeline (parallel steps, cache, MLflow).",
    ),
    "runs": ("notebook_ops.cli.runs_cmd", "runs", "List past runs and show one."),
    "models": (
        "notebook_ops.cli.models_cmd",
        "models",
        "Registered models: versions with lineage, promotion gated on the pipeline's targets.",
    ),
    "run-step": (
        "notebook_ops.cli.run_step_cmd",
        "run_step",
        "Run one step of a bundle against a shared data store (what deploy targets call).",
    ),
    "export": (
        "notebook_ops.cli.export_cmd",
        "export",
        "Export a notebook as a versioned, reproducible bundle.",
    ),
    "deploy": (
        "notebook_ops.cli.deploy_cmd",
        "deploy",
        "Hand a bundle to a running Airflow 3: DAG and archive in place, parsed, optionally run.",
    ),
    "verify": (
        "notebook_ops.cli.verify_cmd",
        "verify",
        "Check a bundle's checksums and manifest (exit 1 on any change).",
    ),
    "prove": (
        "notebook_ops.cli.prove_cmd",
        "prove",
        "Run a bundle in a clean env as orchestrators do and compare with its source run.",
    ),
    "diff": ("notebook_ops.cli.diff_cmd", "diff", "Show what changed between two bundles."),
    "schedule": (
        "notebook_ops.cli.schedule_cmd",
        "schedule",
        "Cron schedules on notebooks and bundles: add, list, show, pause, resume, remove, run-now, runs.",
    ),
    "scheduler": (
        "notebook_ops.cli.schedule_cmd",
        "scheduler",
        "Run the scheduler service (fires schedules exactly once; survives restarts).",
    ),
    "listen": (
        "notebook_ops.cli.listen_cmd",
        "listen",
        "Start a run per message on a Pulsar topic (parameters from the message).",
    ),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that command is used."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="notebook-ops", prog_name="notebook-ops")
def cli():
    """Tag notebook cells as pipeline steps; run, export and schedule the notebook as a pipeline."""


def _skip_iri_grammar() -> None:
    """jsonschema imports ``rfc3987_syntax`` (when installed: jupyter-events needs it) only to
    check the "iri" string formats, and that import compiles a grammar: 1.2 s of CPU here, paid
    by every command that imports nbformat (papermill, so every run and run-step) and on the
    critical path of a run's first step. No schema of this process uses those formats, so this
    process goes without it (only if nothing imported it yet; a Jupyter server keeps it)."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None blocks an import


def main(argv=None) -> int:
    """Entry point: turns every NotebookOpsError into one line on stderr and its exit code."""

    _skip_iri_grammar()

    try:
        # standalone_mode=False: click *returns* a command's Exit code instead of raising it
        rv = cli.main(args=argv, prog_name="notebook-ops", standalone_mode=False)
    except NotebookOpsError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
