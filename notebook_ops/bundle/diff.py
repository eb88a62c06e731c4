"""``diff``: what changed between two bundles, for a reviewer deciding whether to deploy.

Compares the verified manifests and files: steps added, removed or changed (a unified diff of
each step notebook's code, plus its graph and options), parameters, pinned requirements and
pipeline options (owner, objective, metric targets, schedules), the project's code and data
files it carries (a unified diff of each changed module). Plumbing cells that notebook-ops
generates are left out of code diffs unless they changed.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from notebook_ops.bundle import checksums, requirements
from notebook_ops.bundle.load import open_bundle, read_step_notebooks
from notebook_ops.execution.stepnb import PLUMBING_TAG

STEP_FIELDS = (
    "source",
    "after",
    "inputs",
    "outputs",
    "parameters",
    "metrics",
    "options",
    "resources",
    "modules",
    "assets",
    "files_in",
    "files_out",
    "notebook_product",
)
PIPELINE_FIELDS = (
    "owner",
    "objective",
    "metric_targets",
    "schedules",
    "promote",
    "alerts",
    "cost_per_cpu_hour",
    "kernel",
)


@dataclass
class BundleDiff:
    a: str
    b: str
    steps_added: list[str] = field(default_factory=list)
    steps_removed: list[str] = field(default_factory=list)
    steps_changed: dict[str, dict] = field(default_factory=dict)  # step -> {"code": diff, field: (a, b)}
    parameters: dict[str, tuple] = field(default_factory=dict)  # name -> (a or None, b or None)
    requirements: dict[str, tuple] = field(default_factory=dict)  # dist -> (a version, b version)
    pipeline: dict[str, tuple] = field(default_factory=dict)  # field -> (a, b)
    shipped: dict[str, tuple] = field(default_factory=dict)  # wheels/* -> (a sha, b sha)
    files: dict[str, dict] = field(default_factory=dict)  # code/*, assets/* -> {"change", "diff"}
    sources: dict[str, str] = field(default_factory=dict)  # step -> its source notebook (across notebooks)

    @property
    def notebooks_changed(self) -> list[str]:
        """A pipeline across notebooks: the source notebooks whose steps changed."""
        names = self.steps_added + self.steps_removed + list(self.steps_changed)
        return sorted({self.sources[n] for n in names if n in self.sources})

    @property
    def empty(self) -> bool:
        return not (
            self.steps_added
            or self.steps_removed
            or self.steps_changed
            or self.parameters
            or self.requirements
            or self.pipeline
            or self.shipped
            or self.files
        )

    def to_dict(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "steps_added": self.steps_added,
            "steps_removed": self.steps_removed,
            "steps_changed": self.steps_changed,
            "parameters": self.parameters,
            "requirements": self.requirements,
            "pipeline": self.pipeline,
            "shipped": self.shipped,
            "files": self.files,
            **({"notebooks_changed": self.notebooks_changed} if self.sources else {}),
        }


def step_code(nb: dict) -> list[str]:
    """The code a reviewer cares about: setup, loading and the step's own cells, one block each."""
    lines = []
    for cell in nb["cells"]:
        tags = (cell.get("metadata") or {}).get("tags") or []
        if "parameters" in tags:
            continue  # parameters are diffed on their own
        source = "".join(cell.get("source") or [])
        kind = "setup" if "setup" in tags else ("notebook-ops" if PLUMBING_TAG in tags else cell["cell_type"])
        lines.append(f"# --- {kind} cell ---\n")
        lines.extend(
            line if line.endswith("\n") else line + "\n" for line in source.splitlines(keepends=True)
        )
    return lines


def diff_bundles(a_path, b_path) -> BundleDiff:
    a, b = open_bundle(a_path), open_bundle(b_path)
    ma, mb = a.manifest, b.manifest
    out = BundleDiff(a=f"{a.label} ({a_path})", b=f"{b.label} ({b_path})")
    steps_a = {s["name"]: s for s in ma["steps"]}
    steps_b = {s["name"]: s for s in mb["steps"]}
    out.sources = {n: s["source"] for n, s in {**steps_a, **steps_b}.items() if s.get("source")}
    out.steps_added = [n for n in steps_b if n not in steps_a]
    out.steps_removed = [n for n in steps_a if n not in steps_b]
    nbs_a, nbs_b = read_step_notebooks(a), read_step_notebooks(b)
    for name in (n for n in steps_b if n in steps_a):
        change: dict[str, Any] = {}
        code = list(
            difflib.unified_diff(
                step_code(nbs_a[name]),
                step_code(nbs_b[name]),
                fromfile=f"a/steps/{name}.ipynb",
                tofile=f"b/steps/{name}.ipynb",
                n=2,
            )
        )
        if code:
            change["code"] = "".join(code)
        for key in STEP_FIELDS:
            va, vb = steps_a[name].get(key), steps_b[name].get(key)
            if va != vb:
                change[key] = (va, vb)
        if change:
            out.steps_changed[name] = change
    pa = {p["name"]: p for p in ma["parameters"]}
    pb = {p["name"]: p for p in mb["parameters"]}
    for name in sorted(set(pa) | set(pb)):
        if pa.get(name) != pb.get(name):
            out.parameters[name] = (pa.get(name), pb.get(name))
    ra = requirements.parse((a.folder / "requirements.txt").read_text(encoding="utf-8"))
    rb = requirements.parse((b.folder / "requirements.txt").read_text(encoding="utf-8"))
    for dist in sorted(set(ra) | set(rb)):
        if ra.get(dist) != rb.get(dist):
            out.requirements[dist] = (ra.get(dist), rb.get(dist))
    for key in PIPELINE_FIELDS:
        if ma.get(key) != mb.get(key):
            out.pipeline[key] = (ma.get(key), mb.get(key))
    # the notebook-ops code shipped in wheels/ (other generated files change with the version)
    sa = checksums.parse((a.folder / checksums.SUMS).read_text(encoding="utf-8"))
    sb = checksums.parse((b.folder / checksums.SUMS).read_text(encoding="utf-8"))
    for rel in sorted(set(sa) | set(sb)):
        if rel.startswith("wheels/") and sa.get(rel) != sb.get(rel):
            out.shipped[rel] = (sa.get(rel), sb.get(rel))
        elif rel.startswith(("code/", "assets/")) and sa.get(rel) != sb.get(rel):
            out.files[rel] = _file_change(a.folder, b.folder, rel, sa.get(rel), sb.get(rel))
    return out


def _file_change(fa, fb, rel: str, va, vb) -> dict:
    """Added, removed or changed; a unified diff for the project's code."""
    change = {"change": "added" if va is None else "removed" if vb is None else "changed"}
    if rel.startswith("code/"):

        def lines(folder, present):
            if not present:
                return []
            return (folder / rel).read_text(encoding="utf-8", errors="replace").splitlines(True)

        text = "".join(
            difflib.unified_diff(lines(fa, va), lines(fb, vb), fromfile=f"a/{rel}", tofile=f"b/{rel}", n=2)
        )
        if text:
            change["diff"] = text
    return change


def _show(value) -> str:
    return "-" if value is None else json.dumps(value, sort_keys=True)


def render(d: BundleDiff) -> str:
    """The text ``notebook-ops diff`` prints."""
    lines = [f"--- {d.a}", f"+++ {d.b}"]
    if d.empty:
        return (
            "\n".join(lines + ["no differences in steps, parameters, requirements, options or shipped code"])
            + "\n"
        )

    def of(name: str) -> str:
        return f"{name} ({d.sources[name]})" if name in d.sources else name

    if d.notebooks_changed:
        lines.append(f"notebooks changed: {', '.join(d.notebooks_changed)}")
    for name in d.steps_added:
        lines.append(f"step added: {of(name)}")
    for name in d.steps_removed:
        lines.append(f"step removed: {of(name)}")
    for name, change in d.steps_changed.items():
        lines.append(f"step changed: {of(name)}")
        for key, value in change.items():
            if key != "code":
                lines.append(f"  {key}: {_show(value[0])} -> {_show(value[1])}")
        if "code" in change:
            lines.extend("  " + line for line in change["code"].rstrip("\n").split("\n"))
    for name, (va, vb) in d.parameters.items():
        if va is None:
            shown = "(secret)" if vb.get("secret") else _show(vb.get("default"))
            lines.append(f"parameter added: {name} = {shown} ({vb['type']})")
        elif vb is None:
            lines.append(f"parameter removed: {name}")
        else:
            diffs = [
                f"{k} {_show(va.get(k))} -> {_show(vb.get(k))}"
                for k in ("type", "default", "secret", "help")
                if va.get(k) != vb.get(k)
            ]
            lines.append(f"parameter changed: {name}: " + ", ".join(diffs))
    for dist, (va, vb) in d.requirements.items():
        if va is None:
            lines.append(f"requirement added: {dist}=={vb}")
        elif vb is None:
            lines.append(f"requirement removed: {dist}=={va}")
        else:
            lines.append(f"requirement changed: {dist} {va} -> {vb}")
    for key, (va, vb) in d.pipeline.items():
        lines.append(f"pipeline {key}: {_show(va)} -> {_show(vb)}")
    for rel, change in d.files.items():
        what = "local module" if rel.startswith("code/") else "data file"
        lines.append(f"{what} {change['change']}: {rel}")
        if change.get("diff"):
            lines.extend("  " + line for line in change["diff"].rstrip("\n").split("\n"))
    for rel, (va, vb) in d.shipped.items():
        what = "added" if va is None else "removed" if vb is None else "changed"
        lines.append(f"shipped notebook-ops code {what}: {rel}")
    return "\n".join(lines) + "\n"
