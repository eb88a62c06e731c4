"""Helpers for the bundle tests (a unique module name: every test folder has a conftest)."""

from __future__ import annotations

import os
import subprocess

# The environment as the test session started, before fixtures point caches at tmp folders
# (pip in a test venv should use the machine's wheel cache and index settings).
ORIGINAL_ENV = dict(os.environ)


SMALL = [
    ("# Small pipeline\nUsed by the bundle tests.", [], "markdown"),
    ("rows = 5  # how many rows\nlabel = 'demo'  # a label", ["parameters"]),
    ("import json\nimport yaml\n%matplotlib inline", ["setup"]),
    ("data = [{'i': i, 'label': label} for i in range(rows)]", ["step:make"]),
    ("data", ["skip"]),
    ("text = yaml.safe_dump(data)\ncount = len(data)", ["step:dump"]),
    ("print(count, json.dumps(text)[:20])", ["step:report"]),
]
SETTINGS = {
    "notebook_ops": {
        "name": "small",
        "owner": "ops@example.com",
        "objective": "Exercise the bundle writer.",
        "metric_targets": {"count": ">= 1"},
        "steps": {"dump": {"retries": 2, "resources": {"cpu": 1}}},
    }
}


def git(cwd, *args) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def init_repo(path):
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "dev@example.com")
    git(path, "config", "user.name", "Dev")
    git(path, "config", "commit.gpgsign", "false")
    git(path, "config", "tag.gpgsign", "false")


def commit_all(path, message="work") -> str:
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)
    return git(path, "rev-parse", "HEAD")


def small_cells(**changes):
    cells = list(SMALL)
    for index, source in changes.items():
        i = int(index.lstrip("c"))
        cells[i] = (source,) + tuple(cells[i][1:])
    return cells
