"""A step's observation (what its run read, wrote, imported, ran) as one line of text, shared by
`runs show` and `inspect` so neither command loads the other's module."""

from __future__ import annotations


def observed_line(seen: dict) -> str:
    """One line of a step's observation: counts, with the first names."""

    def part(label: str, items) -> str | None:
        items = list(items or [])
        if not items:
            return None
        shown = ", ".join(items[:3]) + (f" +{len(items) - 3}" if len(items) > 3 else "")
        return f"{label} {shown}"

    bits = [
        part("read", seen.get("reads")),
        part("wrote", seen.get("writes")),
        part("made", seen.get("dirs")),
        part("sqlite", seen.get("databases")),
        part("imported", seen.get("modules")),
        part("ran", seen.get("commands")),
        part("loaded", seen.get("extensions")),
        part("outside", seen.get("outside")),
    ]
    text = "; ".join(b for b in bits if b) or "nothing under the project"
    return text + (" (truncated)" if seen.get("truncated") else "")
