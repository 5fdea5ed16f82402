"""The engine's monthly draws: 32 random bits against an integer cut-off per young person must
decide exactly what a float32 uniform against the move probability decides, and leave the
generator where drawing those uniforms would (the arrivals and the overflow rule's ties draw
next from the same generator, and a forecast is reproducible from its seed)."""

from __future__ import annotations

import numpy as np
import pytest

from forecasts.kernels import uniforms as _uniform
from forecasts.simulation import _cuts, _random_bits


@pytest.mark.parametrize("n", [1, 10, 11, 1001])
def test_bits_are_the_uniforms_numpy_would_draw_and_the_generator_ends_where_it_would(n):
    floats, bits = np.random.default_rng(5), np.random.default_rng(5)
    expected = floats.random(n, dtype=np.float32)
    drawn = _random_bits(bits, n)
    assert drawn.dtype == np.uint32 and len(drawn) == n
    assert np.array_equal(_uniform(drawn), expected)
    # what is drawn next (both a 32-bit and a 64-bit consumer) is the same
    assert np.array_equal(bits.random(7, dtype=np.float32), floats.random(7, dtype=np.float32))
    assert np.array_equal(bits.integers(0, 100, 9), floats.integers(0, 100, 9))
    assert np.array_equal(bits.random(3), floats.random(3))


def test_a_draw_passes_its_cut_off_exactly_when_its_uniform_is_below_the_probability():
    rng = np.random.default_rng(0)
    p = np.concatenate(
        [
            rng.random(5000).astype(np.float32),
            (rng.random(5000) * 1e-5).astype(np.float32),  # below one step of 2**-24 and near
            np.array([0.0, 2**-24, 0.5, 1 - 2**-24, 1.0], dtype=np.float32),
        ]
    )
    cut = _cuts(p)
    for offset in range(-300, 300, 3):  # draws on and around each cut-off
        b = np.clip(cut.astype(np.int64) + offset, 0, 2**32 - 1).astype(np.uint32)
        below = _uniform(b) < p
        # the engine's rule: b <= cut, except that a cut-off of 0 (probability 0) never moves
        assert np.array_equal(below, (b <= cut) & (cut > 0))
    # a probability of 1 always moves, of 0 never (not even on a draw of 0)
    assert cut[p == 1.0].item() == 2**32 - 1
    assert cut[p == 0.0].item() == 0
