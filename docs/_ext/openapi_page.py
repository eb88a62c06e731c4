"""The REST reference page, rendered from the OpenAPI document the server itself serves.

``notebook_ops/model/schema/openapi.json`` is generated from the route table the server routes
by and the contracts its bodies are checked against, so a page made from it cannot drift from
the API. At each build this writes ``openapi_page`` (MyST Markdown, not committed): the routes,
then each route's parameters, body and replies, then every schema with its fields. Schema names
are ``{ref}`` targets, so a reply naming a schema the page lacks fails the build under ``-W``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


def _cell(text: object) -> str:
    """A Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _label(schema_name: str) -> str:
    return f"rest-schema-{schema_name.lower()}"


def _route_label(method: str, path: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in path.strip("/")).strip("-") or "root"
    return f"rest-{method}-{slug}".lower()


def type_of(schema: dict[str, Any]) -> str:
    """A schema as a reader says it: `string`, `array of RunListing`, `integer or null`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"{{ref}}`{name} <{_label(name)}>`"
    if "anyOf" in schema:
        return " or ".join(type_of(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_of(schema['additionalProperties'])}"
    text = f"`{kind}`"
    if "pattern" in schema:
        text += f" matching `{schema['pattern']}`"
    return text


def _body_types(content: dict[str, Any]) -> str:
    return "; ".join(f"{type_of(v.get('schema', {}))} (`{mime}`)" for mime, v in content.items())


def _route(method: str, path: str, op: dict[str, Any]) -> list[str]:
    out = [f"({_route_label(method, path)})=", f"### `{method.upper()} {path}`", "", op.get("summary", "")]
    if op.get("description"):
        out += ["", op["description"]]
    params = op.get("parameters", [])
    if params:
        out += ["", "| parameter | in | type | required | description |", "| --- | --- | --- | --- | --- |"]
        for p in params:
            out.append(
                f"| `{p['name']}` | {p['in']} | {_cell(type_of(p.get('schema', {})))} | "
                f"{'yes' if p.get('required') else 'no'} | {_cell(p.get('description', ''))} |"
            )
    body = op.get("requestBody")
    if body:
        out += ["", f"Body: {_body_types(body.get('content', {}))}."]
    out += ["", "| reply | body | when |", "| --- | --- | --- |"]
    for status, reply in op.get("responses", {}).items():
        out.append(
            f"| {status} | {_cell(_body_types(reply.get('content', {})) or '-')} | "
            f"{_cell(reply.get('description', ''))} |"
        )
    return out + [""]


def _schema(name: str, schema: dict[str, Any]) -> list[str]:
    out = [f"({_label(name)})=", f"### {name}", ""]
    if schema.get("description"):
        out += [schema["description"], ""]
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    if not props:
        return out + [f"Type: {type_of(schema)}.", ""]
    out += ["| field | type | required | default | description |", "| --- | --- | --- | --- | --- |"]
    for field, spec in props.items():
        default = f"`{json.dumps(spec['default'])}`" if "default" in spec else ""
        out.append(
            f"| `{field}` | {_cell(type_of(spec))} | {'yes' if field in required else 'no'} | "
            f"{_cell(default)} | {_cell(spec.get('description', ''))} |"
        )
    return out + [""]


def render(doc: dict[str, Any], source: str) -> str:
    """The whole page, as MyST Markdown."""
    base = doc.get("servers", [{}])[0].get("url", "")
    security = doc.get("components", {}).get("securitySchemes", {})
    out = [
        "# REST API",
        "",
        f"The Jupyter server extension's routes, under `{base}` on the Jupyter server. Rendered "
        f"at each build from `{source}` (OpenAPI {doc.get('openapi')}), the document "
        f"`GET {base}/openapi.json` serves; it is generated with the JSON Schemas of the bodies "
        "from the contracts in `notebook_ops/model/contracts/` "
        "(`python -m notebook_ops.model.contracts.generate`).",
        "",
        doc.get("info", {}).get("description", ""),
        "",
    ]
    for scheme in security.values():
        how = f"the `{scheme.get('name')}` {scheme.get('in')}, {scheme.get('description', '')}"
        out += [f"Authentication: {how}.", ""]
    out += ["## Routes", "", "| method | route | what |", "| --- | --- | --- |"]
    routes = [(m, p, op) for p, ops in sorted(doc["paths"].items()) for m, op in ops.items() if m in METHODS]
    for method, path, op in routes:
        link = f"{{ref}}`{path} <{_route_label(method, path)}>`"
        out.append(f"| {method.upper()} | {link} | {_cell(op.get('summary', ''))} |")
    out += [""]
    for method, path, op in routes:
        out += _route(method, path, op)
    out += ["## Schemas", "", "The routes' bodies (JSON Schemas in `notebook_ops/model/schema/`).", ""]
    for name, schema in sorted(doc.get("components", {}).get("schemas", {}).items()):
        out += _schema(name, schema)
    return "\n".join(out).rstrip() + "\n"


def write_page(app) -> None:
    """builder-inited: (re)write the page before Sphinx reads the sources; unchanged text is
    left alone so an incremental build does not re-read it."""
    document = Path(app.config.openapi_document)
    source = document.relative_to(Path(app.srcdir).parent).as_posix()
    text = render(json.loads(document.read_text(encoding="utf-8")), source)
    page = Path(app.srcdir) / app.config.openapi_page
    if not page.exists() or page.read_text(encoding="utf-8") != text:
        page.parent.mkdir(parents=True, exist_ok=True)
        tmp = page.with_name(page.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(page)


def setup(app):
    app.add_config_value("openapi_document", "", "env")
    app.add_config_value("openapi_page", "reference/rest-api.md", "env")
    app.connect("builder-inited", write_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
