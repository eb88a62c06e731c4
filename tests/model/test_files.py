"""What a step needs from the project, read from the code (model/files.py): local modules,
data files, files between steps, and the lint codes file-hidden-state and missing-file."""

from __future__ import annotations

import json

from nbfactory import make_notebook
from notebook_ops.model import load_pipeline


def project(tmp_path, cells, settings=None):
    (tmp_path / ".git").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "tools.py").write_text("from lib2 import helper\n")
    (tmp_path / "lib" / "lib2.py").write_text("import json\nhelper = 1\n")
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    meta = {"notebook_ops": settings} if settings else {}
    path = nbdir / "n.ipynb"
    path.write_text(json.dumps(make_notebook(cells, meta)))
    return load_pipeline(path)


def codes(p):
    return [(x.code, x.cell) for x in p.problems]


def test_literal_paths_through_names_joins_and_paths(tmp_path):
    p = project(
        tmp_path,
        [
            ("import os\nfrom pathlib import Path\nDATA = Path('..') / 'data'", ["setup"]),
            (
                "import pandas as pd\nt = pd.read_csv(DATA / 'a.csv')\n"
                "u = open(os.path.join('..', 'data', 'a.csv')).read()",
                ["step:one"],
            ),
        ],
    )
    assert p.step("one").assets == ("data/a.csv",)
    assert codes(p) == []


def test_sys_path_literal_finds_modules_transitively(tmp_path):
    p = project(
        tmp_path,
        [
            ("import sys\nsys.path.insert(0, '../lib')\nimport tools", ["step:one"]),
        ],
    )
    assert p.step("one").modules == ("lib/lib2.py", "lib/tools.py")
    assert p.project.code_roots == ("lib",)
    assert p.project.imports == ()


def test_file_handed_downstream_and_file_hidden_state(tmp_path):
    p = project(
        tmp_path,
        [
            ("import pandas as pd\npd.DataFrame().to_parquet('out/t.parquet')", ["step:make"]),
            ("t = pd.read_parquet('out/t.parquet')", ["step:use", "after:make"]),
            ("u = pd.read_parquet('out/late.parquet')", ["step:early", "after:make"]),
            ("pd.DataFrame().to_parquet('out/late.parquet')", ["step:late", "after:make"]),
        ],
    )
    assert p.step("make").files_out == ("out/t.parquet",)
    assert p.step("use").files_in == (("out/t.parquet", "make"),)
    bad = [x for x in p.problems if x.code == "file-hidden-state"]
    assert [(x.step, x.cell) for x in bad] == [("early", 2)]
    assert "after:late" in bad[0].hint
    # the author ran the notebook: the file exists, and it is still hidden state
    (tmp_path / "nb" / "out").mkdir()
    (tmp_path / "nb" / "out" / "late.parquet").write_text("x")
    again = load_pipeline(p.path)
    assert [(x.code, x.step) for x in again.problems] == [("file-hidden-state", "early")]
    assert again.step("early").assets == ()


def test_missing_file_is_a_warning_and_external_a_parameter(tmp_path):
    p = project(
        tmp_path,
        [
            (
                "import pandas as pd\nx = pd.read_csv('../data/nope.csv')\n"
                "y = pd.read_csv('../data/big.csv')",
                ["step:one"],
            ),
        ],
        settings={"assets": {"external": {"../data/big.csv": "s3://bucket/big.csv"}}},
    )
    assert [(x.code, x.severity, x.cell) for x in p.problems] == [("missing-file", "warning", 0)]
    param = next(x for x in p.parameters if x.name == "asset_big")
    assert (param.type, param.default) == ("str", "s3://bucket/big.csv")
    assert "asset_big" in p.step("one").parameters_read


def test_outside_paths_are_recorded_for_export(tmp_path):
    (tmp_path.parent / "outside.csv").write_text("x\n")
    p = project(tmp_path, [("import pandas as pd\nx = pd.read_csv('../../outside.csv')", ["step:one"])])
    assert p.project.outside == (("../../outside.csv", 0, "outside the project"),)


def test_separators_and_text_are_not_files(tmp_path):
    # url.rsplit("/", 1) once made export refuse: "reads '/', an absolute path"
    code = (
        "url = 's3://bucket/x.csv'\n"
        "base, name = url.rsplit('/', 1)\n"
        "parts = 'a/b'.split('/')\n"
        "first = 'a/b.csv'.partition('/')[0]\n"
        "print('/'.join(parts), first.strip('/'))"
    )
    p = project(tmp_path, [(code, ["step:one"])])
    assert p.project.outside == ()
    assert "missing-file" not in [c for c, _ in codes(p)]


def test_without_a_path_nothing_is_looked_up():
    from notebook_ops.model import build_pipeline

    p = build_pipeline(make_notebook([("open('x.csv')", ["step:one"])]))
    assert p.project is None and p.problems == ()


def test_a_file_a_step_writes_itself_is_not_its_data(tmp_path):
    (tmp_path / "state.json").write_text("{}")
    p = project(
        tmp_path,
        [
            (
                "import json\nold = json.load(open('../state.json'))\n"
                "json.dump(old, open('../state.json', 'w'))",
                ["step:keep"],
            ),
            ("t = open('../state.json').read()", ["step:after", "after:keep"]),
        ],
    )
    assert p.step("keep").assets == () and p.step("keep").files_out == ("../state.json",)
    assert p.step("after").files_in == (("../state.json", "keep"),)


def test_a_glob_reads_its_folder(tmp_path):
    p = project(
        tmp_path,
        [
            (
                "import glob\nfrom pathlib import Path\n"
                "a = glob.glob('../data/*.csv')\nb = list(Path('../lib').glob('*.py'))",
                ["step:one"],
            )
        ],
    )
    assert p.step("one").assets == ("data", "lib")
