"""SGD with momentum (Keras's formula), batches, the three flavors, and the training loop."""

from __future__ import annotations

import numpy as np
import pytest

from batchlab.scratch import (
    MLP,
    SGDState,
    batch_slices,
    flavor_batch_size,
    sgd_init,
    sgd_update,
    train,
)


def _one_unit(w: float = 1.0, b: float = 0.0) -> MLP:
    """p = w x + b, loss (p - y)^2: dL/dw = 2 (p - y) x, dL/db = 2 (p - y)."""
    return MLP(output="linear", loss="mse", weights=[(np.array([[w]]), np.array([b]))])


def _params(net: MLP) -> tuple[float, float]:
    return float(net.weights[0][0][0, 0]), float(net.weights[0][1][0])


def test_momentum_is_keras_sgd_by_hand():
    # x = 1, y = 0, w = 1, b = 0, lr = 0.1, momentum = 0.9; v = 0.9 v - 0.1 g; w = w + v
    # step 1: p = 1,   g = 2   -> v = -0.2                    -> w = 0.8, b = -0.2
    # step 2: p = 0.6, g = 1.2 -> v = 0.9(-0.2) - 0.12 = -0.3 -> w = 0.5, b = -0.5
    net = _one_unit()
    train(net, [[1.0]], [[0.0]], batch_size=1, epochs=2, lr=0.1, momentum=0.9)
    assert _params(net) == pytest.approx((0.5, -0.5), abs=1e-15)


def test_nesterov_is_keras_sgd_by_hand():
    # Nesterov: v = 0.9 v - 0.1 g; w = w + 0.9 v - 0.1 g
    # step 1: g = 2    -> v = -0.2   -> w = 1 - 0.18 - 0.2 = 0.62, b = -0.38
    # step 2: p = 0.24, g = 0.48 -> v = -0.18 - 0.048 = -0.228
    #         -> w = 0.62 - 0.2052 - 0.048 = 0.3668, b = -0.38 - 0.2052 - 0.048 = -0.6332
    net = _one_unit()
    train(net, [[1.0]], [[0.0]], batch_size=1, epochs=2, lr=0.1, momentum=0.9, nesterov=True)
    assert _params(net) == pytest.approx((0.3668, -0.6332), abs=1e-15)


def test_zero_momentum_is_plain_gradient_descent():
    # step 1: g = 2 -> w = 0.8, b = -0.2; step 2: p = 0.6, g = 1.2 -> w = 0.68, b = -0.32
    net = _one_unit()
    train(net, [[1.0]], [[0.0]], batch_size=1, epochs=2, lr=0.1)
    assert _params(net) == pytest.approx((0.68, -0.32), abs=1e-15)


def test_sgd_update_is_pure():
    weights = [(np.array([[1.0]]), np.array([0.0]))]
    grads = [(np.array([[2.0]]), np.array([2.0]))]
    state = sgd_init(weights)
    new, new_state = sgd_update(weights, grads, state, lr=0.1, momentum=0.9)
    assert isinstance(new_state, SGDState)
    assert weights[0][0][0, 0] == 1.0 and state.velocity[0][0][0, 0] == 0.0  # unchanged
    assert new[0][0][0, 0] == pytest.approx(0.8)
    assert new_state.velocity[0][1][0] == pytest.approx(-0.2)


def _data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.uniform(size=(n, 2))


def _net(seed: int = 1) -> MLP:
    return MLP([3, 4, 2], hidden="tanh", output="sigmoid", loss="mse", seed=seed)


def _gd_step(net: MLP, x, y, lr: float) -> float:
    """One plain gradient step on the batch x, y, by hand; returns the batch loss."""
    loss, grads = net.gradients(x, y)
    net.weights = [
        (W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(net.weights, grads, strict=True)
    ]
    return loss


def _close(a: MLP, b: MLP) -> None:
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-13, atol=1e-15)


def test_ragged_last_batch_is_smaller_never_dropped():
    assert [len(s) for s in batch_slices(np.arange(10), 4)] == [4, 4, 2]
    x, y = _data(10)
    net, by_hand = _net(), _net()
    hist = train(net, x, y, batch_size=4, epochs=1, lr=0.3)
    assert hist.updates == [3] and hist.steps_per_epoch == 3
    # The same three updates by hand: examples 0-3, 4-7, then 8-9 averaged over 2, not 4.
    for rows in (slice(0, 4), slice(4, 8), slice(8, 10)):
        _gd_step(by_hand, x[rows], y[rows], 0.3)
    _close(net, by_hand)


@pytest.mark.parametrize("batch_size", [10, "full", 25])
def test_batch_gradient_descent_is_full_gradient_steps(batch_size):
    x, y = _data(10)
    net, by_hand = _net(), _net()
    hist = train(net, x, y, batch_size=batch_size, epochs=3, lr=0.5, shuffle_seed=7)
    assert hist.batch_size == 10 and hist.updates == [1, 2, 3]
    for _ in range(3):
        _gd_step(by_hand, x, y, 0.5)
    _close(net, by_hand)  # shuffling only reorders the sum: equal to rounding


def test_explicit_order_fixes_the_batches():
    x, y = _data(5)
    order = [np.array([4, 2, 0, 1, 3]), np.array([1, 0, 3, 4, 2])]
    net, by_hand = _net(), _net()
    train(net, x, y, batch_size=2, epochs=2, lr=0.2, momentum=0.5, order=order)
    state = sgd_init(by_hand.weights)
    for perm in order:
        for idx in (perm[0:2], perm[2:4], perm[4:5]):
            _, grads = by_hand.gradients(x[idx], y[idx])
            by_hand.weights, state = sgd_update(by_hand.weights, grads, state, 0.2, 0.5)
    _close(net, by_hand)


def test_shuffle_seed_is_reproducible_and_changes_the_order():
    x, y = _data(8)
    a, b, c, d = _net(), _net(), _net(), _net()
    train(a, x, y, batch_size=1, epochs=2, lr=0.1, shuffle_seed=3)
    train(b, x, y, batch_size=1, epochs=2, lr=0.1, shuffle_seed=3)
    train(c, x, y, batch_size=1, epochs=2, lr=0.1, shuffle_seed=4)
    rng = np.random.default_rng(3)
    train(d, x, y, batch_size=1, epochs=2, lr=0.1, order=[rng.permutation(8) for _ in range(2)])
    for wa, wb, wd in zip(a.get_weights(), b.get_weights(), d.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(wa, wd)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_history_records_losses_per_epoch():
    x, y = _data(10)
    net = _net()
    hist = train(net, x, y, batch_size=3, epochs=4, lr=0.5)
    assert hist.epoch == [1, 2, 3, 4] and hist.updates == [4, 8, 12, 16]
    assert len(hist.train_loss) == len(hist.train_accuracy) == len(hist.train_loss_end) == 4
    assert hist.train_loss_end[-1] == net.loss(x, y)
    assert hist.train_accuracy_end[-1] == net.accuracy(x, y)
    # train_loss: batch losses before each update, weighted by batch size (3, 3, 3, 1).
    fresh = _net()
    losses, sizes = [], []
    for idx in batch_slices(np.arange(10), 3):
        losses.append(_gd_step(fresh, x[idx], y[idx], 0.5))
        sizes.append(len(idx))
    assert hist.train_loss[0] == pytest.approx(np.average(losses, weights=sizes), rel=1e-14)


def test_flavor_batch_sizes():
    assert flavor_batch_size("batch", 100) == 100
    assert flavor_batch_size("stochastic", 100) == 1
    assert flavor_batch_size("minibatch", 100) == 32
    assert flavor_batch_size("minibatch", 20) == 20
    assert flavor_batch_size("minibatch", 100, minibatch_size=8) == 8


def test_keras_flat_weights_round_trip():
    net = _net()
    flat = net.get_weights()
    assert [w.shape for w in flat] == [(3, 4), (4,), (4, 2), (2,)]
    again = MLP(hidden="tanh", output="sigmoid", loss="mse", weights=flat)
    assert again.sizes == [3, 4, 2]
    flat[0][0, 0] = 99.0  # copies both ways
    assert net.weights[0][0][0, 0] != 99.0 and again.weights[0][0][0, 0] != 99.0


def test_glorot_uniform_init_is_seeded():
    a, b = _net(seed=5), _net(seed=5)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    W, bias = a.weights[0]
    assert np.abs(W).max() <= np.sqrt(6 / (3 + 4)) and not bias.any()
