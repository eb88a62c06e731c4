"""``verify``: every checksum and the manifest schema of a bundle (exit 1 naming the file)."""

from __future__ import annotations

import click

from notebook_ops.bundle import verify_bundle
from notebook_ops.bundle.prove import proof_line, read_proof


@click.command("verify")
@click.argument("bundle", type=click.Path())
def verify(bundle):
    """Check that BUNDLE (folder or .tar.gz) is exactly what was exported."""

    b = verify_bundle(bundle)
    click.echo(
        f"ok: {b.label}, {len(b.files)} files match SHA256SUMS, manifest valid "
        f"(bundle sha256 {b.digest[:16]})"
    )
    click.echo(proof_line(read_proof(bundle), b.manifest.get("content_sha256", "")))
