"""The commands' help texts, shown as the terminal shows them.

Our click help texts are plain text, written for ``--help``; sphinx-click reads them as
reStructuredText, where ``*.ipynb`` opens an emphasis and `` `inspect` `` is interpreted text.
These handlers escape that markup in the help lines (never in the directive and field lines
sphinx-click itself writes), so every character of the help shows and no help text can break
the build.
"""

from __future__ import annotations

import re

LONE_STAR = re.compile(r"(?<!\*)\*(?!\*)")
SINGLE_TICKS = re.compile(r"(?<!`)`([^`]+)`(?!`)")
OWN_MARKUP = (".. ", ":default:", ":options:")


def plain(line: str) -> str:
    """One help line with its reST markup characters made literal (``**Required**`` kept)."""
    if line.strip().startswith(OWN_MARKUP):
        return line
    line = LONE_STAR.sub(r"\\*", line)
    return SINGLE_TICKS.sub(r"``\1``", line)


def escape_help(app, ctx, lines: list[str]) -> None:
    lines[:] = [plain(line) for line in lines]


def setup(app):
    for event in ("description", "options", "arguments", "epilog"):
        app.connect(f"sphinx-click-process-{event}", escape_help)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
