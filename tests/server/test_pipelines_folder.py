"""POST /notebook-ops/api/pipelines for a folder of notebooks: the pipeline its notebooks make,
in the order inferred from what they hand each other (real Jupyter server)."""

from __future__ import annotations

import json

from folderkit import numbered_folder

ROUTE = ("notebook-ops", "api", "pipelines")


async def test_a_folder_is_a_pipeline(jp_fetch, jp_root_dir):
    numbered_folder(jp_root_dir / "analysis")
    reply = await jp_fetch(*ROUTE, method="POST", body=json.dumps({"path": "analysis"}))
    view = json.loads(reply.body)
    assert [s["name"] for s in view["steps"]] == ["simulate", "settings", "load", "eda", "report"]
    assert view["problems"] == []
    assert view["notebooks"] == [
        "analysis/0-simulate.ipynb",
        "analysis/5-settings.ipynb",
        "analysis/1-load.ipynb",
        "analysis/2-eda.ipynb",
        "analysis/10-report.ipynb",
    ]
