"""``eventually``: the one waiting helper the tests share (tests/waiting.py)."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from waiting import eventually, eventually_async


def test_returns_the_predicates_first_truthy_value():
    calls = itertools.count(1)
    assert eventually(lambda: (n := next(calls)) >= 3 and f"call {n}", interval=0) == "call 3"


def test_on_timeout_names_what_it_waited_for_and_the_last_value():
    values = iter(range(1_000_000))
    with pytest.raises(AssertionError) as err:
        eventually(lambda: next(values) < 0 and "never", timeout=0.2, interval=0.01, what="the sky to fall")
    assert "the sky to fall" in str(err.value) and "last value False" in str(err.value)


def test_an_exception_to_retry_counts_as_not_yet_and_is_reported_last():
    def flaky():
        raise ConnectionRefusedError("not up yet")

    with pytest.raises(AssertionError) as err:
        eventually(
            flaky, timeout=0.2, interval=0.01, what="the server", retry_on=(OSError,), context=lambda: "LOG"
        )
    message = str(err.value)
    assert "the server" in message and "not up yet" in message and message.endswith("\nLOG")
    assert isinstance(err.value.__cause__, ConnectionRefusedError)


def test_other_exceptions_and_assertions_fail_at_once():
    calls = itertools.count(1)

    def broken():
        next(calls)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        eventually(broken, timeout=600, interval=0.01)
    assert next(calls) == 2  # called once, not retried for ten minutes

    def died():
        next(calls)
        raise AssertionError("the server died")

    with pytest.raises(AssertionError, match="the server died"):
        eventually(died, timeout=600, interval=0.01, retry_on=(Exception,))
    assert next(calls) == 4


def test_the_async_flavour_awaits_the_predicate_and_fails_the_same_way():
    calls = itertools.count(1)

    async def third():
        return (n := next(calls)) >= 3 and n

    assert asyncio.run(eventually_async(third, interval=0)) == 3

    async def never():
        return None

    with pytest.raises(AssertionError, match=r"waiting for the run \(last value None\)"):
        asyncio.run(eventually_async(never, timeout=0.2, interval=0.01, what="the run"))
