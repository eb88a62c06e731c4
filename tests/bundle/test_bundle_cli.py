"""The export / verify commands as a user runs them: one line on errors, no traceback."""

from __future__ import annotations


from bundlekit import SETTINGS, small_cells
from nbfactory import make_notebook, write_notebook
from clikit import run_cli


def test_export_prints_version_path_and_next_commands(repo_notebook):
    folder = repo_notebook.parent
    out = run_cli("export", "small.ipynb", "--no-mlflow", cwd=folder)
    assert out.returncode == 0, out.stderr
    assert "exported small v1 (new version; git tag notebook-ops/small/v1)" in out.stdout
    assert "dist/small-v1.tar.gz" in out.stdout
    assert "notebook-ops run dist/small-v1" in out.stdout
    out = run_cli("verify", "dist/small-v1.tar.gz", cwd=folder)
    assert out.returncode == 0 and out.stdout.startswith("ok: small v1")


def test_errors_are_one_line(repo_notebook):
    folder = repo_notebook.parent
    write_notebook(repo_notebook, make_notebook(small_cells(c6="print(3)"), SETTINGS))
    before = repo_notebook.read_bytes()
    out = run_cli("export", "small.ipynb", "--no-mlflow", cwd=folder)
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "uncommitted changes" in out.stderr and "--allow-dirty" in out.stderr
    assert repo_notebook.read_bytes() == before
    run_cli("export", "small.ipynb", "--no-mlflow", "--allow-dirty", cwd=folder)
    sums = folder / "dist" / "small-v1" / "README.md"
    sums.write_text(sums.read_text() + " ")
    out = run_cli("verify", "dist/small-v1", cwd=folder)
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "dist/small-v1/README.md: checksum mismatch" in out.stderr


def test_run_refuses_a_tampered_or_truncated_bundle(small_notebook, tmp_path):
    folder = small_notebook.parent
    assert run_cli("export", "small.ipynb", "--no-mlflow", cwd=folder).returncode == 0
    step = folder / "dist" / "small-v1" / "steps" / "make.ipynb"
    step.write_text(step.read_text().replace("range(rows)", "range(10**9)"))
    out = run_cli("run", "dist/small-v1", "--no-track", cwd=folder)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "dist/small-v1/steps/make.ipynb: checksum mismatch" in out.stderr
    assert not (folder / ".notebook_ops" / "runs").exists()  # refused before anything ran
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes((folder / "dist" / "small-v1.tar.gz").read_bytes()[:3000])
    out = run_cli("run", str(cut), "--no-track", cwd=tmp_path)
    assert out.returncode == 1 and "cut.tar.gz: damaged or truncated archive" in out.stderr
