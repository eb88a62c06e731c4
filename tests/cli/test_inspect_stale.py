"""``notebook-ops inspect NOTEBOOK --stale``: what a run now would run again, as a user reads it."""

from __future__ import annotations

import json

from clikit import run_cli
from nbfactory import sha, write_nb

CELLS = [
    ("n = 3  # how many", ["parameters"]),
    ("xs = list(range(n))", ["step:make"]),
    ("total = sum(xs)", ["step:add"]),
]


def test_inspect_stale_before_and_after_a_run(tmp_path):
    nb = write_nb(tmp_path, "small.ipynb", CELLS)
    before = run_cli("inspect", nb, "--stale", check=True)
    assert "2 of 2 steps would run: make, add" in before.stdout
    assert "never run" in before.stdout

    run_cli("run", nb, "--no-track", cwd=tmp_path, check=True)
    after = run_cli("inspect", nb, "--stale", check=True)
    assert "every step is fresh" in after.stdout
    assert after.stdout.count("reused from run") == 2

    given = run_cli("inspect", nb, "--stale", "-p", "n=4", "--json", check=True)
    data = json.loads(given.stdout)
    assert data["stale"] == ["make", "add"]
    assert data["steps"][0]["details"] == ["parameter n"]
    assert data["steps"][1]["upstream"] == ["make"]


def test_bad_input_is_one_line_and_leaves_the_notebook(tmp_path):
    nb = write_nb(tmp_path, "small.ipynb", CELLS)
    digest = sha(nb)
    r = run_cli("inspect", nb, "--stale", "-p", "nope=1")
    assert r.returncode == 2 and "unknown parameter 'nope'" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) <= 2
    r = run_cli("inspect", nb, "-p", "n=1")
    assert r.returncode == 2 and "--stale" in r.stderr
    assert sha(nb) == digest
