"""Backpropagation against central finite differences, float64, every activation and loss."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from batchlab.scratch import MLP

H = 1e-5  # finite-difference step (worst relative error seen: 8e-9)
TOLERANCE = 1e-6  # relative error of each weight array's gradient

OUTPUT_LOSS = [
    ("sigmoid", "mse"),
    ("sigmoid", "binary_crossentropy"),
    ("softmax", "categorical_crossentropy"),
    ("softmax", "mse"),
    ("linear", "mse"),
]


def _problem(hidden: str, output: str, loss: str, layers: int, seed: int):
    """A random network with ``layers`` weight layers and a batch of 7 examples."""
    rng = np.random.default_rng(seed)
    sizes = [3] + list(rng.integers(2, 6, size=layers - 1)) + [4]
    weights = [
        (rng.normal(0, 0.8, size=(a, b)), rng.normal(0, 0.5, size=b))
        for a, b in itertools.pairwise(sizes)
    ]
    net = MLP(hidden=hidden, output=output, loss=loss, weights=weights)
    x = rng.normal(size=(7, 3))
    if output == "softmax":
        y = np.eye(4)[rng.integers(0, 4, size=7)]  # one-hot
    elif output == "sigmoid":
        y = rng.uniform(size=(7, 4))  # soft targets exercise both log terms
    else:
        y = rng.normal(size=(7, 4))
    return net, x, y


def _kink_margin(net: MLP, x: np.ndarray) -> float:
    """The smallest |z| over the hidden pre-activations: ReLU is not differentiable at 0."""
    a, margin = x, np.inf
    for (W, b), act in zip(net.weights[:-1], net.activations[:-1], strict=True):
        z = a @ W + b
        margin = min(margin, float(np.abs(z).min()))
        a = np.maximum(z, 0) if act == "relu" else np.tanh(z)
    return margin


def _finite_differences(net: MLP, x, y) -> list[tuple[np.ndarray, np.ndarray]]:
    grads = []
    for W, b in net.weights:
        layer = []
        for w in (W, b):
            g = np.zeros_like(w)
            for i in np.ndindex(w.shape):
                old = w[i]
                w[i] = old + H
                up = net.loss(x, y)
                w[i] = old - H
                down = net.loss(x, y)
                w[i] = old
                g[i] = (up - down) / (2 * H)
            layer.append(g)
        grads.append(tuple(layer))
    return grads


@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu"])
def test_backprop_matches_finite_differences(hidden, output, loss, layers):
    net, x, y = _problem(hidden, output, loss, layers, seed=layers)
    if hidden == "relu":
        # Central differences straddle a kink only if some |z| < H; keep well away from it.
        assert _kink_margin(net, x) > 1e3 * H
    loss_value, grads = net.gradients(x, y)
    assert loss_value == pytest.approx(net.loss(x, y), rel=1e-15)
    numeric = _finite_differences(net, x, y)
    for layer, (analytic, approx) in enumerate(zip(grads, numeric, strict=True)):
        for name, g, n in zip(("W", "b"), analytic, approx, strict=True):
            assert g.shape == n.shape
            rel = np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n))
            assert rel < TOLERANCE, f"{name}_{layer + 1}: relative error {rel:.2e}"


def test_clipped_probabilities_have_zero_gradient():
    """As in Keras (and JAX differentiating jnp.clip), a probability clipped to
    [1e-7, 1 - 1e-7] passes no gradient; the loss is that of the clipped value."""
    W = np.array([[40.0, -40.0]])  # a saturated softmax: p = (1 - 1e-35, 1e-35)
    net = MLP(output="softmax", loss="categorical_crossentropy", weights=[(W, np.zeros(2))])
    x, y = np.array([[1.0]]), np.array([[0.0, 1.0]])
    loss, grads = net.gradients(x, y)
    assert loss == pytest.approx(-np.log(1e-7))
    np.testing.assert_array_equal(grads[0][0], 0.0)
