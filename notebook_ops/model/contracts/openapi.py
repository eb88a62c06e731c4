"""The OpenAPI 3.1 document of the REST API, from the route table (``contracts.api``) and the
contracts' JSON Schemas: written beside them as ``notebook_ops/model/schema/openapi.json`` by
``python -m notebook_ops.model.contracts.generate`` and served at ``GET .../openapi.json``.

OpenAPI 3.1 takes JSON Schema 2020-12 as it is, so each contract's schema goes into
``components.schemas`` unchanged but for its ``$defs`` (moved there too) and its ``$id`` (which
would rebase the references inside it). Paths are relative to ``servers[0].url``, the API
prefix; the server rewrites it to its base URL when it serves the document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from notebook_ops.model.contracts.route_table import API_PREFIX, ROUTES, Operation, Param, Route

API_VERSION = "1"  # the API's, not the package's: raised when a route or a body changes incompatibly
SECURITY = {
    "jupyterToken": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "'token <the Jupyter server's token>' (or the browser's session cookie and "
        "its _xsrf header, as for every Jupyter API)",
    }
}


class _Components:
    """``components.schemas``: each contract once, named by its class."""

    def __init__(self, schemas: Mapping[str, dict]):
        self.schemas = schemas
        self.out: dict[str, dict] = {}

    def _add(self, key: str, schema: dict, where: str) -> None:
        if key in self.out and self.out[key] != schema:
            raise ValueError(f"{where}: {key} differs from the {key} another contract holds")
        self.out[key] = schema

    def ref(self, name: str) -> dict:
        """A ``$ref`` to the contract of schema file ``name`` (it and its ``$defs`` added)."""
        text = json.dumps(self.schemas[name]).replace('"#/$defs/', '"#/components/schemas/')
        schema = json.loads(text)
        schema.pop("$schema", None)
        schema.pop("$id", None)
        for key, sub in sorted(schema.pop("$defs", {}).items()):
            self._add(key, sub, name)
        key = schema.get("title") or name
        self._add(key, schema, name)
        return {"$ref": f"#/components/schemas/{key}"}


def _query(param: Param) -> dict:
    schema: dict = {"type": "integer"} if param.integer else {"type": "string"}
    if param.values:
        schema = {"type": "string", "enum": list(param.values)}
    return {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": param.description,
        "schema": schema,
    }


def _segment(name: str, regex: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": f"^{regex}$"},
    }


def _operation(route: Route, op: Operation, components: _Components) -> dict:
    out: dict = {"operationId": f"{op.method}_{route.name}", "summary": op.summary}
    params = [_segment(n, r) for n, r in route.segments] + [_query(p) for p in op.query]
    if params:
        out["parameters"] = params
    body = components.ref(op.request) if op.request else op.body_schema
    if body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    reply = components.ref(op.response) if op.response else {"type": "object"}
    content = {
        media: {"schema": reply if media == "application/json" else {"type": "string"}} for media in op.media
    }
    responses: dict = {
        str(status): {"description": "success", "content": content} for status in (op.status, *op.also)
    }
    error = components.ref("rest-error")
    responses["4XX"] = {
        "description": "bad input (400, naming the field), forbidden (403), not found (404), conflict "
        "(409), a pipeline with errors (422: its problems)",
        "content": {"application/json": {"schema": error}},
    }
    out["responses"] = responses
    if route.feature:
        out["description"] = f"Only when the server offers the {route.feature!r} feature (GET /)."
    return out


def document(schemas: Mapping[str, dict]) -> dict:
    """The OpenAPI document; ``schemas``: each contract's JSON Schema by its file's name."""
    components = _Components(schemas)
    paths = {
        route.path: {op.method: _operation(route, op, components) for op in route.operations}
        for route in ROUTES
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "notebook-ops",
            "version": API_VERSION,
            "description": "The REST API of the notebook-ops Jupyter server extension; bodies are "
            "the contracts of notebook_ops.model.contracts.",
        },
        "servers": [{"url": f"/{API_PREFIX}"}],
        "security": [{"jupyterToken": []}],
        "paths": paths,
        "components": {"schemas": dict(sorted(components.out.items())), "securitySchemes": SECURITY},
    }
