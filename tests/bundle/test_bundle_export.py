"""Export: files, reproducibility, versions, git tags, dirty trees, bad input."""

from __future__ import annotations

import gzip
import json
import os
import tarfile

import pytest
import yaml

from bundlekit import SETTINGS, commit_all, git, small_cells
from nbfactory import make_notebook, write_notebook
from notebook_ops.bundle import export_notebook
from notebook_ops.errors import ExportRefused, NameClash
from notebook_ops.errors import PipelineInvalid

EXPECTED = [
    ".dockerignore",
    "Dockerfile",
    "MLproject",
    "README.md",
    "SHA256SUMS",
    "pipeline.yaml",
    "python_env.yaml",
    "requirements.txt",
    "steps/dump.ipynb",
    "steps/make.ipynb",
    "steps/report.ipynb",
    "wheels/notebook_ops-0.1.0-py3-none-any.whl",
]


def export(nb, **kw):
    kw.setdefault("track", False)
    kw.setdefault("out_dir", nb.parent / "dist")
    return export_notebook(nb, **kw)


def test_export_writes_every_file_of_the_design(small_notebook):
    r = export(small_notebook)
    files = sorted(p.relative_to(r.folder).as_posix() for p in r.folder.rglob("*") if p.is_file())
    assert [f for f in files if not f.startswith("targets/")] == EXPECTED
    from notebook_ops.deploy import generators as targets

    assert r.manifest["targets"] == targets.names()  # every registered deploy target ran
    assert any(f.startswith("targets/") for f in files) == bool(targets.names())
    assert r.folder.name == "small-v1" and r.archive.name == "small-v1.tar.gz"
    m = yaml.safe_load((r.folder / "pipeline.yaml").read_text())
    assert m["schema_version"] == 1 and m["name"] == "small" and m["version"] == 1
    assert [s["name"] for s in m["steps"]] == ["make", "dump", "report"]
    dump = m["steps"][1]
    assert dump["inputs"] == ["data"] and dump["input_sources"] == {"data": "make"}
    assert dump["options"]["retries"] == 2 and dump["resources"]["cpu"] == 1
    assert m["parameters"][0] == {"name": "rows", "type": "int", "default": 5, "help": "how many rows"}
    assert m["owner"] == "ops@example.com" and m["metric_targets"] == {"count": ">= 1"}
    assert m["provenance"]["git"] is None  # not a repository: works, and says so
    assert m["provenance"]["source_notebook"]["path"] == "small.ipynb"
    req = (r.folder / "requirements.txt").read_text()
    assert "--find-links wheels" in req and "notebook-ops==0.1.0" in req
    assert any(line.startswith("pyyaml==") for line in req.splitlines())
    # step notebooks: papermill-parameterised, outputs stripped, skip cells gone
    step = json.loads((r.folder / "steps/make.ipynb").read_text())
    assert "parameters" in step["cells"][0]["metadata"]["tags"]
    assert all(c.get("outputs", []) == [] for c in step["cells"])
    assert not any("data\n" == "".join(c["source"]) or "".join(c["source"]) == "data" for c in step["cells"])


def test_two_exports_are_byte_identical_and_reuse_the_version(small_notebook, tmp_path):
    a = export(small_notebook)
    first = a.archive.read_bytes()
    b = export(small_notebook)
    assert (b.version, b.reused) == (1, True)
    assert b.archive.read_bytes() == first
    other = export(small_notebook, out_dir=tmp_path / "elsewhere")
    assert other.archive.read_bytes() == first


def test_archive_is_normalised(small_notebook, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    r = export(small_notebook)
    raw = r.archive.read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # gzip header mtime
    with tarfile.open(r.archive) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names) and names[0] == "small-v1"
    assert {m.mtime for m in members} == {1700000000}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    m = yaml.safe_load((r.folder / "pipeline.yaml").read_text())
    assert m["provenance"]["created"] == "2023-11-14T22:13:20Z"
    assert int(os.stat(r.folder / "README.md").st_mtime) == 1700000000
    with gzip.open(r.archive) as f:
        assert f.read(1)


def test_changed_content_gets_the_next_version(small_notebook):
    assert export(small_notebook).version == 1
    write_notebook(
        small_notebook, make_notebook(small_cells(c5="text = yaml.dump(data)\ncount = 1"), SETTINGS)
    )
    r = export(small_notebook)
    assert (r.version, r.reused) == (2, False)
    assert (small_notebook.parent / "dist" / "small-v1").is_dir()
    assert export(small_notebook).version == 2


def test_git_tag_records_the_version(repo_notebook):
    folder = repo_notebook.parent
    head = git(folder, "rev-parse", "HEAD")
    r = export(repo_notebook)
    assert r.tag == "notebook-ops/small/v1"
    assert git(folder, "cat-file", "-t", r.tag) == "tag"  # annotated
    assert git(folder, "rev-parse", f"{r.tag}^{{commit}}") == head
    assert r.manifest["content_sha256"] in git(folder, "tag", "-l", "-n9", r.tag)
    prov = r.manifest["provenance"]["git"]
    assert prov == {
        "commit": head,
        "branch": "main",
        "dirty": False,
        "remote": None,
        "tag": "notebook-ops/small/v1",
    }
    # a fresh clone without dist/ still knows v1 from the tag: unchanged content reuses it
    import shutil

    shutil.rmtree(folder / "dist")
    again = export(repo_notebook)
    assert (again.version, again.reused) == (1, True)
    write_notebook(repo_notebook, make_notebook(small_cells(c6="print(count)"), SETTINGS))
    commit_all(folder, "change report")
    r2 = export(repo_notebook)
    assert r2.version == 2 and git(folder, "tag", "-l", "notebook-ops/small/*").split() == [
        "notebook-ops/small/v1",
        "notebook-ops/small/v2",
    ]


def test_no_tag_option(repo_notebook):
    r = export(repo_notebook, tag=False)
    assert r.tag is None and git(repo_notebook.parent, "tag", "-l") == ""


def test_dirty_tree_is_refused_unless_allowed(repo_notebook):
    write_notebook(repo_notebook, make_notebook(small_cells(c6="print(1)"), SETTINGS))
    with pytest.raises(ExportRefused, match="uncommitted changes"):
        export(repo_notebook)
    assert not (repo_notebook.parent / "dist" / "small-v1").exists()
    r = export(repo_notebook, allow_dirty=True)
    assert r.manifest["provenance"]["git"]["dirty"] is True
    assert "uncommitted changes included" in (r.folder / "README.md").read_text()


def test_untracked_notebook_counts_as_dirty(repo_notebook):
    other = write_notebook(
        repo_notebook.parent / "new.ipynb", make_notebook(small_cells(), {"notebook_ops": {"name": "new"}})
    )
    with pytest.raises(ExportRefused, match="not committed"):
        export(other)


def test_lint_errors_refuse_the_export(tmp_path):
    nb = write_notebook(tmp_path / "bad.ipynb", make_notebook([("x = 1", ["step:a"]), ("y = 2", ["step:a"])]))
    with pytest.raises(PipelineInvalid, match="cannot export a pipeline with errors"):
        export(nb)
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_unwritable_output_folder(small_notebook, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ExportRefused, match="cannot create the output folder"):
        export(small_notebook, out_dir=blocker / "dist")


def test_name_clash_between_notebooks(small_notebook):
    export(small_notebook)
    other = write_notebook(
        small_notebook.parent / "other.ipynb", make_notebook(small_cells(c6="print(2)"), SETTINGS)
    )
    with pytest.raises(NameClash, match="already belongs to small.ipynb"):
        export(other)
    assert export(other, name="other").version == 1


def test_nothing_half_written_on_failure(small_notebook, monkeypatch):
    from notebook_ops.bundle import archive

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(archive, "write_tar_gz", broken)
    with pytest.raises(ExportRefused, match="No space left"):
        export(small_notebook)
    assert sorted(p.name for p in (small_notebook.parent / "dist").iterdir()) == []


def test_a_written_version_is_kept_byte_for_byte(repo_notebook):
    """Unchanged content after an unrelated commit: same version, the bundle is left as it was."""
    folder = repo_notebook.parent
    r1 = export(repo_notebook)
    first, first_commit = r1.archive.read_bytes(), r1.manifest["provenance"]["git"]["commit"]
    (folder / "notes.txt").write_text("unrelated\n")
    commit_all(folder, "notes")
    r2 = export(repo_notebook)
    assert (r2.version, r2.reused) == (1, True)
    assert r2.archive.read_bytes() == first
    assert r2.manifest["provenance"]["git"]["commit"] == first_commit
    # a damaged copy is not kept: it is written again
    (r1.folder / "README.md").write_text("changed")
    r3 = export(repo_notebook)
    assert r3.version == 1 and "changed" not in (r3.folder / "README.md").read_text()
    assert r3.manifest["provenance"]["git"]["commit"] != first_commit


def test_concurrent_exports_of_one_notebook_agree_on_one_version(repo_notebook):
    """Three `export` processes at once (a double click in the lab and a CI job, say): one
    writes v1 and tags it, the others find it and reuse it; nobody fails on the tag."""
    import subprocess
    import sys

    folder = repo_notebook.parent
    env = {**os.environ, "XDG_CACHE_HOME": str(folder.parent / "cache")}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "notebook_ops",
                "export",
                str(repo_notebook),
                "--no-mlflow",
                "--json",
                "--target",
                "none",
            ],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1] for o in outs]
    results = [json.loads(o[0]) for o in outs]
    assert {r["version"] for r in results} == {1}
    assert sorted(r["reused"] for r in results) == [False, True, True]
    assert git(folder, "tag", "--list").split() == ["notebook-ops/small/v1"]
    assert sorted(p.name for p in (folder / "dist").iterdir() if not p.name.startswith(".")) == [
        "small-v1",
        "small-v1.tar.gz",
    ]
