"""Sampled batch-gradient norms against a plain loop over the same batches."""

from __future__ import annotations

import jax
import numpy as np

from batchlab.quantities import QUANTITIES, batch_grad_norms_sq, gather_inputs, sample_batches

from .mlp import loop_grads


def test_sample_batches_distinct_within_a_batch():
    index = np.asarray(
        jax.jit(sample_batches, static_argnums=(1, 2, 3))(jax.random.key(0), 10, 7, 200)
    )
    assert index.shape == (200, 7)
    assert index.min() >= 0 and index.max() < 10
    assert all(len(set(row)) == 7 for row in index)
    assert len({tuple(sorted(row)) for row in index}) > 50  # batches differ


def test_batch_grad_norms_sq_match_loop(problem):
    key, b, n_batches = jax.random.key(1), 6, 9
    grads = loop_grads(problem)  # (n, n_params)
    index = np.asarray(sample_batches(key, problem.x.shape[0], b, n_batches))
    expected = []
    for row in index:  # plain loop over the batches and their examples
        total = np.zeros(grads.shape[1])
        for i in row:
            total += grads[i]
        expected.append(float(np.sum((total / b) ** 2)))

    @jax.jit
    def both(params, key):
        args = (params, problem.loss, problem.x, problem.y, key)
        return (
            batch_grad_norms_sq(*args, batch_size=b, n_batches=n_batches),
            batch_grad_norms_sq(*args, batch_size=b, n_batches=n_batches, batch_chunk=4),
        )

    vmapped, chunked = both(problem.params, key)
    np.testing.assert_allclose(np.asarray(vmapped), expected, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(chunked), expected, rtol=1e-10)


def test_stats_are_mean_and_sample_std(problem):
    @jax.jit
    def run(params, key):
        inputs = gather_inputs(
            {"batch_norms_sq"},
            params,
            problem.loss,
            problem.x,
            problem.y,
            key=key,
            batch_sizes=(2, 5),
            n_batches=30,
        )
        return (
            inputs.batch_norms_sq,
            QUANTITIES["grad_norm_sq"].compute(inputs),
            QUANTITIES["grad_norm"].compute(inputs),
        )

    samples, sq, norm = run(problem.params, jax.random.key(2))
    samples = np.asarray(samples)  # (batch sizes, n_batches)
    assert samples.shape == (2, 30)
    np.testing.assert_allclose(sq["mean"], samples.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(sq["std"], samples.std(axis=1, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(norm["mean"], np.sqrt(samples).mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(norm["std"], np.sqrt(samples).std(axis=1, ddof=1), rtol=1e-12)
