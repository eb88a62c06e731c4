"""An OpenAPI 3.1 document of the REST API, built from the contracts' JSON Schemas
(``notebook_ops/model/schema/*.schema.json``, written by ``model.contracts.generate``), for
fuzzing the live server with schemathesis. Request bodies are the request contracts; every
route's path and query parameters are listed as the handlers read them."""

from __future__ import annotations

import json

from notebook_ops.model.contracts.generate import SCHEMA_DIR

PREFIX = "/notebook-ops/api"


def _schema(name: str, components: dict) -> dict:
    """The contract ``name`` as a ``$ref`` into ``components`` (its ``$defs`` moved there)."""
    doc = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
    text = json.dumps(doc).replace('"#/$defs/', '"#/components/schemas/')
    doc = json.loads(text)
    for key, sub in doc.pop("$defs", {}).items():
        components[key] = sub
    doc.pop("$schema", None)
    doc.pop("$id", None)
    title = doc.get("title") or name
    components[title] = doc
    return {"$ref": f"#/components/schemas/{title}"}


def _query(name: str, required: bool = False, known: tuple = ()) -> dict:
    """A query parameter: any string, or only the ``known`` values (ones that reach past the
    lookups, and bad ones of our choosing: random text never names a file that exists)."""
    schema: dict = {"type": "string"}
    if known:
        schema = {"enum": list(known)}
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _path(name: str, known: tuple = ()) -> dict:
    schema: dict = {"type": "string"}
    if known:
        schema = {"enum": list(known)}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _body(ref: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref}}}


ANY = {"description": "a reply (JSON)"}


def document(known_paths: tuple = (), known_runs: tuple = ()) -> dict:
    """``known_paths``: notebooks in the server root, ``known_runs``: their run ids (so the
    fuzzer reaches past the lookups)."""
    components: dict = {}
    inspect = _schema("rest-inspect-pipeline", components)
    create_run = _schema("rest-create-run", components)
    create_export = _schema("rest-create-export", components)
    create_schedule = _schema("rest-create-schedule", components)
    update_schedule = _schema("rest-update-schedule", components)
    path_q = _query("path", known=(*known_paths, "nowhere.ipynb", "../two.ipynb", "/etc/passwd", ""))
    responses = {"default": ANY}
    paths = {
        f"{PREFIX}/pipelines": {"post": {"requestBody": _body(inspect), "responses": responses}},
        f"{PREFIX}/runs": {
            "get": {
                "parameters": [path_q, _query("limit", known=("5", "abc", "-1", "1e3"))],
                "responses": responses,
            },
            "post": {"requestBody": _body(create_run), "responses": responses},
        },
        f"{PREFIX}/runs/{{run_id}}": {
            "get": {"parameters": [_path("run_id", known_runs), path_q], "responses": responses},
            "delete": {"parameters": [_path("run_id", known_runs), path_q], "responses": responses},
        },
        f"{PREFIX}/runs/{{run_id}}/steps/{{step}}": {
            "get": {
                "parameters": [_path("run_id", known_runs), _path("step"), path_q, _query("format")],
                "responses": responses,
            }
        },
        f"{PREFIX}/exports": {"post": {"requestBody": _body(create_export), "responses": responses}},
        f"{PREFIX}/schedules": {
            "get": {"parameters": [path_q], "responses": responses},
            "post": {"requestBody": _body(create_schedule), "responses": responses},
        },
        f"{PREFIX}/schedules/{{name}}": {
            "get": {"parameters": [_path("name")], "responses": responses},
            "patch": {
                "parameters": [_path("name")],
                "requestBody": _body(update_schedule),
                "responses": responses,
            },
            "delete": {"parameters": [_path("name")], "responses": responses},
        },
        f"{PREFIX}/remote-runs": {
            "get": {
                "parameters": [_query("dag"), _query("limit", known=("5", "abc", "-1", "1e3"))],
                "responses": responses,
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "notebook-ops", "version": "1"},
        "paths": paths,
        "components": {"schemas": components},
    }
