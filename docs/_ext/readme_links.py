"""README.md's links, checked at each docs build.

README.md is read on GitHub, not built by Sphinx, so Sphinx's own reference checks never see it.
This reads its Markdown links and images and warns (an error under ``-W``) for a relative target
that does not exist in the checkout, or a ``#anchor`` that no heading or ``(label)=`` target of
that Markdown file makes. Web links are not fetched (the build runs without internet).
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def _prose_lines(text: str):
    """(line number, line) outside fenced code blocks."""
    fence = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fence = not fence
            continue
        if not fence:
            yield number, line


def slug(heading: str) -> str:
    """GitHub's (and MyST's default) anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    found: set[str] = set()
    for _, line in _prose_lines(markdown):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            found.add(slug(heading.group(1)))
        target = re.match(r"^\(([^)]+)\)=\s*$", line)
        if target:
            found.add(target.group(1))
    return found


def problems(readme: Path) -> list[tuple[int, str]]:
    """(line, what is wrong) for each broken relative link of ``readme``."""
    text = readme.read_text(encoding="utf-8")
    out = []
    for number, line in _prose_lines(text):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            file = (readme.parent / path).resolve() if path else readme
            if not file.exists():
                out.append((number, f"link to {target}: {path} does not exist"))
            elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
                where = path or readme.name
                out.append((number, f"link to {target}: no heading or target '{anchor}' in {where}"))
    return out


def check(app) -> None:
    readme = Path(app.config.readme_file)
    for number, message in problems(readme):
        logger.warning(message, location=f"{readme}:{number}")


def setup(app):
    app.add_config_value("readme_file", "", "env")
    app.connect("builder-inited", check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
