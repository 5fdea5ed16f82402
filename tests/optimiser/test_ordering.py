"""A run's pairs are ranked (best fit first within each young person or vacancy, and in
order for the plain assignment search) by one sort of a combined key; it must give exactly
the order of the lexicographic sort it replaces, ties included, and fall back to it when
the keys' ranges do not fit in 62 bits."""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.ordering import sort_order


@pytest.mark.parametrize("seed", range(20))
def test_one_combined_sort_orders_as_the_lexicographic_sort(seed):
    rng = np.random.default_rng(seed)
    n = 0 if seed == 0 else int(rng.integers(1, 3_000))
    group = rng.integers(-5, 400, n)
    score = -rng.integers(0, 111, n)  # highest fit first
    other = rng.integers(0, 50, n)  # many ties left for the stable order to settle
    expected = np.lexsort((other, score, group))
    assert np.array_equal(sort_order(group, score, other), expected)


def test_keys_too_wide_to_combine_are_sorted_one_by_one():
    rng = np.random.default_rng(7)
    wide = rng.integers(-(2**40), 2**40, 500)
    narrow = rng.integers(0, 2**30, 500)
    assert np.array_equal(sort_order(wide, narrow), np.lexsort((narrow, wide)))
