"""A small Dockerfile reader for tests (Docker is not on the test machines): the stages with
their base, ARG defaults, ENV, ENTRYPOINT and CMD, as ``docker build`` reads them.

Handles what generated Dockerfiles use: comments, ``\\`` continuations, ``FROM IMAGE [AS
NAME]``, ``ARG NAME[=DEFAULT]``, ``ENV K=V ...``, and ENTRYPOINT/CMD in exec form (JSON) or
shell form. Anything it does not know is an error, so a typo in a template fails a test.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field

KNOWN = {
    "FROM",
    "ARG",
    "ENV",
    "RUN",
    "COPY",
    "ADD",
    "WORKDIR",
    "EXPOSE",
    "ENTRYPOINT",
    "CMD",
    "USER",
    "LABEL",
}


@dataclass
class Stage:
    base: str
    name: str | None
    args: dict[str, str | None] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def command(self) -> list[str]:
        """What a container of this stage runs: ENTRYPOINT + CMD."""
        return [*(self.entrypoint or []), *(self.cmd or [])]


def _exec_form(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("["):
        value = json.loads(text)  # a malformed exec form fails here, as docker would misread it
        assert all(isinstance(v, str) for v in value), text
        return value
    return ["/bin/sh", "-c", text]


def _lines(text: str) -> list[str]:
    out, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        out.append(current + line)
        current = ""
    assert not current, "a continuation at the end of the file"
    return out


def parse(text: str) -> list[Stage]:
    """The stages in order; an instruction before the first FROM (only ARG may) is an error."""
    stages: list[Stage] = []
    for line in _lines(text):
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word not in KNOWN:
            raise ValueError(f"unknown instruction {word!r}")
        if word == "FROM":
            parts = rest.split()
            assert len(parts) in (1, 3) and (len(parts) == 1 or parts[1].upper() == "AS"), line
            stages.append(Stage(base=parts[0], name=parts[2] if len(parts) == 3 else None))
            continue
        if not stages:
            raise ValueError(f"{word} before the first FROM")
        stage = stages[-1]
        stage.instructions.append((word, rest))
        if word == "ARG":
            name, eq, default = rest.partition("=")
            stage.args[name.strip()] = default if eq else None
        elif word == "ENV":
            for pair in shlex.split(rest):
                k, eq, v = pair.partition("=")
                assert eq, f"ENV {rest}: use K=V"
                stage.env[k] = v
        elif word == "ENTRYPOINT":
            stage.entrypoint = _exec_form(rest)
            stage.cmd = None  # docker resets CMD when ENTRYPOINT is set in a stage
        elif word == "CMD":
            stage.cmd = _exec_form(rest)
    for i, stage in enumerate(stages):  # a stage built on an earlier one inherits its command
        earlier = {s.name: s for s in stages[:i] if s.name}
        base = earlier.get(stage.base)
        if base is not None and stage.entrypoint is None:
            stage.entrypoint = base.entrypoint
            if stage.cmd is None:
                stage.cmd = base.cmd
    return stages
