"""Pinned requirements, secrets kept out, and the deploy-target registry hook."""

from __future__ import annotations

from importlib import metadata

import pytest

from bundlekit import SETTINGS, small_cells
from nbfactory import make_notebook, write_notebook
from notebook_ops.bundle import export_notebook, verify_bundle
from notebook_ops.deploy import generators as targets
from notebook_ops.errors import ExportRefused
from notebook_ops.util.gitstate import clean_url
from notebook_ops.bundle.requirements import imported_modules, parse, resolve
from notebook_ops.errors import NotebookOpsError


def test_imported_modules_reads_code_and_survives_magics():
    found = imported_modules(
        [
            "import numpy as np, os\nfrom yaml import safe_load\n%matplotlib inline\n!pip list",
            "from . import local\nimport xml.dom\nimport sklearn.linear_model",
            "%%bash\nimport notpython",
            "def f(:\n  import broken_but_found",  # does not parse: regex fallback
        ]
    )
    assert found == {"numpy", "yaml", "sklearn", "broken_but_found"}


def test_resolve_pins_imports_to_their_distributions_with_closure():
    result = resolve({"yaml", "jsonschema", "not_a_real_module_xyz"})
    assert result["direct"]["pyyaml"] == metadata.version("pyyaml")
    assert result["direct"]["jsonschema"] == metadata.version("jsonschema")
    assert result["direct"]["notebook-ops"] == metadata.version("notebook-ops")
    assert "referencing" in result["pins"]  # needed by jsonschema
    assert "papermill" in result["pins"]  # needed by notebook-ops
    assert result["unresolved"] == ["not_a_real_module_xyz"]


def test_unresolved_import_is_an_export_error_naming_the_cell(small_notebook):
    # contract moved (issue 14): an import nothing provides was a warning; it is now refused
    write_notebook(
        small_notebook,
        make_notebook(small_cells(c2="import json\nimport yaml\nimport not_installed_mod"), SETTINGS),
    )
    before = small_notebook.read_bytes()
    with pytest.raises(ExportRefused) as err:
        export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)
    assert err.value.cell == 2 and "not_installed_mod" in str(err.value)
    assert small_notebook.read_bytes() == before
    assert not list((small_notebook.parent / "dist").glob("*"))


def test_optional_import_stays_a_warning(small_notebook):
    write_notebook(
        small_notebook,
        make_notebook(
            small_cells(
                c2="import json\nimport yaml\ntry:\n    import not_installed_mod\nexcept ImportError:\n"
                "    not_installed_mod = None"
            ),
            SETTINGS,
        ),
    )
    r = export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)
    assert any("not_installed_mod" in w for w in r.warnings)
    assert "not_installed_mod" not in (r.folder / "requirements.txt").read_text()
    assert parse((r.folder / "requirements.txt").read_text())["pyyaml"] == metadata.version("pyyaml")


def test_credential_like_defaults_and_literals_warn(small_notebook):
    write_notebook(
        small_notebook,
        make_notebook(
            small_cells(
                c1="rows = 5\nlabel = 'x'\napi_token = 'abc123'  # the token",
                c6="key = 'AKIAABCDEFGHIJKLMNOP'\nprint(count)",
            ),
            SETTINGS,
        ),
    )
    r = export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)
    assert any("'api_token'" in w and "credential" in w for w in r.warnings)
    assert any("AWS access key" in w and "step report" in w for w in r.warnings)


def test_skip_cells_and_outputs_never_reach_the_bundle(small_notebook):
    import json

    nb = make_notebook(small_cells(c4="password = 'hunter2-skip'"), SETTINGS)
    nb["cells"][3]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "SECRET-OUTPUT"}]
    nb["cells"][3]["execution_count"] = 4
    write_notebook(small_notebook, nb)
    r = export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)
    for path in r.folder.rglob("*"):
        if path.is_file() and path.suffix != ".whl":
            text = path.read_text()
            assert "hunter2-skip" not in text and "SECRET-OUTPUT" not in text, path
    step = json.loads((r.folder / "steps" / "make.ipynb").read_text())
    assert all(c.get("execution_count") is None for c in step["cells"] if c["cell_type"] == "code")


def test_remote_urls_lose_their_credentials():
    assert clean_url("https://user:ghp_secret@github.com/o/r.git") == "https://github.com/o/r.git"
    assert clean_url("git@github.com:o/r.git") == "git@github.com:o/r.git"


@pytest.fixture
def registered():
    names = []

    def add(name, fn):
        targets.register(name, fn)
        names.append(name)

    yield add
    for name in names:
        targets.unregister(name)


def test_target_generators_write_under_targets_and_are_checksummed(small_notebook, registered):
    def cron(manifest, bundle_dir):
        steps = " ".join(s["name"] for s in manifest["steps"])
        (bundle_dir / "targets" / "cron.txt").write_text(
            f"{manifest['name']} v{manifest['version']}: {steps}\n"
        )

    registered("crontab", cron)
    assert "crontab" in targets.names()
    r = export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)
    assert (r.folder / "targets" / "cron.txt").read_text() == "small v1: make dump report\n"
    assert "crontab" in r.manifest["targets"]
    assert "`targets/cron.txt`" in (r.folder / "README.md").read_text()
    assert "targets/cron.txt" in verify_bundle(r.archive).files


def test_a_target_cannot_write_secrets_or_outside_targets(small_notebook, registered):
    registered("leaky", lambda m, d: (d / "targets" / ".env").write_text("TOKEN=1"))
    with pytest.raises(ExportRefused, match="secrets file"):
        export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)
    targets.unregister("leaky")
    registered("stray", lambda m, d: (d / "stray.txt").write_text("x"))
    with pytest.raises(NotebookOpsError, match="outside targets/: stray.txt"):
        export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)
    assert not (small_notebook.parent / "dist" / "small-v1").exists()


def test_unknown_target_name():
    with pytest.raises(NotebookOpsError, match="unknown deploy target 'nope'"):
        targets.get("nope")


def test_pins_come_from_the_kernels_interpreter_when_it_differs(tmp_path):
    """A kernel in another environment: pins.py runs there (here: an empty venv)."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "k")], check=True)
    other = resolve({"yaml"}, python=str(tmp_path / "k" / "bin" / "python"))
    assert other["pins"] == {"notebook-ops": "0.1.0"} and other["unresolved"] == ["yaml"]
    here = resolve({"yaml"})
    assert "pyyaml" in here["pins"] and here["unresolved"] == []
