"""Render docs/widgets-panel.png: the ipywidgets panel for examples/churn.ipynb after a real run.

    .venv/bin/python docs/render_widgets_panel.py

The example is copied into a temporary git repository, the panel runs it (real kernels) with two
values changed in its form, then the widget tree is embedded in an HTML page with ipywidgets'
embed (the @jupyter-widgets/html-manager bundle from npm, no CDN) and screenshot with Debian's
chromium (`apt-get install -y chromium`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "widgets-panel.png"
HTML_MANAGER = "@jupyter-widgets/html-manager@1.0.15"
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>notebook-ops panel</title>
<style>body {{ font-family: "DejaVu Sans", sans-serif; font-size: 13px; margin: 16px; }}
.cell-label {{ color: #616161; font: 12px monospace; margin-bottom: 6px; }}</style></head>
<body><div class="cell-label">[3]: import notebook_ops as nbo; nbo.panel()</div>
{snippet}
</body></html>
"""


def sh(*cmd, cwd=None):
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True)


def embed_js(work: Path) -> Path:
    sh("npm", "pack", "--silent", HTML_MANAGER, cwd=work)
    tgz = next(work.glob("jupyter-widgets-html-manager-*.tgz"))
    sh("tar", "xzf", tgz.name, cwd=work)
    return work / "package" / "dist" / "embed.js"


def main() -> None:
    import ipywidgets.embed

    import notebook_ops as nbo

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo = work / "project"
        repo.mkdir()
        shutil.copy(ROOT / "examples" / "churn.ipynb", repo / "churn.ipynb")
        (repo / ".gitignore").write_text(".notebook_ops/\ndist/\n")
        sh("git", "init", "-q", "-b", "main", cwd=repo)
        sh("git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "add", "-A", cwd=repo)
        sh(
            "git",
            "-c",
            "user.name=Dev",
            "-c",
            "user.email=dev@example.com",
            "commit",
            "-q",
            "-m",
            "example",
            cwd=repo,
        )

        p = nbo.panel(repo / "churn.ipynb", run_options={"jobs": 2}, store=f"sqlite:///{work}/scheduler.db")
        p.form.widgets["epochs"].value = 300
        p.form.widgets["learning_rate"].value = 0.8
        p.run_button.click()
        result = p.wait(900)
        print(f"run {result.run_id}: {result.status}", file=sys.stderr)

        snippet = ipywidgets.embed.embed_snippet(
            [p], embed_url=embed_js(work).as_uri(), requirejs=False, cors=False
        )
        page = work / "panel.html"
        page.write_text(PAGE.format(snippet=snippet.replace(str(repo), "~/project")))
        shot = work / "panel.png"
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--allow-file-access-from-files",
                "--virtual-time-budget=8000",
                "--window-size=1180,1180",
                f"--screenshot={shot}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
        )
        tmp_png = OUT.with_suffix(".png.tmp")
        shutil.copyfile(shot, tmp_png)
        tmp_png.replace(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
