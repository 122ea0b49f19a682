"""full_gradient, trace_cov and b_simple against plain loops over the examples."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from batchlab.quantities import b_simple, full_grad_norm_sq, full_gradient, trace_cov

from .mlp import loop_grads, loop_moments, make_problem


@pytest.mark.parametrize("chunk_size", [7, 64])  # 50 = 7 * 7 + 1 (ragged tail); one chunk > n
def test_full_batch_quantities_match_loop(problem, chunk_size):
    mean, norm_sq, trace = loop_moments(loop_grads(problem))

    @jax.jit
    def compute(params):
        args = (params, problem.loss, problem.x, problem.y)
        return (
            full_gradient(*args, chunk_size=chunk_size),
            full_grad_norm_sq(*args, chunk_size=chunk_size),
            trace_cov(*args, chunk_size=chunk_size),
            b_simple(*args, chunk_size=chunk_size),
        )

    g, g_sq, tr, bs = compute(problem.params)
    assert jax.tree.structure(g) == jax.tree.structure(problem.params)
    flat = np.concatenate([np.ravel(leaf) for leaf in jax.tree.leaves(g)])
    np.testing.assert_allclose(flat, mean, rtol=1e-10, atol=1e-14)
    assert float(g_sq) == pytest.approx(norm_sq, rel=1e-10)
    assert float(tr) == pytest.approx(trace, rel=1e-10)
    assert float(bs) == pytest.approx(trace / norm_sq, rel=1e-10)


def test_float32_within_rounding_of_float64_loop():
    """In float32 (numpy inputs) the chunked pass stays within float32 rounding of the loop."""
    p = make_problem(n=50, seed=3)
    _, norm_sq, trace = loop_moments(loop_grads(p))
    params32 = jax.tree.map(lambda a: np.asarray(a, np.float32), p.params)
    x32 = np.asarray(p.x, np.float32)
    f = jax.jit(
        lambda prm: (
            full_grad_norm_sq(prm, p.loss, x32, p.y, chunk_size=16),
            trace_cov(prm, p.loss, x32, p.y, chunk_size=16),
        )
    )
    got_sq, got_trace = f(params32)
    assert got_sq.dtype == np.float32
    assert float(got_sq) == pytest.approx(norm_sq, rel=1e-4)
    assert float(got_trace) == pytest.approx(trace, rel=1e-4)


def test_no_cancellation_when_the_mean_dwarfs_the_noise(x64):
    """Chunks merged about their own means: tr(Sigma) exact even when |G|^2/tr = 1e12."""
    # loss = w . (c + e_i): every per-example gradient is c + e_i, G = c + mean(e).
    rng = np.random.default_rng(0)
    e = rng.normal(0, 1e-3, (40, 3))
    c = np.array([1e3, -2e3, 5e2])
    x = c + e

    def loss(w, xi, yi):
        return w @ xi

    f = jax.jit(lambda w: trace_cov(w, loss, x, np.zeros(40), chunk_size=8))
    expected = np.sum((e - e.mean(axis=0)) ** 2) / 39
    assert float(f(np.zeros(3))) == pytest.approx(expected, rel=1e-6)
