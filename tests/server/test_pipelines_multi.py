"""POST /notebook-ops/api/pipelines for the entry notebook of a pipeline across notebooks,
saved and unsaved (the panel posts what the user is typing): the whole graph, each step with
its notebook (real Jupyter server)."""

from __future__ import annotations

import json

from nbfactory import copy_example

ROUTE = ("notebook-ops", "api", "pipelines")
STEPS = ["ingest", "features_a", "features_b-square", "features_b-total", "fit", "report"]


async def test_entry_notebook_saved_and_unsaved(jp_fetch, jp_root_dir):
    copy_example("multi", jp_root_dir / "multi")
    reply = await jp_fetch(*ROUTE, method="POST", body=json.dumps({"path": "multi/03_train.ipynb"}))
    view = json.loads(reply.body)
    assert [s["name"] for s in view["steps"]] == STEPS and view["problems"] == []
    assert [s["notebook"] for s in view["steps"]][:2] == ["01_ingest.ipynb", "02_features_a.ipynb"]
    assert view["notebooks"] == [  # as the Contents API names them: relative to the root
        "multi/03_train.ipynb",
        "multi/01_ingest.ipynb",
        "multi/02_features_a.ipynb",
        "multi/02_features_b.ipynb",
    ]

    content = json.loads((jp_root_dir / "multi" / "03_train.ipynb").read_text())
    content["cells"][2]["metadata"]["tags"] = ["step:fit", "after:02_features_a"]  # unsaved edit
    reply = await jp_fetch(
        *ROUTE, method="POST", body=json.dumps({"path": "multi/03_train.ipynb", "content": content})
    )
    view = json.loads(reply.body)
    fit = next(s for s in view["steps"] if s["name"] == "fit")
    assert fit["after"] == ["features_a"]
    # 02_features_b is no longer part of the pipeline: total_sq is defined by nothing upstream
    assert len(view["notebooks"]) == 3 and "features_b-total" not in [s["name"] for s in view["steps"]]
    assert [(p["code"], p["step"]) for p in view["problems"]] == [("undefined-name", "fit")]
    assert "'total_sq'" in view["problems"][0]["message"]
