"""GET /notebook-ops/api/openapi.json: the generated document as this server serves it, behind
Jupyter's authentication; the route table it is generated from is the one the server routes."""

from __future__ import annotations

import json

import pytest
from jupyter_server.utils import url_path_join
from tornado.httpclient import HTTPClientError

from notebook_ops.model.contracts.route_table import OPENAPI_FILE, ROUTES
from notebook_ops.server.handler_base import NotebookOpsHandler
from notebook_ops.server.routes import handlers, route_table


async def test_served_document_is_the_generated_one_under_the_base_url(jp_fetch, jp_base_url):
    reply = await jp_fetch("notebook-ops", "api", "openapi.json")
    assert reply.code == 200
    served = json.loads(reply.body)
    assert served.pop("servers") == [{"url": url_path_join(jp_base_url, "notebook-ops/api")}]
    generated = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    generated.pop("servers")
    assert served == generated  # the scheduler is installed here: every route is served


async def test_document_needs_the_token(jp_fetch):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("notebook-ops", "api", "openapi.json", headers={"Authorization": ""})
    assert err.value.code == 403


async def test_every_documented_route_answers(jp_fetch, notebook_file):
    """Each path of the document reaches its handler (no 404 from the router): GET on the
    routes that have one, with sample segments that match their patterns."""
    samples = {
        "run_id": "20260101-000000-aaaaaa",
        "other_id": "20260101-000000-bbbbbb",
        "step": "load",
        "proof_id": "0" * 12,
        "name": "nightly",
    }
    for route in ROUTES:
        if "get" not in route.methods:
            continue
        path = route.path.format(**samples).strip("/").split("/")
        reply = await jp_fetch(
            "notebook-ops", "api", *[p for p in path if p], params={"path": "two.ipynb"}, raise_error=False
        )
        try:
            body = json.loads(reply.body or b"{}")
        except ValueError:
            body = {}  # the router's 404 page: no handler of ours answered
        # a 404 of ours is an error reply naming what is missing (no run, no schedule)
        assert reply.code != 404 or body.get("error", "").endswith(("NotFound", "NotFoundError")), (
            route.path,
            reply.code,
            reply.body[:200],
        )
        assert reply.code != 405, route.path
    unknown = await jp_fetch("notebook-ops", "api", "nowhere", raise_error=False)
    assert unknown.code == 404 and b"NotFound" not in unknown.body  # what the check above tells apart


async def test_features_and_scheduler_replies_are_their_contracts(jp_fetch, schema_check):
    """The replies the lab's panel starts from (GET /) and its "Host the scheduler" setting
    reads and writes (GET/PUT scheduler), checked against the schemas its types come from."""
    reply = await jp_fetch("notebook-ops", "api")
    features = schema_check("rest-features-response", json.loads(reply.body))
    assert features["features"]["runs"] is True and features["features"]["remote_runs"] is False
    reply = await jp_fetch("notebook-ops", "api", "scheduler")
    state = schema_check("rest-scheduler-state", json.loads(reply.body))
    assert state["hosted"] is False and state["active"] is False
    reply = await jp_fetch(
        "notebook-ops", "api", "scheduler", method="PUT", body=json.dumps({"hosted": False})
    )
    assert schema_check("rest-scheduler-state", json.loads(reply.body))["hosted"] is False
    with pytest.raises(Exception, match=r"must contain \['features'\]"):
        schema_check("rest-features-response", {"version": "1", "mlflow_ui_url": ""})  # the check can fail


def _methods(cls: type) -> set[str]:
    """The HTTP methods ``cls`` answers (those it adds to every notebook-ops handler's)."""
    return {
        m.lower()
        for m in cls.SUPPORTED_METHODS
        if getattr(cls, m.lower()) is not getattr(NotebookOpsHandler, m.lower())
    }


def test_each_handler_answers_exactly_the_methods_the_route_table_lists():
    bound = handlers()
    for route in ROUTES:
        assert _methods(bound[route.name]) == set(route.methods), route.path


def test_route_table_binds_every_route_once():
    routes, features = route_table()
    assert features["schedules"]
    assert [p for p, _ in routes] == [r.pattern() for r in ROUTES]
    assert len({p for p, _ in routes}) == len(routes)
