"""Exponential backoff: base, 2 x base, 4 x base, ... never more than a cap.

The one rule for every retry: scheduled runs, webhook deliveries, event sinks, trigger consumers.
"""

from __future__ import annotations

import math


def delay(attempt: int, base: float = 1.0, cap: float = math.inf) -> float:
    """The wait before retry ``attempt`` (1 is the first): ``base * 2 ** (attempt - 1)``, capped."""
    return min(cap, base * 2 ** max(0, attempt - 1))
