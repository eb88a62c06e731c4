"""``{schema-fields} PATH``: a table of a JSON Schema's fields, read from the shipped schema.

The bundle's manifest (and the other files users read) are checked against JSON Schemas shipped
in the package; a page that lists their fields from the schema itself stays true when a field is
added. Objects and arrays of objects get a row per nested field (``steps[].inputs``), two levels
deep, which is as far as a reader follows a table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

DEPTH = 2


def type_text(schema: dict[str, Any]) -> str:
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return " or ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema or "oneOf" in schema:
        return " or ".join(type_text(s) for s in schema.get("anyOf", schema.get("oneOf", [])))
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    text = " or ".join("array" if k == "array" else k for k in kinds)
    if "array" in kinds and isinstance(schema.get("items"), dict) and "type" in schema["items"]:
        text = text.replace("array", f"array of {type_text(schema['items'])}")
    return text


def rows(schema: dict[str, Any], prefix: str = "", depth: int = 0) -> list[tuple[str, str, bool, str]]:
    """(field, type, required, description) for each field, nested ones after their parent."""
    out = []
    required = set(schema.get("required", []))
    for name, spec in schema.get("properties", {}).items():
        field = f"{prefix}{name}"
        out.append((field, type_text(spec), name in required, spec.get("description", "")))
        if depth + 1 < DEPTH:
            if spec.get("properties"):
                out += rows(spec, f"{field}.", depth + 1)
            items = spec.get("items")
            if isinstance(items, dict) and items.get("properties"):
                out += rows(items, f"{field}[].", depth + 1)
    return out


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


class SchemaFields(SphinxDirective):
    required_arguments = 1

    def run(self):
        path = (Path(self.env.srcdir).parent / self.arguments[0]).resolve()
        self.env.note_dependency(str(path))
        schema = json.loads(path.read_text(encoding="utf-8"))
        lines = ["| field | type | required | description |", "| --- | --- | --- | --- |"]
        for field, kind, required, description in rows(schema):
            need = "yes" if required else ""
            lines.append(f"| `{field}` | {_cell(kind)} | {need} | {_cell(description)} |")
        holder = nodes.container()
        self.state.nested_parse(StringList(lines, source=str(path)), self.content_offset, holder)
        return list(holder.children)


def setup(app):
    app.add_directive("schema-fields", SchemaFields)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
