"""Cutting the bank's nightly work into groups of branches for the workers (issue 15 §2)."""

from __future__ import annotations

import math
from collections.abc import Hashable


def pack_groups(sizes: dict[Hashable, int], target: int) -> list[list]:
    """The keys of `sizes` (branches and their sizes) in groups of about `target` each, or of
    one key when that is bigger: as many groups as the total needs, the biggest key first, each
    to the group that is smallest so far (a `target` of 0 or less: one group of every key). Each
    group's keys sorted (None last)."""
    if not sizes:
        return []
    count = 1 if target <= 0 else min(len(sizes), max(1, math.ceil(sum(sizes.values()) / target)))
    bins: list[tuple[int, int, list]] = [(0, n, []) for n in range(count)]
    for key in sorted(sizes, key=lambda k: (-sizes[k], k is None, k or 0)):
        load, n, members = min(bins, key=lambda b: (b[0], b[1]))
        members.append(key)
        bins[n] = (load + sizes[key] + 1, n, members)
    return [sorted(members, key=lambda k: (k is None, k or 0)) for _load, _n, members in bins]
