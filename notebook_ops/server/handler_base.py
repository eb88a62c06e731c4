"""What every notebook-ops handler shares: JSON in and out, errors as JSON, work off the loop.

Handlers stay thin: parse the request, confine paths, call a service in a worker thread, reply
with the contract it returns (``reply`` serialises it). Every ``NotebookOpsError`` becomes an
``ErrorResponse`` with its ``http_status``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
from typing import Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.contracts.base import Contract
from notebook_ops.model.contracts.pipeline_view import ProblemView
from notebook_ops.model.contracts.rest import ErrorResponse
from notebook_ops.server.request_paths import BadPath, resolve_in_root, to_api_path
from notebook_ops.util.confine import confined_to


class BadRequest(NotebookOpsError):
    http_status = 400


MAX_JSON_DEPTH = 64  # request bodies: far deeper than any contract, far below the recursion limit


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON (numbers must be finite)")


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists/dicts more than ``limit`` deep (iterative: no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > limit:
            return True
        stack.extend((c, depth + 1) for c in children)
    return False


def _confined(root: str, fn, *args, **kwargs):
    with confined_to(root):
        return fn(*args, **kwargs)


def named_as_the_lab_names_them(root: str, fn, *args):
    """``fn(*args)``; an error naming a file inside the root names it as the Contents API does
    (relative), never by the server's disk path."""
    try:
        return fn(*args)
    except NotebookOpsError as exc:
        if exc.path and os.path.isabs(exc.path):
            try:
                exc.path = to_api_path(root, exc.path)
            except ValueError:
                exc.path = None
        raise


def strict_json(data: Any) -> str:
    """A reply body: strict JSON a browser parses (``allow_nan=False``: a NaN reaching a reply
    is a bug that must fail loudly, not an invalid document)."""
    return json.dumps(data, default=str, allow_nan=False)


class NotebookOpsHandler(APIHandler):
    """Base handler: authenticated and authorized routes, JSON errors, confined paths."""

    auth_resource = "contents"  # the same permission the Contents API asks for

    @property
    def root_dir(self) -> str:
        return self.settings["server_root_dir"]

    def resolve(self, api_path: object, *, must_exist: bool = True):
        return resolve_in_root(self.root_dir, api_path, must_exist=must_exist)

    def api_path(self, real) -> str:
        return to_api_path(self.root_dir, real)

    def json_body(self) -> dict:
        """The body as a JSON object: strict JSON (no NaN/Infinity), nested at most
        ``MAX_JSON_DEPTH`` deep; anything else is a 400 saying why."""
        raw = self.request.body or b"{}"
        try:
            body = json.loads(raw, parse_constant=_refuse_constant)
        except RecursionError:
            raise BadRequest(f"the request body is nested more than {MAX_JSON_DEPTH} levels deep") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest(f"the request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        if _depth_exceeds(body, MAX_JSON_DEPTH):
            raise BadRequest(f"the request body is nested more than {MAX_JSON_DEPTH} levels deep")
        return body

    def query_int(self, name: str, default: int, *, low: int, high: int) -> int:
        """An integer query argument, clamped to [low, high]; not an integer: a 400 naming it."""
        text = self.get_query_argument(name, None)
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            raise BadRequest(f"query argument {name!r} must be an integer, got {text[:40]!r}") from None
        return min(high, max(low, value))

    def reply(self, data: Contract | dict | list, status: int = 200) -> None:
        """Send ``data`` (a contract: its JSON form) as the reply."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(strict_json(data.to_dict() if isinstance(data, Contract) else data))

    async def blocking(self, fn, *args, **kwargs):
        """Run ``fn`` in a worker thread so the server's event loop stays free; confined to the
        server root (every file the work leads to is checked by ``util.confine``)."""
        return await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(_confined, self.root_dir, fn, *args, **kwargs)
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = (kwargs.get("exc_info") or (None, None, None))[1]
        if isinstance(exc, NotebookOpsError):
            self.set_status(exc.http_status)
            reply = ErrorResponse.from_dict(exc.to_dict())
            problems = getattr(exc, "problems", None)
            if problems:
                reply.problems = [
                    ProblemView.from_dict(p.to_dict() if hasattr(p, "to_dict") else p) for p in problems
                ]
            self.set_header("Content-Type", "application/json")
            self.finish(strict_json(reply.to_dict()))
            return
        if isinstance(exc, web.HTTPError):
            self.set_header("Content-Type", "application/json")
            message = exc.log_message or exc.reason or "HTTP error"
            if exc.args and exc.log_message and exc.args[1:]:
                message = exc.log_message % exc.args[1:]
            self.finish(json.dumps({"error": "HTTPError", "message": message}))
            return
        super().write_error(status_code, **kwargs)

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, NotebookOpsError):
            self.log.warning("notebook-ops %s %s: %s", self.request.method, self.request.path, value)
            return
        super().log_exception(typ, value, tb)


__all__ = ["BadPath", "BadRequest", "NotebookOpsHandler", "named_as_the_lab_names_them", "strict_json"]
