"""What every notebook-ops handler shares: JSON in and out, errors as JSON, work off the loop.

Handlers stay thin: parse the request, confine paths, call a service in a worker thread, return
its dict. Every ``NotebookOpsError`` becomes ``{"message", "error", ...}`` with its ``http_status``.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from notebook_ops.errors import NotebookOpsError
from notebook_ops.server.paths import BadPath, resolve_in_root, to_api_path


class BadRequest(NotebookOpsError):
    http_status = 400


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
        raw = self.request.body or b"{}"
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"the request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        return body

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str))

    async def blocking(self, fn, *args, **kwargs):
        """Run ``fn`` in a worker thread so the server's event loop stays free."""
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = (kwargs.get("exc_info") or (None, None, None))[1]
        if isinstance(exc, NotebookOpsError):
            from notebook_ops.model.contracts.pipeline_view import ProblemView
            from notebook_ops.model.contracts.rest import ErrorResponse

            self.set_status(exc.http_status)
            reply = ErrorResponse.from_dict(exc.to_dict())
            problems = getattr(exc, "problems", None)
            if problems:
                reply.problems = [
                    ProblemView.from_dict(p.to_dict() if hasattr(p, "to_dict") else p) for p in problems
                ]
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(reply.to_dict(), default=str))
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


__all__ = ["BadPath", "BadRequest", "NotebookOpsHandler"]
