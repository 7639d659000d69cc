"""A static centred interval tree: which of n intervals contain a point, in O(log n + k).

A product such as the Linux kernel has thousands of version ranges in the catalog; checking
them one by one costs milliseconds per lookup. The tree is built once per product when its
rules are loaded. Intervals are closed (`low <= point <= high`); callers refine open ends.
Keys only need `<` (version sort keys, numbers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class _Node(Generic[T]):
    center: Any
    by_low: list[tuple[Any, T]]  # intervals containing `center`, by ascending low end
    by_high: list[tuple[Any, T]]  # the same, by descending high end
    left: _Node[T] | None  # intervals entirely before `center`
    right: _Node[T] | None  # intervals entirely after `center`


class IntervalTree(Generic[T]):
    def __init__(self, intervals: Iterable[tuple[Any, Any, T]]) -> None:
        # a reversed interval (bad data) contains no point; left out, it cannot unbalance
        # the build (every node keeps at least the interval its centre comes from)
        self._root = _build([i for i in intervals if not i[1] < i[0]])

    def stab(self, point: Any) -> list[T]:
        """Every item whose interval contains `point`, ends included."""
        found: list[T] = []
        node = self._root
        while node is not None:
            if point < node.center:
                for low, item in node.by_low:
                    if point < low:
                        break
                    found.append(item)
                node = node.left
            elif node.center < point:
                for high, item in node.by_high:
                    if high < point:
                        break
                    found.append(item)
                node = node.right
            else:
                found.extend(item for _, item in node.by_low)
                break
        return found


def _build(intervals: list[tuple[Any, Any, T]]) -> _Node[T] | None:
    if not intervals:
        return None
    ends = sorted(end for low, high, _ in intervals for end in (low, high))
    center = ends[len(ends) // 2]  # an end of some interval: that one stays here
    here, before, after = [], [], []
    for interval in intervals:
        if interval[1] < center:
            before.append(interval)
        elif center < interval[0]:
            after.append(interval)
        else:
            here.append(interval)
    return _Node(
        center,
        [(low, item) for low, _, item in sorted(here, key=lambda i: i[0])],
        [(high, item) for _, high, item in sorted(here, key=lambda i: i[1], reverse=True)],
        _build(before),
        _build(after),
    )
