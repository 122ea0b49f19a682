"""Builtin model builders: seed 003's exact initial weights, output shapes, field checks."""

import numpy as np
import pytest

from batchlab._backend import keras
from batchlab.errors import ModelError
from batchlab.models import CNN1D, MLP, cnn1d, mlp


def seed_003_weights(seed):
    """Seed 003's model, written as the seed writes it."""
    k = keras()
    k.utils.set_random_seed(seed)
    from keras.layers import Dense
    from keras.models import Sequential

    with pytest.warns(UserWarning, match="input_dim"):  # Keras 3 prefers keras.Input
        model = Sequential()
        model.add(Dense(50, input_dim=2, activation="relu", kernel_initializer="he_uniform"))
        model.add(Dense(3, activation="softmax"))
    return [np.asarray(w) for w in model.get_weights()]


@pytest.mark.parametrize("seed", [0, 1234])
def test_mlp_has_seed_003_initial_weights(seed):
    expected = seed_003_weights(seed)
    keras().utils.set_random_seed(seed)
    model = MLP((50,))((2,), 3)
    got = [np.asarray(w) for w in model.get_weights()]
    assert [w.shape for w in got] == [(2, 50), (50,), (50, 3), (3,)]
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
    assert not np.array_equal(expected[0], seed_003_weights(seed + 1)[0])


def test_mlp_output_shapes_and_activations():
    # Shapes reused across tests: each new weight shape costs a JAX compilation.
    model = mlp(hidden=(50, 50), activation="tanh", output="sigmoid")((2,), 3)
    assert model.built and tuple(model.output_shape) == (None, 3)
    assert [tuple(w.shape) for w in model.weights] == [
        (2, 50),
        (50,),
        (50, 50),
        (50,),
        (50, 3),
        (3,),
    ]
    assert [layer.activation.__name__ for layer in model.layers] == ["tanh", "tanh", "sigmoid"]
    flat = MLP()((2, 1), 3)  # inputs with more axes are flattened first
    assert [tuple(w.shape) for w in flat.weights] == [(2, 50), (50,), (50, 3), (3,)]
    assert tuple(MLP(hidden=())((2,), 3).output_shape) == (None, 3)  # logistic regression


def test_cnn1d_for_mnist1d():
    model = cnn1d()((40,), 10)
    assert tuple(model.output_shape) == (None, 10)
    assert model.count_params() < 10_000  # small enough for CPU cohorts
    assert tuple(CNN1D()((40, 1), 10).output_shape) == (None, 10)  # (length, channels) input
    with pytest.raises(ModelError, match=r"cnn1d takes \(length,\)"):
        CNN1D()((8, 8, 1), 10)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"hidden": (0,)}, r"mlp\.hidden: \(0,\) is not valid"),
        ({"hidden": ("50",)}, r"mlp\.hidden"),
        ({"activation": "rellu"}, r"mlp\.activation: 'rellu' is not a Keras activation"),
        ({"init": "he_unif"}, r"mlp\.init: 'he_unif' is not a Keras initializer"),
        ({"output": "tanh"}, r"mlp\.output: 'tanh' is not valid; use one of softmax"),
    ],
)
def test_mlp_fields_are_checked(kwargs, message):
    with pytest.raises(ModelError, match=message):
        mlp(**kwargs)


def test_builder_arguments_are_checked():
    with pytest.raises(ModelError, match=r"input_shape: \(\) is not valid"):
        MLP()((), 3)
    with pytest.raises(ModelError, match=r"n_outputs: 0 is not valid"):
        MLP()((2,), 0)


def test_mlp_is_hashable_and_list_hidden_becomes_tuple():
    assert mlp(hidden=[50]) == MLP() and hash(mlp(hidden=[50])) == hash(MLP())
