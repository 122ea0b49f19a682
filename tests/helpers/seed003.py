"""Seed 003 as Keras runs it: the reference for batchlab's fidelity test and benchmark.

The seed's code with the Keras 3 renames (``learning_rate`` for ``lr``, ``keras.Input`` for
``input_dim``, the ``accuracy`` key); ``steps_per_execution`` only groups steps per compiled
call and changes no number (see test_steps_per_execution_changes_nothing).
"""

from __future__ import annotations

import numpy as np

from batchlab._backend import keras as _keras

keras = _keras()

BATCH_SIZES = [4, 8, 16, 32, 64, 128, 256, 450]
# Seed 003's four runs: (name, batch size, learning rate, what the seed printed).
FLAVORS = [
    ("batch", 500, 0.01, dict(train=0.816, test=0.830)),
    ("stochastic lr=0.01", 1, 0.01, dict(train=0.612, test=0.606)),
    ("stochastic lr=0.001", 1, 0.001, dict(train=0.816, test=0.824)),
    ("minibatch 32", 32, 0.01, dict(train=0.832, test=0.812)),
]


def prepare_data():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2)
    y = keras.utils.to_categorical(y)
    n_train = 500
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def define_model():
    model = keras.Sequential()
    model.add(keras.Input(shape=(2,)))
    model.add(keras.layers.Dense(50, activation="relu", kernel_initializer="he_uniform"))
    model.add(keras.layers.Dense(3, activation="softmax"))
    return model


def fit_model(seed, n_batch, lr=0.01, epochs=200, steps_per_execution=1):
    """One run of the seed's ``fit_model``; returns (train_acc, test_acc) from ``evaluate``."""
    trainX, trainy, testX, testy = prepare_data()
    keras.utils.set_random_seed(seed)
    model = define_model()
    opt = keras.optimizers.SGD(learning_rate=lr, momentum=0.9)
    model.compile(
        loss="categorical_crossentropy",
        optimizer=opt,
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    model.fit(trainX, trainy, epochs=epochs, verbose=0, batch_size=n_batch)
    _, train_acc = model.evaluate(trainX, trainy, verbose=0)
    _, test_acc = model.evaluate(testX, testy, verbose=0)
    return train_acc, test_acc


def steps_per_execution(n_batch, n_train=500):
    """Group a whole epoch's steps per call (at most 125): same updates, less dispatch."""
    return int(min(125, -(-n_train // n_batch)))


def keras_grid(seeds, epochs=200, batch_sizes=BATCH_SIZES, lr=0.01):
    """Final test accuracy of Keras ``fit`` per (batch size, seed): an array (sizes, seeds)."""
    out = np.zeros((len(batch_sizes), len(seeds)))
    for i, b in enumerate(batch_sizes):
        for j, s in enumerate(seeds):
            out[i, j] = fit_model(s, b, lr, epochs, steps_per_execution(b))[1]
    return out
