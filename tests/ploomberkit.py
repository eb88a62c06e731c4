"""A small Ploomber project on disk, in the shape of Ploomber's ``templates/`` (ml-basic, spec
API): percent-format ``.py`` tasks under ``scripts/``, a notebook task, a function task in
``tasks.py``, a ``grid``, products as dicts with ``nb`` + data, ``env.yaml`` placeholders, and a
stale ``injected-parameters`` cell saved in the notebook."""

from __future__ import annotations

import json
from pathlib import Path

from nbfactory import make_notebook

PIPELINE = """\
meta:
  extract_upstream: true

tasks:
  - source: scripts/get.py
    product:
      nb: '{{root}}/output/get.ipynb'
      data: output/{{data_name}}.csv
    params:
      rows: '{{rows}}'

  - source: tasks.features
    product: output/features.csv

  - source: clean.ipynb
    name: clean
    product:
      nb: output/clean.ipynb
      data: output/clean.csv

  - source: scripts/fit.py
    name: fit-
    product:
      nb: output/fit.ipynb
      model: output/model.txt
    grid:
      scale: [1, 10]
      offset: [0, 5]

  - source: scripts/report.py
    product:
      nb: output/report.ipynb
      txt: output/report.txt
"""

ENV = """\
data_name: raw
rows: 6
"""

GET = """\
# %% tags=["parameters"]
upstream = None
product = None
rows = 3

# %%
import csv

rows = int(rows)
with open(product["data"], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["x", "y"])
    for i in range(rows):
        w.writerow([i, i * i])
"""

TASKS = """\
import csv
from pathlib import Path


def features(product, upstream):
    with open(upstream["get"]["data"]) as f:
        rows = list(csv.DictReader(f))
    Path(product).write_text("x,z\\n" + "".join(f"{r['x']},{int(r['y']) + 1}\\n" for r in rows))
"""

CLEAN = [
    ("upstream = ['features']\nproduct = None", ["parameters"]),
    (
        "upstream = {'stale': 'from an old run'}\nproduct = {'data': '/home/jovyan/onboarding/output/x.csv'}",
        ["injected-parameters"],
    ),
    "import csv\nwith open(upstream['features']) as f:\n"
    "    rows = [r for r in csv.DictReader(f) if int(r['x']) % 2 == 0]",
    "with open(product['data'], 'w') as f:\n"
    "    f.write('x,z\\n' + ''.join(f\"{r['x']},{r['z']}\\n\" for r in rows))",
]

FIT = """\
# %% tags=["parameters"]
upstream = ['clean']
product = None
scale = 1
offset = 0

# %%
import csv

with open(upstream["clean"]["data"]) as f:
    total = sum(int(r["z"]) for r in csv.DictReader(f))
with open(product["model"], "w") as f:
    f.write(str(total * scale + offset))
"""

REPORT = """\
# %% tags=["parameters"]
upstream = ['fit-*']
product = None

# %%
lines = []
for name, prod in sorted(upstream["fit-*"].items()):
    with open(prod["model"]) as f:
        lines.append(f"{name}={f.read()}")
with open(product["txt"], "w") as f:
    f.write("\\n".join(lines) + "\\n")
"""


def ploomber_project(folder: Path) -> Path:
    """Write the project; return its pipeline.yaml."""
    folder = Path(folder)
    (folder / "scripts").mkdir(parents=True, exist_ok=True)
    (folder / "pipeline.yaml").write_text(PIPELINE)
    (folder / "env.yaml").write_text(ENV)
    (folder / "scripts" / "get.py").write_text(GET)
    (folder / "scripts" / "fit.py").write_text(FIT)
    (folder / "scripts" / "report.py").write_text(REPORT)
    (folder / "tasks.py").write_text(TASKS)
    (folder / "clean.ipynb").write_text(json.dumps(make_notebook(CLEAN), indent=1) + "\n")
    return folder / "pipeline.yaml"


def expected_report(rows: int = 6) -> str:
    """What the pipeline computes, by hand: the report Ploomber writes."""
    z = [i * i + 1 for i in range(rows) if i % 2 == 0]
    total = sum(z)
    lines = []
    for n, (scale, offset) in enumerate([(1, 0), (1, 5), (10, 0), (10, 5)]):
        lines.append(f"fit-{n}={total * scale + offset}")
    return "\n".join(sorted(lines)) + "\n"
