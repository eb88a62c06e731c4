"""Waiting in tests: one ``eventually`` instead of a hand-written deadline loop per test.

A test that waits for a real process (a kernel, a server, a scheduler thread) polls a predicate
until it holds. The timeouts stay generous (a busy 2-core CI machine); what a test saves is the
copies of the loop and a timeout message that says what it waited for and what it saw last.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def eventually(
    predicate: Callable[[], T],
    timeout: float = 60.0,
    interval: float = 0.05,
    what: str = "the condition",
    retry_on: tuple[type[BaseException], ...] = (),
    context: Callable[[], object] | None = None,
) -> T:
    """Call ``predicate`` every ``interval`` seconds until it returns a truthy value; return it.

    An exception in ``retry_on`` (say ``OSError``: a server not up yet) counts as "not yet"; any
    other propagates at once, so a bug is not hidden behind a timeout. An ``AssertionError`` from
    the predicate always fails at once: that is how a predicate says "this will never come true"
    (the process it waits for died).
    On timeout the failure names ``what`` and the last value or exception, followed by
    ``context()`` (a log tail, say) when given.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    error: BaseException | None = None
    while True:
        try:
            value = predicate()
        except AssertionError:
            raise
        except retry_on as exc:
            error, last = exc, None
        else:
            if value:
                return value
            error, last = None, value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise _timed_out(timeout, what, last, error, context) from error


async def eventually_async(
    predicate: Callable[[], Awaitable[T]],
    timeout: float = 60.0,
    interval: float = 0.05,
    what: str = "the condition",
    retry_on: tuple[type[BaseException], ...] = (),
    context: Callable[[], object] | None = None,
) -> T:
    """``eventually`` for a coroutine predicate (a REST call in a server test): the event loop
    runs between polls, so the server under test keeps serving."""
    deadline = time.monotonic() + timeout
    last: object = None
    error: BaseException | None = None
    while True:
        try:
            value = await predicate()
        except AssertionError:
            raise
        except retry_on as exc:
            error, last = exc, None
        else:
            if value:
                return value
            error, last = None, value
        if time.monotonic() >= deadline:
            break
        await asyncio.sleep(interval)
    raise _timed_out(timeout, what, last, error, context) from error


def _timed_out(timeout, what, last, error, context) -> AssertionError:
    seen = f"last error {error!r}" if error is not None else f"last value {last!r}"
    message = f"timed out after {timeout:g} s waiting for {what} ({seen})"
    if context is not None:
        message += f"\n{context()}"
    return AssertionError(message)


def jupyter_server_url(runtime_dir, proc, timeout: float = 180.0, log=None) -> str:
    """The URL of a ``jupyter_server`` started with ``--port=0`` (the OS picks a free port; a
    port chosen beforehand could be taken by a kernel before the server binds it, and the
    server then moved to another one silently): read from the ``jpserver-<pid>.json`` it writes
    in ``JUPYTER_RUNTIME_DIR`` once it listens."""
    info = Path(runtime_dir) / f"jpserver-{proc.pid}.json"

    def ready():
        assert proc.poll() is None, Path(log).read_text()[-3000:] if log else "the server exited"
        return json.loads(info.read_text())["url"].rstrip("/") if info.exists() else None

    return eventually(
        ready,
        timeout=timeout,
        interval=0.3,
        what=f"the Jupyter server's {info.name}",
        retry_on=(ValueError, KeyError),  # read while it is being written
        context=(lambda: Path(log).read_text()[-3000:]) if log else None,
    )
