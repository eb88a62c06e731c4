"""Exponential backoff: base, 2 x base, 4 x base, ... never more than a cap.

Used wherever something is retried: scheduled runs, webhook deliveries, event sinks, trigger
consumers. ``delay(n)`` for the n-th retry; ``Backoff`` when a loop keeps the count itself.
"""
from __future__ import annotations

import math


def delay(attempt: int, base: float = 1.0, cap: float = math.inf) -> float:
    """The wait before retry ``attempt`` (1 for the first): ``base * 2 ** (attempt - 1)``, capped."""
    return min(cap, base * 2 ** max(0, attempt - 1))


class Backoff:
    """The running state of one retry loop: ``failed()`` gives the next wait, ``ok()`` resets it."""

    def __init__(self, base: float = 1.0, cap: float = math.inf):
        self.base, self.cap, self.failures = base, cap, 0

    @property
    def current(self) -> float:
        """The wait the next ``failed()`` will give."""
        return delay(self.failures + 1, self.base, self.cap)

    def failed(self) -> float:
        wait = self.current
        self.failures += 1
        return wait

    def ok(self) -> None:
        self.failures = 0
