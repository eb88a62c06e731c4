"""``export``: notebook -> ``DIR/<name>-v<N>/`` + ``DIR/<name>-v<N>.tar.gz``, versioned and tagged.

Order of work, so that a failure leaves nothing half-written: check the notebook and the work
tree, build everything in memory, write a staging folder next to the target, pack the archive,
tag the version in git, then rename both into place. MLflow logging comes last and never turns
a written bundle into a failure (it becomes a warning).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from notebook_ops.bundle import (
    archive,
    observed,
    projectwheel,
    provenance,
    requirements,
    shipping,
    versions,
    writer,
)
from notebook_ops.bundle import manifest as manifest_mod
from notebook_ops.bundle import secret_guard as secrets
from notebook_ops.bundle import staging as staging_mod
from notebook_ops.bundle.load import open_bundle
from notebook_ops.bundle.selfwheel import package_digest
from notebook_ops.bundle.tracking import log_export, queue_export
from notebook_ops.cellref import cell_label
from notebook_ops.deploy import generators as targets_mod
from notebook_ops.errors import BundleInvalid, ExportRefused, NotebookOpsError, PipelineInvalid
from notebook_ops.events import publish_bundle_exported
from notebook_ops.events.publish import settings_urls
from notebook_ops.execution.stepfiles import local_tops
from notebook_ops.model import load_pipeline
from notebook_ops.model.folder import is_folder_source
from notebook_ops.model.notebook import read_bytes
from notebook_ops.model.tags import NAME_RULE, valid_name
from notebook_ops.util import faults
from notebook_ops.util.locks import folder_lock


@dataclass
class ExportResult:
    name: str
    version: int
    reused: bool  # unchanged content: the existing version number was kept
    folder: Path
    archive: Path
    tag: str | None
    manifest: dict
    warnings: list[str] = field(default_factory=list)
    mlflow_run_id: str | None = None
    mlflow_pending: Path | None = None  # being logged by a follower: its entry file
    shipped: str = ""  # what it carries from the project, in one line ("" if nothing)
    pip_installs: list[str] = field(default_factory=list)  # %pip install lines, now pinned

    def to_dict(self) -> dict:
        files = self.manifest.get("files") or {}
        return {
            "name": self.name,
            "version": self.version,
            "reused": self.reused,
            "folder": str(self.folder),
            "archive": str(self.archive),
            "tag": self.tag,
            "warnings": list(self.warnings),
            "mlflow_run_id": self.mlflow_run_id,
            "content_sha256": self.manifest["content_sha256"],
            "shipped": {
                "code": [f["path"] for f in files.get("code", [])],
                "assets": [f["path"] for f in files.get("assets", [])],
                "external": files.get("external", []),
                "pip_installs": list(self.pip_installs),
            },
        }


def content_sha256(description: dict, steps: dict[str, bytes], pins: list[str]) -> str:
    """What decides whether an export is a new version: the pipeline, its code, its pins, and
    the notebook_ops code shipped in wheels/."""

    doc = {
        "manifest": description,
        "pins": pins,
        "notebook_ops": package_digest(),
        "steps": {k: hashlib.sha256(v).hexdigest() for k, v in sorted(steps.items())},
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _check_pipeline(pipeline, path) -> None:
    if pipeline.errors:
        listed = "; ".join(
            f"{cell_label(p.cell)}: {p.message}" if p.cell is not None else p.message
            for p in pipeline.errors[:5]
        )
        more = f" (+{len(pipeline.errors) - 5} more)" if len(pipeline.errors) > 5 else ""
        raise PipelineInvalid(
            f"cannot export a pipeline with errors: {listed}{more}",
            problems=pipeline.errors,
            path=path,
            hint="notebook-ops lint shows them all",
        )


def _out_dir(out_dir) -> Path:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportRefused(f"cannot create the output folder: {exc.strerror}", path=out) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ExportRefused("the output folder is not writable", path=out)
    return out


def _replace_dir(staging: Path, final: Path) -> None:
    old = None
    if final.exists():
        old = staging_mod.old_copy(final)
        os.replace(final, old)
    faults.point("bundle.export.before_rename")
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_notebook(
    notebook,
    *,
    out_dir="dist",
    name: str | None = None,
    allow_dirty: bool = False,
    tag: bool = True,
    track: bool | str = True,
    target_names: list[str] | None = None,
    pipeline=None,
) -> ExportResult:
    """Export ``notebook`` (a path). ``pipeline`` may be passed when already loaded."""

    nb_path = Path(notebook)
    if is_folder_source(nb_path):  # a folder of notebooks: its first one stands for the folder
        pipeline = pipeline or load_pipeline(nb_path)
        nb_path = Path(str(pipeline.path))
    nb_bytes = read_bytes(nb_path)
    pipeline = pipeline or load_pipeline(nb_path)
    _check_pipeline(pipeline, nb_path)
    name = name or pipeline.name
    if not valid_name(name):
        raise NotebookOpsError(f"pipeline name {name!r} is not valid: {NAME_RULE}", hint="pass --name")
    if name != pipeline.name:  # --name: the step notebooks and runs carry the bundle's name
        pipeline = dataclasses.replace(pipeline, name=name)

    state = provenance.git_state(nb_path)
    if state.repo is not None and state.dirty and not allow_dirty:
        why = "the notebook is not committed" if state.commit else "the repository has no commits"
        if state.commit and state.source_path and state.repo.git.ls_files("--", state.source_path):
            why = "the work tree has uncommitted changes"
        raise ExportRefused(
            f"{why}: a bundle must point at a commit",
            path=nb_path,
            hint="commit first, or pass --allow-dirty (the manifest says so)",
        )
    epoch = provenance.created_epoch(state, nb_path)

    warnings = secrets.warnings_for(pipeline)
    seen = observed.of(pipeline, nb_path)  # what the latest run of this code did
    warnings += seen.warnings
    ship = shipping.collect(pipeline, nb_path, extra_dirs=seen.dirs)  # the project's code and data
    warnings += ship.warnings

    modules = requirements.imported_modules(requirements.pipeline_sources(pipeline))
    if pipeline.project:  # what the project's own modules import, too
        modules |= {top for top, _ in pipeline.project.code_imports}
    static = set(modules)
    modules |= seen.modules
    pip = [r for r, _ in pipeline.project.pip] if pipeline.project else []
    warnings += [
        f"%pip install {ref}: a URL or path, installed as it is and not pinned in requirements.txt"
        for ref in requirements.pip_references(pip)
    ]
    pins = requirements.resolve(
        modules - local_tops(pipeline),
        kernel_name=pipeline.kernel_name,
        dists=requirements.pip_names(pip)
        + requirements.store_backends(pipeline.settings)
        + requirements.serializer_backends(pipeline.settings)
        + sorted(seen.distributions),
    )
    shipping.check_imports(pipeline, pins["unresolved"], nb_path)
    for module in pins["unresolved"]:
        if module not in static and (module in seen.modules or module in seen.distributions):
            continue  # observed only (a kernel's own module, the project's): nothing to pin
        warnings.append(
            f"{module!r} is imported or installed but no installed distribution "
            "provides it: not pinned in requirements.txt"
        )
    wheels = {}  # editable installs, as wheels
    for spec in (pins.get("editable") or {}).values():
        fname, entries = projectwheel.entries(spec)
        for rel, data in entries:  # the package's own files ship too: scanned like the project's
            secrets.refuse_credentials(
                rel,
                data=data,
                allow=secrets.allowed_secrets(pipeline.settings),
                where=Path(spec["path"]),
                excludable=False,
            )
        wheels[fname] = entries
        warnings.append(
            f"{spec['name']} is installed in editable mode: shipped as "
            f"wheels/{fname}, built from {spec['path']}"
        )
    steps = writer.step_notebooks(pipeline)
    chosen_targets = targets_mod.names() if target_names is None else list(target_names)
    description = manifest_mod.body(
        pipeline,
        name=name,
        requirements=requirements.pin_lines(pins, direct_only=True),
        targets=chosen_targets,
        files=ship.manifest,
    )
    digest = content_sha256(
        description,
        steps,
        requirements.pin_lines(pins) + [f"{n} {projectwheel.digest(e)}" for n, e in sorted(wheels.items())],
    )

    content = _Content(
        name, description, steps, pins, digest, chosen_targets, ship.files, wheels, frozenset(ship.allowed)
    )
    out = _out_dir(out_dir)
    with folder_lock(out):  # two exports of one name: one after the other, N then N+1
        staging_mod.remove_stale(out)  # what killed exports left
        result = _write_version(out, content, state, warnings, nb_bytes, epoch, tag)
    result = _track(result, track, nb_path, pipeline)
    result.shipped = ship.summary() if ship.manifest else ""
    if pip:
        result.pip_installs = pip
    return result


@dataclass
class _Content:
    """What one export writes, known before its version is chosen."""

    name: str
    description: dict
    steps: dict
    pins: dict
    digest: str
    targets: list[str]
    extra_files: dict
    wheels: dict
    allowed_secrets: frozenset = frozenset()


def _write_version(out, c: _Content, state, warnings, nb_bytes, epoch, tag) -> ExportResult:
    """Choose the version (a new one, or the one this content already has) and write it."""
    name, digest = c.name, c.digest
    known = versions.known_versions(name, out, state.repo)
    version, reused = versions.choose(name, digest, state.source_path, known)
    will_tag = tag and state.repo is not None and state.commit is not None
    tag_name = versions.tag_name(name, version) if will_tag else None
    m = manifest_mod.assemble(
        c.description,
        version=version,
        content_sha256=digest,
        provenance=provenance.collect(state, nb_bytes, epoch=epoch, tag=tag_name),
    )
    manifest_mod.validate(m)
    req_text = requirements.render(
        c.pins, title=f"{name} v{version}, exported by notebook-ops {m['provenance']['notebook_ops_version']}"
    )

    folder_name = versions.folder_name(name, version)
    final, final_tar = out / folder_name, out / f"{folder_name}.tar.gz"
    if final.exists() and not (final / manifest_mod.MANIFEST).is_file():
        raise ExportRefused("exists and is not a notebook-ops bundle; not overwriting", path=final)
    kept = _kept_bundle(final, final_tar, digest, tag_name, state.repo) if reused else None
    if kept is not None:  # a version, once written, stays byte for byte as it was
        m = kept
    else:
        if reused and final.is_dir() and final_tar.is_file():
            warnings = warnings + [
                f"{final.name} or its archive was damaged or changed after export: written again"
            ]
        staging = staging_mod.staging_dir(out, folder_name)
        tmp_tar = staging_mod.archive_part(out, folder_name)
        try:
            writer.write_bundle(
                staging,
                manifest=m,
                steps=c.steps,
                requirements_txt=req_text,
                epoch=epoch,
                target_names=c.targets,
                extra_files=c.extra_files,
                wheels=c.wheels,
                allowed_secrets=c.allowed_secrets,
            )
            archive.write_tar_gz(staging, tmp_tar, prefix=folder_name, epoch=epoch)
            if will_tag:
                tag_name = versions.create_tag(
                    state.repo,
                    name,
                    version,
                    content_sha256=digest,
                    source=state.source_path,
                    dirty=state.dirty,
                )
            _replace_dir(staging, final)
            os.replace(tmp_tar, final_tar)
        except OSError as exc:
            raise ExportRefused(f"cannot write the bundle: {exc}", path=final) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if tmp_tar.exists():
                tmp_tar.unlink()
    return ExportResult(
        name=name,
        version=version,
        reused=reused,
        folder=final,
        archive=final_tar,
        tag=tag_name,
        manifest=m,
        warnings=warnings,
    )


def _kept_bundle(folder: Path, tar: Path, digest: str, tag_name, repo) -> dict | None:
    """The manifest of an intact bundle already written for this content, else None."""

    if not (folder.is_dir() and tar.is_file()):
        return None
    try:
        m = open_bundle(folder).manifest
    except BundleInvalid:
        return None
    if not archive.matches_folder(tar, folder):  # truncated or altered: written again
        return None
    git = m["provenance"].get("git") or {}
    if m["content_sha256"] != digest or git.get("tag") != tag_name:
        return None
    if tag_name and tag_name not in [t.name for t in repo.tags]:
        return None
    return m


def _track(result: ExportResult, track: bool | str, nb_path: Path, pipeline) -> ExportResult:
    if track == "process":  # a follower process logs it (the CLI: no MLflow import here)
        result.mlflow_pending = queue_export(result, cwd=nb_path.parent)
    elif track:
        try:
            result.mlflow_run_id = log_export(result, cwd=nb_path.parent)
        except Exception as exc:  # noqa: BLE001 - tracking must not undo a written bundle
            result.warnings.append(f"the export was not logged to MLflow: {exc}")

    # also to the sinks the notebook's settings name (they are not written into the bundle)
    publish_bundle_exported(result, settings_urls(pipeline.settings, nb_path.resolve().parent))
    return result
