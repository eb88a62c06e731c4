"""Version numbers per pipeline name: v1, v2, ... recorded as annotated git tags.

The known versions are the union of the tags ``notebook-ops/<name>/v<N>`` and the bundles already
in the output folder. Unchanged content (same ``content_sha256`` as the latest version) reuses
that version instead of minting a new one. The tag message carries the content hash and the
source notebook, so a fresh clone knows its versions without the ``dist/`` folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from notebook_ops.errors import ExportRefused, NameClash


def tag_name(name: str, version: int) -> str:
    return f"notebook-ops/{name}/v{version}"


def folder_name(name: str, version: int) -> str:
    return f"{name}-v{version}"


@dataclass
class Known:
    version: int
    content_sha256: str | None
    source: str | None
    where: str  # "tag" or the bundle folder


def _parse_message(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def known_versions(name: str, out_dir, repo=None) -> dict[int, Known]:
    found: dict[int, Known] = {}
    pattern = re.compile(re.escape(f"notebook-ops/{name}/v") + r"(\d+)$")
    if repo is not None:
        for ref in repo.tags:
            m = pattern.match(ref.name)
            if not m:
                continue
            info = _parse_message(ref.tag.message if ref.tag is not None else "")
            found[int(m.group(1))] = Known(
                int(m.group(1)), info.get("content-sha256"), info.get("source"), "tag"
            )
    folder = re.compile(re.escape(f"{name}-v") + r"(\d+)$")
    out = Path(out_dir)
    if out.is_dir():
        import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

        for child in out.iterdir():
            m = folder.match(child.name)
            if not m or not child.is_dir():
                continue
            n = int(m.group(1))
            try:
                data = yaml.safe_load((child / "pipeline.yaml").read_text(encoding="utf-8"))
                sha = data.get("content_sha256")
                source = data["provenance"]["source_notebook"]["path"]
            except Exception:  # noqa: BLE001 - a foreign or broken folder: only its number counts
                sha, source = None, None
            if n not in found or found[n].content_sha256 is None:
                found[n] = Known(n, sha, source, str(child))
    return found


def choose(name: str, content_sha256: str, source: str, known: dict[int, Known]) -> tuple[int, bool]:
    """(version, reused): the latest version if its content is the same, else the next number."""
    if not known:
        return 1, False
    latest = known[max(known)]
    if latest.source and latest.source != source:
        raise NameClash(
            f"pipeline name {name!r} already belongs to {latest.source} (v{latest.version}, {latest.where})",
            hint="export with --name OTHER_NAME",
        )
    if latest.content_sha256 == content_sha256:
        return latest.version, True
    return latest.version + 1, False


def create_tag(repo, name: str, version: int, *, content_sha256: str, source: str, dirty: bool) -> str:
    """An annotated tag on HEAD; an existing tag for the same version is left as it is."""
    tag = tag_name(name, version)
    if tag in [t.name for t in repo.tags]:
        return tag
    message = (
        f"notebook-ops export {name} v{version}\n\n"
        f"content-sha256: {content_sha256}\nsource: {source}\n"
        f"dirty: {str(dirty).lower()}\n"
    )
    import git  # noqa: PLC0415 - git costs 100 ms CPU to import, loaded on first use

    try:
        try:
            repo.create_tag(tag, ref="HEAD", message=message)
        except git.GitCommandError as exc:
            if "tell me who you are" not in str(exc).lower() and "identity" not in str(exc):
                raise
            # No user configured (a CI box): tag as notebook-ops rather than fail the export.
            with repo.git.custom_environment(
                GIT_COMMITTER_NAME="notebook-ops", GIT_COMMITTER_EMAIL="notebook-ops@localhost"
            ):
                repo.create_tag(tag, ref="HEAD", message=message)
    except git.GitCommandError as exc:
        raise ExportRefused(
            f"cannot create the git tag {tag}: {exc.stderr.strip()}", hint="or export with --no-tag"
        ) from None
    return tag
