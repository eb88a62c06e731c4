"""A folder of numbered notebooks as data scientists keep them: chained through CSVs and a SQLite
file, a local helper module, a notebook ``%run`` by another, a settings notebook whose number
is higher than the notebook that reads what it writes, a checkpoint and a hidden notebook."""

from __future__ import annotations

import json
from pathlib import Path

from nbfactory import make_notebook

HELPERS = """\
def square_rows(n):
    return [(i, i * i) for i in range(n)]
"""

NOTEBOOKS = {
    "0-simulate.ipynb": [
        "import csv\nimport os\nfrom helpers import square_rows\nos.makedirs('data', exist_ok=True)",
        "with open('data/raw.csv', 'w', newline='') as f:\n"
        "    w = csv.writer(f)\n    w.writerow(['x', 'y'])\n    w.writerows(square_rows(6))",
    ],
    "5-settings.ipynb": [
        "import json\nwith open('settings.json', 'w') as f:\n    json.dump({'factor': 3}, f)"
    ],
    "1-load.ipynb": [
        "import csv, json, sqlite3\nwith open('settings.json') as f:\n    factor = json.load(f)['factor']",
        "with open('data/raw.csv') as f:\n"
        "    rows = [(int(r['x']), int(r['y']) * factor) for r in csv.DictReader(f)]",
        "con = sqlite3.connect('data/store.db')\ncon.execute('drop table if exists pts')\n"
        "con.execute('create table pts (x int, y int)')\n"
        "con.executemany('insert into pts values (?, ?)', rows)\n"
        "con.commit()\ncon.close()",
    ],
    "2-eda.ipynb": [
        "import sqlite3\ncon = sqlite3.connect('data/store.db')\n"
        "total = con.execute('select sum(y) from pts').fetchone()[0]\ncon.close()",
        "with open('summary.csv', 'w') as f:\n    f.write(f'total\\n{total}\\n')",
    ],
    "common.ipynb": ["def shout(text):\n    return text.upper() + '!'"],
    "10-report.ipynb": [
        "%run common.ipynb",
        "with open('summary.csv') as f:\n    total = f.read().split()[1]",
        "with open('report.txt', 'w') as f:\n    f.write(shout(f'total {total}'))\n"
        "print(shout(f'total {total}'))",
    ],
}


def numbered_folder(folder: Path) -> Path:
    folder = Path(folder)
    (folder / ".ipynb_checkpoints").mkdir(parents=True, exist_ok=True)
    (folder / "helpers.py").write_text(HELPERS)
    for name, cells in NOTEBOOKS.items():
        (folder / name).write_text(json.dumps(make_notebook(cells), indent=1) + "\n")
    broken = make_notebook(["raise SystemExit('never run')"])
    (folder / ".ipynb_checkpoints" / "1-load-checkpoint.ipynb").write_text(json.dumps(broken))
    (folder / ".scratch.ipynb").write_text(json.dumps(broken))
    return folder


def expected_report() -> str:
    return f"TOTAL {sum(i * i for i in range(6)) * 3}!"


# Three numbered notebooks, no tags, chained through CSV files (the lab's "Run Folder as a
# Pipeline" journey): 1-make writes numbers.csv, 2-double reads it and writes doubled.csv,
# 3-report reads that and writes report.txt.
CSV_CHAIN = {
    "1-make.ipynb": [
        "import csv\nwith open('numbers.csv', 'w', newline='') as f:\n"
        "    w = csv.writer(f)\n    w.writerow(['n'])\n    w.writerows([[i] for i in range(1, 6)])"
    ],
    "2-double.ipynb": [
        "import csv\nwith open('numbers.csv') as f:\n"
        "    doubled = [2 * int(r['n']) for r in csv.DictReader(f)]",
        "with open('doubled.csv', 'w', newline='') as f:\n"
        "    w = csv.writer(f)\n    w.writerow(['n'])\n    w.writerows([[d] for d in doubled])",
    ],
    "3-report.ipynb": [
        "import csv\nwith open('doubled.csv') as f:\n    total = sum(int(r['n']) for r in csv.DictReader(f))",
        "with open('report.txt', 'w') as f:\n    f.write(f'total {total}')\nprint('total', total)",
    ],
}
CSV_CHAIN_TOTAL = 2 * sum(range(1, 6))


def csv_chain(folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, cells in CSV_CHAIN.items():
        (folder / name).write_text(json.dumps(make_notebook(cells), indent=1) + "\n")
    return folder
