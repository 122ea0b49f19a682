"""sharpness: the top Hessian eigenvalue by Lanczos, against the exact Hessian's eigvalsh."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from batchlab.quantities import QUANTITIES
from batchlab.quantities.sharpness import (
    STEPS,
    hessian_vector_product,
    lanczos_top_eigenvalue,
    sharpness,
)
from batchlab.run._runner import diagnostic_quantities
from batchlab.study import load_study

from .mlp import make_problem


def exact_hessian(problem, m=None):
    """The Hessian of the mean loss over the first ``m`` examples, formed by jax.hessian."""
    flat, unravel = ravel_pytree(problem.params)
    x, y = problem.x[:m], problem.y[:m]

    def loss(theta):
        return jnp.mean(jax.vmap(problem.loss, in_axes=(None, 0, 0))(unravel(theta), x, y))

    return np.asarray(jax.jit(jax.hessian(loss))(flat))


def test_sharpness_is_the_top_eigenvalue_of_the_exact_hessian(x64):
    problem = make_problem(n=40, seed=0)  # 67 weights, more than the 20 Lanczos steps
    hessian = exact_hessian(problem)
    eigenvalues = np.linalg.eigvalsh(hessian)
    assert hessian.shape[0] > STEPS
    assert -eigenvalues[0] > eigenvalues[-1] > 0  # power iteration would find the negative one
    value = sharpness(
        problem.params, problem.loss, problem.x, problem.y, jax.random.key(0), chunk_size=16
    )  # 3 chunks, the last one ragged
    assert float(value) == pytest.approx(eigenvalues[-1], rel=1e-3)
    v = np.random.default_rng(0).normal(size=hessian.shape[0])
    hv = hessian_vector_product(problem.params, problem.loss, problem.x, problem.y, chunk_size=16)
    np.testing.assert_allclose(hv(jnp.asarray(v)), hessian @ v, rtol=1e-9, atol=1e-12)


def test_lanczos_restarts_when_the_krylov_space_is_exhausted(x64):
    # rank 2: the Krylov space of any start has dimension <= 3 of 12; the top is exact
    rng = np.random.default_rng(1)
    u = rng.normal(size=(12, 2))
    matrix = jnp.asarray(u @ np.diag([5.0, -7.0]) @ u.T)
    value = lanczos_top_eigenvalue(lambda v: matrix @ v, jnp.ones(12), jax.random.key(0), 8)
    assert np.isfinite(float(value))
    assert float(value) == pytest.approx(np.linalg.eigvalsh(np.asarray(matrix))[-1], rel=1e-9)


def test_vmapped_over_a_cohort_in_float32_on_the_first_examples(x64):
    """As the engine measures it: float32, vmapped over trials, a pool larger than the
    examples the loss is taken over (the first ``max_examples``)."""
    problems = [make_problem(n=30, seed=s) for s in (1, 2)]
    x, y = problems[0].x, problems[0].y
    stacked = jax.tree.map(lambda *a: jnp.stack(a), *(p.params for p in problems))
    flats, unravel = (
        jax.vmap(lambda p: ravel_pytree(p)[0])(stacked),
        ravel_pytree(problems[0].params)[1],
    )

    def loss(theta):
        losses = jax.vmap(problems[0].loss, in_axes=(None, 0, 0))(unravel(theta), x[:20], y[:20])
        return jnp.mean(losses)

    hessians = jax.jit(jax.vmap(jax.hessian(loss)))(flats)  # both trials, one program
    tops = [np.linalg.eigvalsh(np.asarray(h))[-1] for h in hessians]
    stacked = jax.tree.map(lambda a: a.astype(jnp.float32), stacked)
    keys = jax.random.split(jax.random.key(7), 2)

    def one(params, key):
        return sharpness(params, problems[0].loss, x.astype(jnp.float32), y, key, max_examples=20)

    values = jax.jit(jax.vmap(one))(stacked, keys)
    assert values.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(values), tops, rtol=1e-3)
    # through the registry and the engine: tests/plots/test_gradient_kinds.py's stored study


def test_sharpness_is_measured_only_when_a_study_names_it():
    assert QUANTITIES["sharpness"].needs == {"key"} and not QUANTITIES["sharpness"].default
    plain = load_study("seed004-gradients")
    assert "sharpness" not in diagnostic_quantities(plain)[0]
    named = load_study("edge-of-stability")
    assert diagnostic_quantities(named) == (("sharpness",), ())
