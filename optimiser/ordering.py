"""One sort of several whole-number keys, for the pairs of a run (ranked best first within
each young person or vacancy, or read in order by the plain assignment search)."""

from __future__ import annotations

import numpy as np


def sort_order(*keys: np.ndarray) -> np.ndarray:
    """The order of whole-number `keys`, the first key first (`np.lexsort`'s order with its
    keys reversed), by one sort of one combined key where it fits in 62 bits: a lexsort
    sorts once per key, which costs about 8 ms against 3 ms on the pairs of a council."""
    if len(keys[0]) == 0:
        return np.zeros(0, dtype=np.int64)
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    span = 1
    for key in keys:
        low, high = int(key.min()), int(key.max())
        span *= high - low + 1
        if span >= 2**62:
            return np.lexsort(keys[::-1])
        combined = combined * (high - low + 1) + (key.astype(np.int64) - low)
    return np.argsort(combined, kind="stable")
