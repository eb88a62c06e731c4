"""/notebook-ops/api/models against a real MLflow Model Registry (the sqlite store beside the
notebook, filled by two real tracked runs): each version with its lineage, its run's targets
and cost and the gate's verdict; promotion from the lab gated as ``models promote`` is."""

from __future__ import annotations

import json
import shutil

import pytest
from trackingkit import MODEL_CELLS
from nbfactory import sha, write_nb
from tornado.httpclient import HTTPClientError

from notebook_ops.execution import run_notebook

TARGETS = {"notebook_ops": {"metric_targets": {"accuracy": ">= 0.9"}}}


async def call(jp_fetch, method, *parts, params=None, body=None):
    kwargs = {"method": method}
    if params is not None:
        kwargs["params"] = params
    if body is not None:
        kwargs["body"] = json.dumps(body)
    try:
        reply = await jp_fetch("notebook-ops", "api", *parts, **kwargs)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body)
    return reply.code, json.loads(reply.body)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Two tracked runs of one notebook: C=1.0 meets the target (version 1), C=0.001 misses it
    (version 2). Made once; each test gets a copy of the store (the registry is only read and
    re-tagged: the model artifacts stay where they were logged)."""
    root = tmp_path_factory.mktemp("models-route")
    nb = write_nb(root, "churn.ipynb", MODEL_CELLS, TARGETS)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        good = run_notebook(nb, cache=False)
        bad = run_notebook(nb, params={"C": 0.001}, cache=False)
    assert good.status == "succeeded", good.record["error"]
    assert bad.status == "below_target"
    return root, good, bad


@pytest.fixture
def registry(made, jp_root_dir, monkeypatch):
    """The notebook and its store in the server's root."""
    root, good, bad = made
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    shutil.copy(root / "churn.ipynb", jp_root_dir / "churn.ipynb")
    (jp_root_dir / ".notebook_ops").mkdir()
    shutil.copy(root / ".notebook_ops" / "mlflow.db", jp_root_dir / ".notebook_ops" / "mlflow.db")
    return jp_root_dir / "churn.ipynb", good, bad


async def test_each_version_shows_its_lineage_targets_cost_and_verdict(jp_fetch, registry):
    nb, good, bad = registry
    before = sha(nb)
    code, body = await call(jp_fetch, "GET", "models", params={"path": "churn.ipynb", "pipeline": "churn"})
    assert code == 200, body
    assert body["store"] is True
    [model] = body["models"]
    assert model["name"] == "churn-clf" and model["total_versions"] == 2 and model["aliases"] == {}
    v2, v1 = model["versions"]  # newest first
    assert (v1["version"], v2["version"]) == (1, 2)
    assert v1["run_id"] == good.record["run_id"] and v2["run_id"] == bad.record["run_id"]
    assert v1["step"] == "train" and v1["pipeline"] == "churn"
    assert v1["parameters"] == {"C": "1.0"} and v2["parameters"] == {"C": "0.001"}
    assert v1["status"] == "succeeded" and v2["status"] == "below_target"
    assert v1["targets"]["accuracy"].endswith("-> met") and v2["targets"]["accuracy"].endswith("-> missed")
    assert v1["metrics"]["accuracy"] >= 0.9 > v2["metrics"]["accuracy"]
    assert v1["cpu_s"] is not None and v1["cpu_s"] > 0 and v1["duration_s"] > 0
    assert v1["gate"]["passed"] is True
    assert v2["gate"]["passed"] is False
    assert any("accuracy" in r and "missed" in r for r in v2["gate"]["reasons"])
    assert sha(nb) == before  # reading the registry never touches the notebook
    # another pipeline's filter shows nothing; no filter shows the model
    code, body = await call(jp_fetch, "GET", "models", params={"path": "churn.ipynb", "pipeline": "other"})
    assert (code, body["models"]) == (200, [])
    code, body = await call(jp_fetch, "GET", "models", params={"path": "churn.ipynb", "limit": "1"})
    assert [v["version"] for v in body["models"][0]["versions"]] == [2]


async def test_promotion_from_the_lab_is_gated_and_recorded(jp_fetch, registry):
    refused = {"path": "churn.ipynb", "alias": "champion", "version": 2}
    code, body = await call(jp_fetch, "POST", "models", "churn-clf", "promote", body=refused)
    assert code == 200, body
    assert body["promoted"] is False and body["gate"]["passed"] is False
    assert any("missed" in r for r in body["gate"]["reasons"])
    code, listing = await call(jp_fetch, "GET", "models", params={"path": "churn.ipynb"})
    assert listing["models"][0]["aliases"] == {}

    ok = {"path": "churn.ipynb", "alias": "champion", "version": 1, "why": "baseline"}
    code, body = await call(jp_fetch, "POST", "models", "churn-clf", "promote", body=ok)
    assert (code, body["promoted"], body["version"]) == (200, True, 1)
    forced = {"path": "churn.ipynb", "alias": "canary", "version": 2, "force": True}
    code, body = await call(jp_fetch, "POST", "models", "churn-clf", "promote", body=forced)
    assert (code, body["promoted"], body["gate"]["passed"]) == (200, True, False)

    code, listing = await call(jp_fetch, "GET", "models", params={"path": "churn.ipynb"})
    model = listing["models"][0]
    assert model["aliases"] == {"canary": 2, "champion": 1}
    v2, v1 = model["versions"]
    assert v1["aliases"] == ["champion"] and v2["aliases"] == ["canary"]
    [p1] = v1["promotions"]
    assert (p1["alias"], p1["gate"], p1["why"], p1["run_id"]) == (
        "champion",
        "passed",
        "baseline",
        registry[1].record["run_id"],
    )
    assert v2["promotions"][0]["gate"] == "forced"


async def test_without_a_store_or_with_bad_input_the_answers_say_so(jp_fetch, jp_root_dir, nb, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (jp_root_dir / "fresh").mkdir()
    (jp_root_dir / "fresh" / "a.ipynb").write_text(json.dumps(nb([("x = 1", ["step:a"])])))
    code, body = await call(jp_fetch, "GET", "models", params={"path": "fresh/a.ipynb"})
    assert (code, body) == (200, {"models": [], "store": False})
    assert not (jp_root_dir / "fresh" / ".notebook_ops").exists()  # a read creates no store
    code, body = await call(jp_fetch, "GET", "models", params={})
    assert code == 400 and "path" in body["message"]
    code, body = await call(jp_fetch, "GET", "models", params={"path": "../outside.ipynb"})
    assert code in (400, 403, 404) and "Traceback" not in json.dumps(body)
    bad_alias = {"path": "fresh/a.ipynb", "alias": "no spaces"}
    code, body = await call(jp_fetch, "POST", "models", "m", "promote", body=bad_alias)
    assert code == 400 and "alias" in body["message"]
    code, body = await call(jp_fetch, "POST", "models", "m", "promote", body={"path": "fresh/a.ipynb"})
    assert code == 400 and "alias" in body["message"]
    code, body = await call(
        jp_fetch, "POST", "models", "m", "promote", body={"path": "fresh/a.ipynb", "alias": "champion"}
    )
    assert code == 400 and "no MLflow store" in body["message"]


async def test_an_unknown_model_is_a_404_naming_it(jp_fetch, registry):
    body = {"path": "churn.ipynb", "alias": "champion"}
    code, reply = await call(jp_fetch, "POST", "models", "nope", "promote", body=body)
    assert code == 404 and "'nope'" in reply["message"]
