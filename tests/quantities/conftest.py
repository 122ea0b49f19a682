"""Fixtures of the quantity tests: float64 and the small MLP problem of :mod:`.mlp`.

Everything runs in float64 (``x64``, restored afterwards) so that vectorized statistics and
their plain-loop references agree to ~1e-10.
"""

from __future__ import annotations

import jax
import pytest

from .mlp import Problem, make_problem


@pytest.fixture
def x64():
    """Enable float64 for the test, restore the previous setting after it."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


@pytest.fixture
def problem(x64) -> Problem:
    return make_problem()
