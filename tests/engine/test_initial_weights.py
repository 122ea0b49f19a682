"""Each seed's initial weights from one built model are bit-identical to
``keras.utils.set_random_seed(s); build()``, for every builtin model and a user's model; a
model whose weights cannot be replayed safely is built per seed instead."""

import numpy as np
import pytest

from batchlab._backend import keras
from batchlab.engine._init import seeded_model
from batchlab.engine._weights import InitialWeights
from batchlab.models import BUILTIN_MODELS

SEEDS = (1, 7, 123456)

# (input_shape, n_outputs) that suit each builtin kind; a kind added later gets a default
SHAPES = {"mlp": ((2,), 3), "cnn1d": ((40,), 10), "cnn2d": ((8, 8, 1), 10)}


def _assert_same(weights: InitialWeights, build, seeds=SEEDS):
    for seed in seeds:
        _, trainable, non_trainable = weights(seed)
        _, want_t, want_n = seeded_model(build, seed)
        assert len(trainable) == len(want_t) and len(non_trainable) == len(want_n)
        for got, want in zip(trainable + non_trainable, want_t + want_n, strict=True):
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)  # bit for bit


@pytest.mark.parametrize("kind", sorted(BUILTIN_MODELS))
def test_every_builtin_model_is_replayed_exactly(kind):
    shape, n = SHAPES.get(kind, ((8, 8, 1), 10))
    builder = BUILTIN_MODELS[kind]()
    build = lambda: builder(shape, n)  # noqa: E731
    weights = InitialWeights(build)
    assert weights.replayed, f"{kind}: its weights were built per seed, not replayed"
    _assert_same(weights, build)


def _user_model(input_shape, n_outputs):
    k = keras()
    return k.Sequential(
        [
            k.Input(input_shape),
            k.layers.Dense(9, activation="tanh", kernel_initializer="glorot_normal"),
            k.layers.BatchNormalization(),
            k.layers.Dropout(0.2),
            k.layers.Dense(6, bias_initializer="random_normal"),
            k.layers.LayerNormalization(),
            k.layers.Dense(
                n_outputs,
                activation="softmax",
                kernel_initializer=k.initializers.RandomNormal(stddev=0.3, seed=5),  # fixed
            ),
        ]
    )


def test_a_user_model_with_batchnorm_dropout_and_a_fixed_seed_is_replayed_exactly():
    build = lambda: _user_model((5,), 4)  # noqa: E731
    weights = InitialWeights(build)
    assert weights.replayed
    _assert_same(weights, build)


def _custom_layer_model():
    k = keras()

    class Scale(k.layers.Layer):
        """A weight made by add_weight with no ``<name>_initializer`` attribute."""

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="random_uniform")

        def call(self, x):
            return x * self.w

    return k.Sequential([k.Input((3,)), Scale(), k.layers.Dense(2, activation="softmax")])


def test_a_layer_that_cannot_be_replayed_falls_back_to_building_per_seed():
    weights = InitialWeights(_custom_layer_model)
    assert not weights.replayed
    _assert_same(weights, _custom_layer_model, seeds=(2, 3))


def test_the_callers_global_seeds_are_untouched():
    import random

    random.seed(99)
    np.random.seed(99)  # noqa: NPY002
    expected = (random.random(), np.random.rand())  # noqa: NPY002
    random.seed(99)
    np.random.seed(99)  # noqa: NPY002
    weights = InitialWeights(lambda: BUILTIN_MODELS["mlp"]()((2,), 3))
    weights(4)
    assert (random.random(), np.random.rand()) == expected  # noqa: NPY002
