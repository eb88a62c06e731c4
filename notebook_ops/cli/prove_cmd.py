"""``notebook-ops prove BUNDLE``: the bundle run in a clean env as orchestrators run it, compared
with its source run; the proof record lands beside the archive."""

from __future__ import annotations

import json

import click

from notebook_ops.bundle.prove import ProofFailed, proof_path, prove_bundle


def echo_proof(record) -> None:
    """The proof as the CLI prints it (``prove`` and ``export --prove``)."""
    for name, step in record.steps.items():
        compared = [c for c in step.compared if c.result != "equal"]
        took = f" {step.duration_s:.1f} s" if step.duration_s is not None else ""
        what = f"{len(step.compared)} compared" if step.compared else ""
        click.echo(f"  {name:<14} {step.status:<9}{took}" + (f"  {what}" if what else ""))
        for c in compared:
            click.echo(f"      {c.kind} {c.name}: {c.result}" + (f" ({c.detail})" if c.detail else ""))


def run_proof(bundle, *, source_run=None, python=None, as_json=False) -> int:

    def progress(line: str) -> None:
        if not as_json:
            click.echo(line, err=True)

    try:
        record = prove_bundle(bundle, source_run=source_run, python=python, progress=progress)
    except ProofFailed as exc:
        if as_json:
            click.echo(json.dumps(exc.record.to_dict(), indent=2))
        else:
            echo_proof(exc.record)
            click.echo(f"proof record: {proof_path(bundle)}")
        raise
    if as_json:
        click.echo(json.dumps(record.to_dict(), indent=2))
        return 0
    echo_proof(record)
    click.echo(click.style(record.summary, bold=True))
    env = "cached env" if record.env_cached else f"env built in {record.env_build_s:.1f} s"
    click.echo(f"  {record.env_builder}, {env}; proof took {record.duration_s:.1f} s")
    click.echo(f"proof record: {proof_path(bundle)}")
    return 0


@click.command("prove")
@click.argument("bundle", type=click.Path())
@click.option(
    "--source-run",
    default=None,
    metavar="RUN_ID",
    help="Compare with this run (an id or a run folder; default: the latest successful run of "
    "the bundle's source notebook with the same content).",
)
@click.option(
    "--python",
    default=None,
    metavar="PY",
    help="Interpreter of the clean env (default: this one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the proof record as JSON.")
def prove(bundle, source_run, python, as_json):
    """Prove BUNDLE (folder or .tar.gz) runs where only it and its requirements exist."""
    return run_proof(bundle, source_run=source_run, python=python, as_json=as_json)
