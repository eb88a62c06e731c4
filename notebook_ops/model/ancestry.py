"""Each step's transitive upstream, as a bit set over the steps' graph order.

The data flow and the file scan ask "is U upstream of S?" for every name and file a step
reads. A Python set per step holding all its ancestors costs N^2 / 2 entries on a long chain
(~100 MiB at 2,000 steps); one int per step, a bit per step, costs N^2 / 8 bytes and a union
is a few machine words per 64 steps (issue 27: cost that grows linearly).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


class StepSet:
    """A set of step names held as bits of ``rank``; read-only: ``in``, ``len``, iteration."""

    __slots__ = ("bits", "rank", "names")

    def __init__(self, bits: int, rank: Mapping[str, int], names: list[str]):
        self.bits, self.rank, self.names = bits, rank, names

    def __contains__(self, name: object) -> bool:
        i = self.rank.get(name) if isinstance(name, str) else None
        return i is not None and bool(self.bits >> i & 1)

    def __len__(self) -> int:
        return self.bits.bit_count()

    def __iter__(self) -> Iterator[str]:
        """In graph order."""
        bits = self.bits
        while bits:
            low = bits & -bits
            yield self.names[low.bit_length() - 1]
            bits ^= low


def transitive_upstream(order: list[str], deps: Mapping[str, Iterable[str]]) -> dict[str, StepSet]:
    """Each step of ``order`` (graph order: a step after its dependencies) to every step it
    runs after, directly or not. A dependency that is no step of ``order`` is left out."""
    rank = {n: i for i, n in enumerate(order)}
    bits: dict[str, int] = {}
    for n in order:
        b = 0
        for d in deps.get(n, ()):
            i = rank.get(d)
            if i is not None:
                b |= (1 << i) | bits.get(d, 0)
        bits[n] = b
    return {n: StepSet(b, rank, order) for n, b in bits.items()}
