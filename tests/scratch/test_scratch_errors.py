"""Bad input raises SpecError naming the argument, the value and what is valid."""

from __future__ import annotations

import numpy as np
import pytest

from batchlab.errors import SpecError
from batchlab.scratch import MLP, flavor_batch_size, logic_command, train


def _net() -> MLP:
    return MLP([2, 3, 1], seed=0)


X, Y = np.zeros((4, 2)), np.zeros((4, 1))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size=0"),
        ({"batch_size": -2}, "batch_size=-2"),
        ({"batch_size": "half"}, "batch_size='half'"),
        ({"batch_size": 1.5}, "batch_size=1.5"),
        ({"lr": 0.0}, "lr=0.0"),
        ({"lr": -0.1}, "lr=-0.1"),
        ({"lr": float("nan")}, "lr=nan"),
        ({"momentum": 1.5}, "momentum=1.5"),
        ({"epochs": 0}, "epochs=0"),
        ({"order": [np.arange(4)]}, "order has 1 permutations but epochs=2"),
        ({"order": [np.arange(4), np.array([0, 0, 1, 2])]}, r"order\[1\]"),
        ({"order": [np.arange(4.0), np.arange(4)]}, r"order\[0\] is not a permutation"),
        ({"order": [np.arange(4)] * 2, "shuffle_seed": 0}, "`order` or `shuffle_seed`"),
    ],
)
def test_bad_training_arguments(kwargs, match):
    args = {"batch_size": 2, "epochs": 2, "lr": 0.1} | kwargs
    with pytest.raises(SpecError, match=match):
        train(_net(), X, Y, **args)


def test_shape_mismatch_names_x_and_y():
    with pytest.raises(SpecError, match=r"x has shape \(4, 3\).*\(examples, 2\)"):
        train(_net(), np.zeros((4, 3)), Y, batch_size=1, epochs=1, lr=0.1)
    with pytest.raises(SpecError, match=r"y has shape \(4, 2\).*\(4, 1\)"):
        train(_net(), X, np.zeros((4, 2)), batch_size=1, epochs=1, lr=0.1)
    with pytest.raises(SpecError, match=r"y has shape \(3, 1\)"):
        _net().loss(X, np.zeros((3, 1)))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hidden": "swish"}, "hidden='swish' is not known; valid: sigmoid, tanh, relu"),
        ({"output": "tanh"}, "output='tanh' is not known; valid: sigmoid, softmax, linear"),
        ({"loss": "hinge"}, "loss='hinge' is not known; valid: mse"),
        ({"loss": "categorical_crossentropy"}, "loss='categorical_crossentropy' needs output"),
        ({"output": "softmax", "loss": "binary_crossentropy"}, "needs output in"),
        ({"hidden": ["relu", "tanh"]}, "1 hidden layers"),
    ],
)
def test_bad_network_arguments(kwargs, match):
    with pytest.raises(SpecError, match=match):
        MLP([2, 3, 1], seed=0, **kwargs)


def test_bad_sizes_and_weights():
    with pytest.raises(SpecError, match=r"sizes=\[2\]"):
        MLP([2], seed=0)
    with pytest.raises(SpecError, match=r"sizes=\[2, 0, 1\]"):
        MLP([2, 0, 1], seed=0)
    with pytest.raises(SpecError, match="`weights` or `seed`, not both"):
        MLP(weights=[np.zeros((2, 1)), np.zeros(1)], seed=0)
    with pytest.raises(SpecError, match="`weights` .* or `seed`"):
        MLP([2, 1])
    with pytest.raises(SpecError, match="weights: layer 2 has W of shape \\(4, 1\\)"):
        MLP(weights=[(np.zeros((2, 3)), np.zeros(3)), (np.zeros((4, 1)), np.zeros(1))])
    with pytest.raises(SpecError, match="weights: layer 1 .* b of shape \\(2,\\)"):
        MLP(weights=[(np.zeros((2, 3)), np.zeros(2))])
    with pytest.raises(SpecError, match="weights: got 3 arrays"):
        MLP(weights=[np.zeros((2, 3)), np.zeros(3), np.zeros((3, 1))])
    with pytest.raises(SpecError, match=r"sizes=\[2, 5, 1\] but the weights"):
        MLP([2, 5, 1], weights=[(np.zeros((2, 3)), np.zeros(3)), (np.zeros((3, 1)), np.zeros(1))])


def test_bad_flavor_and_plot():
    with pytest.raises(SpecError, match="flavor='sgd' is not known; valid: batch, stochastic"):
        flavor_batch_size("sgd", 10)
    with pytest.raises(SpecError, match="minibatch_size=0"):
        flavor_batch_size("minibatch", 10, minibatch_size=0)
    with pytest.raises(SpecError, match=r"plot = 'logic.gif'.*\.png, \.svg or \.pdf"):
        logic_command(epochs=1, plot="logic.gif", seed=0, hidden=8, lr=1.0, momentum=0.9)
    with pytest.raises(SpecError, match="hidden=0"):
        logic_command(epochs=1, plot=None, seed=0, hidden=0, lr=1.0, momentum=0.9)
    with pytest.raises(SpecError, match="epochs=0"):
        logic_command(epochs=0, plot=None, seed=0, hidden=8, lr=1.0, momentum=0.9)
