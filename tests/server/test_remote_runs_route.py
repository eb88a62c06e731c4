"""/notebook-ops/api/remote-runs without an Airflow configured, and with bad query values; the
route against a real Airflow is in tests/deploy/test_airflow_live.py."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError


async def call(jp_fetch, params):
    try:
        reply = await jp_fetch("notebook-ops", "api", "remote-runs", method="GET", params=params)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body)
    return reply.code, json.loads(reply.body)


@pytest.fixture(autouse=True)
def no_airflow(monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_AIRFLOW_URL", raising=False)


async def test_without_an_airflow_the_route_says_how_to_configure_one(jp_fetch):
    code, body = await call(jp_fetch, {})
    assert code == 404 and "c.NotebookOps.airflow_url" in body["message"]


async def test_bad_query_values_are_400(jp_fetch, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OPS_AIRFLOW_URL", "http://127.0.0.1:9")
    code, body = await call(jp_fetch, {"dag": "../etc"})
    assert code == 400 and "dag" in body["message"]
    code, body = await call(jp_fetch, {"limit": "many"})
    assert code == 400 and "limit" in body["message"]


async def test_an_unreachable_airflow_is_a_502_naming_it(jp_fetch, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OPS_AIRFLOW_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("NOTEBOOK_OPS_AIRFLOW_TOKEN", "t0ken-value")
    code, body = await call(jp_fetch, {})
    assert code == 502 and "cannot reach Airflow at http://127.0.0.1:9" in body["message"]
    assert "t0ken-value" not in json.dumps(body)
