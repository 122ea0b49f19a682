"""The engine against Keras ``fit`` itself: same initial weights, same batches, same weights after.

Seed 003's MLP, ``shuffle=False``, 3 epochs; batch sizes 1, 7 (ragged: 500 = 71 * 7 + 3), 32 and
the full batch; SGD with momentum 0.9 (and Nesterov) and Adam. A cohort member's final weights
equal ``model.fit``'s on Keras's JAX backend to a relative error below 1e-5.
"""

import numpy as np
import pytest

import batchlab as bl
from batchlab._backend import keras as _keras

keras = _keras()
EPOCHS = 3
SEEDS = (0, 1)  # a cohort of two; the Keras run uses the second


def seed003_model():
    """Seed 003's model, written as the seed writes it (Keras 3 renames only)."""
    model = keras.Sequential()
    model.add(keras.Input(shape=(2,)))
    model.add(keras.layers.Dense(50, activation="relu", kernel_initializer="he_uniform"))
    model.add(keras.layers.Dense(3, activation="softmax"))
    return model


def keras_fit(seed, batch_size, optimizer, shuffle=False):
    """The seed's ``fit`` (with ``validation_data``, as the seed calls it)."""
    ds = bl.data.load_dataset("blobs")
    keras.utils.set_random_seed(seed)
    model = seed003_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    history = model.fit(
        ds.x_train,
        ds.y_train,
        batch_size=batch_size,
        epochs=EPOCHS,
        shuffle=shuffle,
        validation_data=(ds.x_test, ds.y_test),
        verbose=0,
    )
    return [v.numpy() for v in model.trainable_variables], history.history


def rel_error(ours, theirs):
    num = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(ours, theirs, strict=True)))
    den = np.sqrt(sum(np.sum(b**2) for b in theirs))
    return num / den


OPTIMIZERS = {
    "sgd-momentum": (
        lambda: bl.sgd(momentum=0.9),
        lambda: keras.optimizers.SGD(0.01, momentum=0.9),
    ),
    "nesterov": (
        lambda: bl.sgd(momentum=0.9, nesterov=True),
        lambda: keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
    ),
    "adam": (lambda: bl.adam(), lambda: keras.optimizers.Adam(0.01)),
}


def train_both(name, batch_size, shuffle):
    """A cohort of SEEDS and the Keras run of SEEDS[1]: (result, trial 1's history rows,
    Keras's weights, Keras's history)."""
    ours_opt, keras_opt = OPTIMIZERS[name]
    result = bl.train(
        "blobs",
        seed003_model,
        ours_opt(),
        batch_size=batch_size,
        learning_rate=0.01,
        seeds=list(SEEDS),
        epochs=EPOCHS,
        shuffle=shuffle,
    )
    bs = 500 if batch_size == "full" else batch_size
    theirs, history = keras_fit(SEEDS[1], bs, keras_opt(), shuffle=shuffle)
    mine = result.history[result.history.trial == 1].sort_values("epoch")
    return result, mine, theirs, history


CASES = [(name, bs) for name in ("sgd-momentum", "adam") for bs in (1, 7, 32, "full")] + [
    ("nesterov", 7),
    ("nesterov", "full"),
]


@pytest.mark.parametrize(("name", "batch_size"), CASES)
def test_final_weights_equal_keras_fit(name, batch_size):
    result, mine, theirs, history = train_both(name, batch_size, shuffle=False)
    assert rel_error(result.final_weights(trial=1), theirs) < 1e-5
    # What fit reports per epoch (loss and accuracy over the epoch's batches) matches too.
    np.testing.assert_allclose(mine.train_loss, history["loss"], rtol=1e-4)
    np.testing.assert_allclose(mine.train_accuracy, history["accuracy"], atol=1e-6)


@pytest.mark.parametrize(
    ("name", "batch_size"),
    [("sgd-momentum", 1), ("sgd-momentum", 7), ("sgd-momentum", 32), ("adam", 7)],
)
def test_shuffled_trial_sees_the_batches_its_keras_twin_sees(float64, name, batch_size):
    """Shuffling on (Keras's default): trial seed s draws the example orders that
    ``set_random_seed(s); compile(); fit(shuffle=True)`` draws, so it ends with the same weights.

    In float64 on both sides: at batch size 1, float32 rounding alone (the two programs fuse
    sums differently) can grow to 1e-4 over an epoch, shuffled or not; in float64 anything
    above 1e-9 is a different batch."""
    result, mine, theirs, history = train_both(name, batch_size, shuffle=True)
    assert theirs[0].dtype == np.float64
    assert rel_error(result.final_weights(trial=1), theirs) < 1e-9
    np.testing.assert_allclose(mine.train_loss, history["loss"], rtol=1e-9)
    np.testing.assert_allclose(mine.test_accuracy, history["val_accuracy"], atol=1e-12)


def test_initial_weights_are_keras_weights_for_the_seed():
    result = bl.train("blobs", seed003_model, bl.sgd(), batch_size=32, seeds=[3, 5], epochs=1)
    for k, seed in enumerate([3, 5]):
        keras.utils.set_random_seed(seed)
        expected = [v.numpy() for v in seed003_model().trainable_variables]
        for ours, theirs in zip(result.initial_weights(k), expected, strict=True):
            np.testing.assert_array_equal(ours, theirs)
