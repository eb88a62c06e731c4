"""Sphinx configuration of the notebook-ops documentation site (`make docs`).

Pages are MyST Markdown. The CLI reference is rendered from the click commands (sphinx-click),
the REST reference from the OpenAPI document the server serves (docs/_ext/openapi_page.py), and
README.md's links are checked at each build (docs/_ext/readme_links.py), so a moved page or a
renamed heading fails the build instead of leaving a dead link.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout being built, not whatever notebook-ops the venv has installed.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

project = "notebook-ops"
author = "the notebook-ops authors"
copyright = "the notebook-ops authors"  # noqa: A001 (Sphinx's name)

extensions = [
    "myst_parser",
    "sphinx_click",
    "click_help",
    "openapi_page",
    "readme_links",
    "schema_fields",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "**/.ipynb_checkpoints"]

# `## Heading` anchors for links like [Observed](bundle-contents.md#observed), as GitHub makes them.
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence", "deflist"]

nitpicky = True
# Help texts and outputs are shown as typed: `--trigger` stays two hyphens.
smartquotes = False
suppress_warnings: list[str] = []

html_theme = "pydata_sphinx_theme"
html_title = "notebook-ops"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "navbar_align": "left",
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": [],
    "footer_end": [],
}
html_sidebars = {"index": []}
html_show_sourcelink = False

# docs/_ext/openapi_page.py: the document to render, and the page it becomes.
openapi_document = str(ROOT / "notebook_ops" / "model" / "schema" / "openapi.json")
openapi_page = "reference/rest-api.md"
# docs/_ext/readme_links.py
readme_file = str(ROOT / "README.md")
