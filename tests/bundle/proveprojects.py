"""Projects written as data scientists write them, for the proof tests (issue 23's done-when).

Each ``make_*`` writes real files into a fresh git repository at ``root`` and returns the notebook
to run and export (the entry notebook of a chain). Small on purpose: seconds of compute.
"""

from __future__ import annotations

from pathlib import Path

from bundlekit import commit_all, init_repo
from nbfactory import make_notebook, write_notebook

GITIGNORE = "dist/\n.notebook_ops/\n"


def _repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    init_repo(root)
    (root / ".gitignore").write_text(GITIGNORE)
    return root


def _nb(path: Path, cells, name: str | None = None) -> Path:
    meta = {"notebook_ops": {"name": name}} if name else {}
    return write_notebook(path, make_notebook(cells, meta))


def make_pandas_chain(root: Path) -> Path:
    """Three notebooks chained with ``after:NOTEBOOK``, pandas in each, values handed by name."""
    _repo(root)
    _nb(
        root / "0-load.ipynb",
        [
            ("rows = 40  # how many rows", ["parameters"]),
            "import pandas as pd\n"
            "raw = pd.DataFrame({'x': range(rows), 'y': [v * 0.5 for v in range(rows)]})",
        ],
    )
    _nb(
        root / "1-clean.ipynb",
        [
            ("import pandas as pd\nclean = raw[raw.x % 3 != 0].reset_index(drop=True)", ["after:0-load"]),
        ],
    )
    entry = _nb(
        root / "2-report.ipynb",
        [
            (
                "import pandas as pd\nimport notebook_ops as nbo\nsummary = clean.describe()\n"
                "nbo.log_metric('mean_y', float(clean.y.mean()))\nnbo.log_metric('n', int(len(clean)))",
                ["after:1-clean"],
            ),
        ],
        name="chain",
    )
    commit_all(root, "chain")
    return entry


HELPERS = (
    "import pandas as pd\n\n\ndef add_features(df):\n"
    "    out = df.copy()\n    out['hour'] = out['ts'] % 24\n    out['slow'] = (out['ms'] > 150).astype(int)\n"
    "    return out\n"
)


def make_sqlite_six(root: Path) -> Path:
    """Six numbered notebooks (``0-simulate`` .. ``5-report``) handing data through a SQLite
    database (``logs/logs.db``) and CSVs, with a local helper package under ``src/``."""
    _repo(root)
    (root / "src" / "helpers").mkdir(parents=True)
    (root / "src" / "helpers" / "__init__.py").write_text(HELPERS)
    books = [
        (
            "0-simulate",
            None,
            "import os\nimport sqlite3\nimport numpy as np\nimport pandas as pd\n"
            "rng = np.random.default_rng(3)\nlogs = pd.DataFrame({'ts': np.arange(200), "
            "'ms': rng.integers(20, 300, 200)})\nos.makedirs('logs', exist_ok=True)\n"
            "con = sqlite3.connect('logs/logs.db')\nlogs.to_sql('requests', con, if_exists='replace', "
            "index=False)\ncon.close()",
        ),
        (
            "1-ingest",
            "0-simulate",
            "import os\nimport sqlite3\nimport pandas as pd\ncon = sqlite3.connect('logs/logs.db')\n"
            "df = pd.read_sql('SELECT * FROM requests', con)\ncon.close()\n"
            "os.makedirs('interim', exist_ok=True)\ndf.to_csv('interim/requests.csv', index=False)",
        ),
        (
            "2-features",
            "1-ingest",
            "import sys\nsys.path.insert(0, 'src')\nimport pandas as pd\nfrom helpers import add_features\n"
            "feats = add_features(pd.read_csv('interim/requests.csv'))\n"
            "feats.to_csv('interim/features.csv', index=False)",
        ),
        (
            "3-train",
            "2-features",
            "import numpy as np\nimport pandas as pd\nf = pd.read_csv('interim/features.csv')\n"
            "X = np.c_[np.ones(len(f)), f['hour'].to_numpy()]\n"
            "coef = np.linalg.lstsq(X, f['ms'].to_numpy(), rcond=None)[0]",
        ),
        (
            "4-evaluate",
            "3-train",
            "import numpy as np\nimport pandas as pd\nf = pd.read_csv('interim/features.csv')\n"
            "pred = np.c_[np.ones(len(f)), f['hour'].to_numpy()] @ coef\n"
            "mae = float(np.abs(pred - f['ms'].to_numpy()).mean())",
        ),
        (
            "5-report",
            "4-evaluate",
            "import notebook_ops as nbo\nnbo.log_metric('mae', mae)\nprint(f'mae {mae:.2f}')",
        ),
    ]
    entry = None
    for name, after, code in books:
        tags = [f"after:{after}"] if after else []
        entry = _nb(root / f"{name}.ipynb", [(code, tags)], name="logs" if name == "5-report" else None)
    commit_all(root, "six notebooks")
    assert entry is not None
    return entry


def make_percent_run(root: Path) -> Path:
    """A notebook composed with ``%run 1_data_split.ipynb`` (as IPython runs it)."""
    _repo(root)
    _nb(
        root / "1_data_split.ipynb",
        [
            "import numpy as np\nvalues = np.arange(30, dtype=float)\ntrain, test = values[:20], values[20:]",
        ],
    )
    entry = _nb(
        root / "2_model.ipynb",
        [
            ("%run 1_data_split.ipynb", ["step:split"]),
            (
                "import notebook_ops as nbo\nslope = float(train.mean() / 10)\n"
                "nbo.log_metric('test_score', float((test * slope).sum()))",
                ["step:fit"],
            ),
        ],
        name="percent-run",
    )
    commit_all(root, "percent run")
    return entry


def make_xgboost_dmatrix(root: Path) -> Path:
    """One step builds an xgboost ``DMatrix`` that the next step trains on."""
    _repo(root)
    entry = _nb(
        root / "boost.ipynb",
        [
            (
                "import numpy as np\nimport xgboost as xgb\nrng = np.random.default_rng(0)\n"
                "X = rng.normal(size=(120, 3))\ny = (X[:, 0] + X[:, 1] > 0).astype(int)\n"
                "dtrain = xgb.DMatrix(X, label=y)",
                ["step:data"],
            ),
            (
                "import notebook_ops as nbo\nbooster = xgb.train({'objective': 'binary:logistic', "
                "'seed': 0, 'nthread': 1}, dtrain, num_boost_round=5)\n"
                "acc = float(((booster.predict(dtrain) > 0.5) == dtrain.get_label()).mean())\n"
                "nbo.log_metric('train_accuracy', acc)",
                ["step:train"],
            ),
        ],
        name="boost",
    )
    commit_all(root, "xgboost")
    return entry


def make_pip_line(root: Path) -> Path:
    """A ``!pip install pandas > /dev/null 2>&1`` line, as notebooks copied from Colab have."""
    _repo(root)
    entry = _nb(
        root / "piped.ipynb",
        [
            ("!pip install pandas > /dev/null 2>&1", ["setup"]),
            ("import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3]})", ["step:make"]),
            ("import notebook_ops as nbo\nnbo.log_metric('total', int(df.a.sum()))", ["step:total"]),
        ],
        name="piped",
    )
    commit_all(root, "pip line")
    return entry


def make_data_url_param(root: Path) -> Path:
    """A parameter named ``data_url`` (Argo's workflow argument of the same name)."""
    _repo(root)
    entry = _nb(
        root / "fetch.ipynb",
        [
            ("data_url = 'https://example.com/sales.csv'  # where the sales live", ["parameters"]),
            ("size = len(data_url)", ["step:parse"]),
            ("import notebook_ops as nbo\nnbo.log_metric('name_length', size)", ["step:report"]),
        ],
        name="fetch",
    )
    commit_all(root, "data_url")
    return entry


def make_gpu_limits(root: Path) -> Path:
    """Kale's ``limit:nvidia.com/gpu:2`` on a step (the code itself runs on a CPU here)."""
    _repo(root)
    entry = _nb(
        root / "gpu.ipynb",
        [
            ("epochs = 3", ["pipeline-parameters"]),
            ("import math", ["imports"]),
            (
                "weights = [math.sqrt(i) for i in range(epochs * 10)]",
                ["block:train", "limit:nvidia.com/gpu:2"],
            ),
            (
                "import notebook_ops as nbo\nnbo.log_metric('weight_sum', sum(weights))",
                ["block:report", "prev:train"],
            ),
        ],
        name="gpu",
    )
    commit_all(root, "gpu limits")
    return entry


def make_unseeded(root: Path) -> Path:
    """A step drawing random numbers without a seed: differs from run to run."""
    _repo(root)
    entry = _nb(
        root / "noisy.ipynb",
        [
            ("import numpy as np\nnoise = np.random.rand(5)", ["step:draw"]),
            ("import notebook_ops as nbo\nnbo.log_metric('noise_sum', float(noise.sum()))", ["step:report"]),
        ],
        name="noisy",
    )
    commit_all(root, "unseeded")
    return entry
