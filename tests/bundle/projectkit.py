"""A small real project (git, ``src/pkg``, a module beside the notebook, CSVs in ``data/``) whose
notebook hands a file from one step to the next: what issue 14's bundles must carry."""

from __future__ import annotations

from pathlib import Path

from bundlekit import commit_all, init_repo
from nbfactory import make_notebook, write_notebook

PKG_INIT = "from .features import double\n"
PKG_FEATURES = "from .util import scale\n\n\ndef double(values):\n    return scale(values, 2)\n"
PKG_UTIL = "def scale(values, k):\n    return [v * k for v in values]\n"
HELPERS = (
    "import csv\n\n\ndef read_rows(path):\n    with open(path) as f:\n"
    "        return [int(r['x']) for r in csv.DictReader(f)]\n"
)

CELLS = [
    ("factor = 1  # multiplies the total", ["parameters"]),
    (
        "import os\nimport sys\nsys.path.insert(0, '../src')\n%load_ext autoreload\n%autoreload 2\n"
        "from helpers import read_rows\nfrom pkg import double",
        ["setup"],
    ),
    (
        "rows = read_rows('../data/train.csv')\nos.makedirs('work', exist_ok=True)\n"
        "with open('work/doubled.txt', 'w') as f:\n    f.write(','.join(map(str, double(rows))))",
        ["step:load"],
    ),
    (
        "import notebook_ops as nbo\nwith open('work/doubled.txt') as f:\n"
        "    total = sum(int(v) for v in f.read().split(',')) * factor\n"
        "extra = len(open('../data/extra.csv').read().splitlines())\n"
        "nbo.log_metric('total', total)\nprint('total', total, extra)",
        ["step:report", "after:load"],
    ),
]


def make_project(root: Path, cells=None, settings=None, commit=True) -> Path:
    """The project at ``root`` (a git repository); returns the notebook's path."""
    root.mkdir(parents=True, exist_ok=True)
    init_repo(root)
    (root / ".gitignore").write_text("dist/\n.notebook_ops/\nwork/\n")
    pkg = root / "src" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(PKG_INIT)
    (pkg / "features.py").write_text(PKG_FEATURES)
    (pkg / "util.py").write_text(PKG_UTIL)
    (pkg / "unused.py").write_text("raise RuntimeError('never imported')\n")
    (root / "data").mkdir()
    (root / "data" / "train.csv").write_text("x\n1\n2\n3\n")
    (root / "data" / "extra.csv").write_text("a\nb\n")
    nbdir = root / "notebooks"
    nbdir.mkdir()
    (nbdir / "helpers.py").write_text(HELPERS)
    meta = {"notebook_ops": {"name": "proj", **(settings or {})}}
    nb = write_notebook(nbdir / "analysis.ipynb", make_notebook(cells or CELLS, meta))
    if commit:
        commit_all(root, "project")
    return nb


def make_editable_project(tmp: Path) -> tuple[Path, Path]:
    """A package ``mypkg`` (src layout) "installed" in editable mode the way pip records it
    (a dist-info with ``direct_url.json`` marking it editable, found through ``site``), and a
    notebook importing it. Returns (notebook, site folder): the site folder and ``src`` go on
    sys.path and PYTHONPATH, as the editable finder would put them."""
    root = tmp / "editable"
    root.mkdir(parents=True)
    init_repo(root)
    (root / ".gitignore").write_text("dist/\n.notebook_ops/\n")
    pkg = root / "src" / "mypkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .core import answer\n")
    (pkg / "core.py").write_text("def answer():\n    return 42\n")
    (pkg / "words.txt").write_text("package data\n")
    site = tmp / "site"
    info = site / "mypkg-0.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mypkg\nVersion: 0.3\n")
    (info / "direct_url.json").write_text('{"url": "%s", "dir_info": {"editable": true}}' % root.as_uri())
    (info / "RECORD").write_text("_mypkg.pth,,\nmypkg-0.3.dist-info/METADATA,,\n")
    (info / "INSTALLER").write_text("pip\n")
    nb = write_notebook(
        root / "uses_pkg.ipynb",
        make_notebook(
            [
                (
                    "import mypkg\nimport notebook_ops as nbo\nnbo.log_metric('answer', mypkg.answer())",
                    ["step:main"],
                )
            ],
            {"notebook_ops": {"name": "uses-pkg"}},
        ),
    )
    commit_all(root, "editable project")
    return nb, site
