"""The REST API's OpenAPI document (``notebook_ops/model/schema/openapi.json``): current with the
route table and the contracts, a valid OpenAPI 3.1 document, each body its contract's schema."""

from __future__ import annotations

import json

import schemathesis
from schemathesis.core.result import Err

from notebook_ops.model.contracts import generate
from notebook_ops.model.contracts.route_table import OPENAPI_FILE, ROUTES

DOC = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def test_committed_document_is_what_the_generator_writes():
    want = generate.expected()[generate.SCHEMA_DIR / OPENAPI_FILE.name]
    assert OPENAPI_FILE.read_text(encoding="utf-8") == want, (
        "openapi.json is stale: run python -m notebook_ops.model.contracts.generate"
    )


def test_it_is_a_valid_openapi_document():
    schema = schemathesis.openapi.from_dict(DOC)
    schema.validate()  # against the OpenAPI 3.1 meta-schema; raises on the first error
    results = list(schema.get_all_operations())
    errors = [str(r.err()) for r in results if isinstance(r, Err)]
    assert not errors
    assert len(results) == sum(len(route.operations) for route in ROUTES)


def test_a_broken_document_is_caught_by_that_check():
    """The validity check above can fail: a response without its description is refused."""
    import copy

    import jsonschema_rs
    import pytest

    broken = copy.deepcopy(DOC)
    del broken["paths"]["/runs"]["get"]["responses"]["200"]["description"]
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()


def test_every_route_is_documented_with_its_methods():
    assert sorted(DOC["paths"]) == sorted(route.path for route in ROUTES)
    for route in ROUTES:
        assert sorted(DOC["paths"][route.path]) == sorted(route.methods), route.path


def test_request_bodies_are_the_request_contracts():
    """A body's schema is the one the lab's types come from (defaults optional), with its
    references moved under components."""
    create_run = DOC["components"]["schemas"]["CreateRun"]
    on_disk = json.loads((generate.SCHEMA_DIR / "rest-create-run.schema.json").read_text())
    assert create_run["required"] == on_disk["required"] == ["path"]
    assert create_run["properties"] == on_disk["properties"]
    body = DOC["paths"]["/runs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CreateRun"}
    assert "#/$defs/" not in OPENAPI_FILE.read_text(encoding="utf-8")
    for name, schema in DOC["components"]["schemas"].items():
        assert "$id" not in schema and "$defs" not in schema, name


def test_path_segments_match_what_the_server_routes():
    """``{run_id}`` is documented with the regex tornado matches (one definition, api.RUN_ID)."""
    import re

    param = DOC["paths"]["/runs/{run_id}"]["get"]["parameters"][0]
    pattern = param["schema"]["pattern"]
    route = next(r for r in ROUTES if r.path == "/runs/{run_id}")
    assert route.pattern() == "/runs/(" + pattern.strip("^$") + ")"
    assert re.fullmatch(pattern.strip("^$"), "20260101-000000-aaaaaa")
    assert not re.fullmatch(pattern.strip("^$"), "../x")


def test_every_json_reply_has_a_contract():
    """The lab's client is typed from these references: a reply documented as a bare object
    would reach the lab untyped (only this document itself has no contract)."""
    untyped = []
    for path, operations in DOC["paths"].items():
        for method, op in operations.items():
            for status, reply in op["responses"].items():
                schema = reply["content"].get("application/json", {}).get("schema", {})
                if "$ref" not in schema and path != "/openapi.json":
                    untyped.append(f"{method.upper()} {path} {status}")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if body and "$ref" not in body["schema"]:
                untyped.append(f"{method.upper()} {path} body")
    assert not untyped
