"""The package's layout rules (issue 29): names a newcomer can guess, modules one can read.

No two Python files under ``notebook_ops/`` share a name (``__init__.py`` aside): a name says
what a module holds, wherever it is. No module is over 500 lines: a longer one holds more than
one concern and is split along them.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "notebook_ops"
MAX_LINES = 500


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "node_modules" not in p.parts)


def test_package_is_found():
    assert len(_modules()) > 100, f"too few modules under {PACKAGE}: the layout rules check nothing"


def test_no_python_file_name_is_used_twice():
    where: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        if path.name != "__init__.py":
            where[path.name].append(str(path.relative_to(PACKAGE.parent)))
    twice = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert not twice, f"Python file names used more than once (rename one for what it holds): {twice}"


def test_no_module_is_over_500_lines():
    long = {
        str(path.relative_to(PACKAGE.parent)): n
        for path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them along their concerns): {long}"
