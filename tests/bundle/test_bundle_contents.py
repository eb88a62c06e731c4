"""Everything the code needs goes into the bundle (issue 23, part 2): requirements from every
notebook of the pipeline, pip lines read as pip reads them, ``%load_ext`` modules, ``%run``
targets, the folders the code writes into, what the latest run observed. Real git projects."""

from __future__ import annotations

import json
import shutil
from importlib import metadata

import pytest
import yaml

from bundlekit import commit_all, init_repo
from elyrakit import elyra_file, node, write_nb
from nbfactory import EXAMPLES, make_notebook, write_notebook
from notebook_ops.bundle import export_notebook, verify_bundle
from notebook_ops.bundle.requirements import parse as parse_requirements
from notebook_ops.model import load_pipeline
from notebook_ops.execution.observations import step_code_sha256

pytestmark = pytest.mark.slow  # exports pin from the environment and build the wheel


def _export(path, tmp_path, **kw):
    return export_notebook(path, out_dir=tmp_path / "dist", track=False, **kw)


def _pins(r) -> dict:
    """The distributions the code needs directly (requirements.txt's first part)."""
    text = (r.folder / "requirements.txt").read_text()
    direct = text.split("# needed by the above")[0]
    assert parse_requirements(text)  # the whole file reads
    return parse_requirements(direct)


def _ver(dist: str) -> str:
    return metadata.version(dist)


@pytest.fixture
def multi(tmp_path):
    """examples/multi in a git repository, the ingest notebook (not the entry) using pandas."""
    folder = tmp_path / "multi"
    shutil.copytree(EXAMPLES / "multi", folder)
    ingest = folder / "01_ingest.ipynb"
    nb = json.loads(ingest.read_text())
    nb["cells"][2]["source"] = (
        "import pandas as pd\nrows = pd.Series([(i % 7) + 0.5 * i for i in range(n_rows)]).tolist()\n"
        "print(len(rows), 'rows')"
    )
    ingest.write_text(json.dumps(nb, indent=1))
    init_repo(folder)
    (folder / ".gitignore").write_text("dist/\n.notebook_ops/\n")
    commit_all(folder, "multi")
    return folder


def test_requirements_come_from_every_notebook_of_the_pipeline(multi, tmp_path):
    for entry in ("03_train.ipynb", "pipeline.yaml"):  # after:NOTEBOOK tags, a pipeline file
        r = _export(multi / entry, tmp_path / entry)
        pins = _pins(r)
        assert pins["pandas"] == _ver("pandas") and pins["pyarrow"] == _ver("pyarrow"), entry
        assert f"pandas=={_ver('pandas')}" in r.manifest["requirements"]


def test_requirements_of_elyra_notebook_and_script_nodes(tmp_path):
    (tmp_path / "prep.py").write_text("import yaml\nconfig = yaml.safe_load('a: 1')\n")
    write_nb(tmp_path, "train.ipynb", [("import pandas as pd\nframe = pd.DataFrame({'a': [1]})", [])])
    flow = elyra_file(tmp_path, [node("p", "prep.py"), node("t", "train.ipynb", parents=["p"])])
    init_repo(tmp_path)
    (tmp_path / ".gitignore").write_text("dist/\n")
    commit_all(tmp_path)
    pins = _pins(_export(flow, tmp_path))
    assert pins["pyyaml"] == _ver("PyYAML") and pins["pandas"] == _ver("pandas")


def test_extras_asked_for_are_pinned_with_what_they_need():
    from notebook_ops.bundle.requirements import resolve

    plain = resolve([], dists=["dask"])
    extra = resolve([], dists=["Dask[distributed]"])
    assert "dask" in plain["direct"] and "distributed" not in plain["pins"]
    assert "dask" in extra["direct"] and extra["pins"]["distributed"] == _ver("distributed")
    assert not extra["unresolved"]


def _project(tmp_path, cells, files=None):
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    init_repo(root)
    (root / ".gitignore").write_text("dist/\n.notebook_ops/\n")
    for rel, text in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    nb = write_notebook(root / "notebooks" / "n.ipynb", make_notebook(cells, {"notebook_ops": {"name": "n"}}))
    commit_all(root, "project")
    return nb


def test_pip_lines_and_extensions_are_pinned(tmp_path):
    nb = _project(
        tmp_path,
        [
            ("!pip install -q sklearn > /dev/null 2>&1\n%load_ext dotenv", ["setup"]),
            ("!pip install -e ../lib\nx = 1", ["step:a"]),
        ],
    )
    r = _export(nb, tmp_path)
    pins = _pins(r)
    assert pins["scikit-learn"] == _ver("scikit-learn")  # PyPI's deprecated name read right
    assert pins["python-dotenv"] == _ver("python-dotenv")  # the module %load_ext loads
    assert not any(k in pins for k in ("sklearn", ">", "/dev/null", "2>&1"))
    assert any("../lib" in w and "not pinned" in w for w in r.warnings)
    assert not any("sklearn" in w for w in r.warnings)


def test_run_targets_and_written_folders_are_in_the_bundle(tmp_path):
    nb = _project(
        tmp_path,
        [
            ("%run -i prep.py\nimport sqlite3", ["setup"]),
            (
                "con = sqlite3.connect('logs/logs.db')\ncon.execute('create table t (x)')\n"
                "open('../processed/n.txt', 'w').write(str(n))",
                ["step:a"],
            ),
        ],
        files={"notebooks/prep.py": "import yaml\nn = 3\n"},
    )
    r = _export(nb, tmp_path)
    assert "code/notebooks/prep.py" in verify_bundle(r.folder).files
    files = yaml.safe_load((r.folder / "pipeline.yaml").read_text())["files"]
    assert files["dirs"] == ["notebooks/logs", "processed"]
    assert [f["path"] for f in files["code"]] == ["notebooks/prep.py"]
    assert _pins(r)["pyyaml"] == _ver("PyYAML")  # imported by the %run target
    from notebook_ops.bundle.load import open_bundle, pipeline_from_manifest, read_step_notebooks

    bundle = open_bundle(r.folder)
    loaded = pipeline_from_manifest(bundle.manifest, read_step_notebooks(bundle))
    assert loaded.project.dirs == ("notebooks/logs", "processed")  # for runs on a cluster too


def test_steps_never_observed_are_named_in_one_warning(tmp_path):
    nb = _project(tmp_path, [("a = 1", ["step:one"]), ("b = a", ["step:two"])])
    r = _export(nb, tmp_path)
    said = [w for w in r.warnings if "static analysis only" in w]
    assert len(said) == 1 and "one, two" in said[0] and "run once so export can observe" in said[0]


def test_what_the_latest_run_observed_is_pinned_and_created(tmp_path):
    """Needs the observation reader (``execution.observations.latest_observation``, issue 23 part 1):
    fails until that work is merged."""
    nb = _project(tmp_path, [("import json\nx = 1", ["step:one"]), ("y = x", ["step:two"])])
    p = load_pipeline(nb)
    run = nb.parent / ".notebook_ops" / "runs" / "20260101-000000-obs"
    run.mkdir(parents=True)
    observed = {
        "one": {
            "code_sha256": step_code_sha256(p, "one"),
            "modules": ["json", "yaml"],
            "distributions": {"PyYAML": _ver("PyYAML")},
            "dirs": ["notebooks/cache/parts"],
        },
        "two": {"code_sha256": step_code_sha256(p, "two"), "modules": ["rich"], "dirs": []},
    }
    record = {
        "run_id": run.name,
        "status": "succeeded",
        "pipeline": "n",
        "source": str(nb),
        "mode": "pipeline",
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:00:05Z",
        "steps": {n: {"status": "succeeded", "attempts": 1, "observed": o} for n, o in observed.items()},
    }
    (run / "run.json").write_text(json.dumps(record))
    r = _export(nb, tmp_path, allow_dirty=True)
    pins = _pins(r)
    assert pins["pyyaml"] == _ver("PyYAML") and pins["rich"] == _ver("rich")
    assert yaml.safe_load((r.folder / "pipeline.yaml").read_text())["files"]["dirs"] == [
        "notebooks/cache/parts"
    ]
    assert not [w for w in r.warnings if "static analysis only" in w]
