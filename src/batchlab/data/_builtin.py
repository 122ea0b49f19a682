"""Builtin datasets: generated or loaded from installed packages, never downloaded (the
Keras datasets, MNIST and the others, are in :mod:`batchlab.data._keras`).

Each builtin is a function ``() -> Dataset``, cached in-process (datasets are immutable).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from batchlab.data._dataset import Dataset


@functools.cache
def blobs() -> Dataset:
    """Seed 003 exactly: ``make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2,
    random_state=2)``, the first 500 rows for training and the last 500 for testing."""
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2)
    return Dataset(
        "blobs",
        x[:500],
        y[:500],
        x[500:],
        y[500:],
        task="classification",
        n_classes=3,
        description=BUILTINS["blobs"][0],
    )


LOGIC_FUNCTIONS = ("AND", "OR", "XOR", "NAND", "NOR")


@functools.cache
def logic() -> Dataset:
    """Seed 002: the truth table of five logic functions of two binary inputs.

    ``x`` is ``[[0, 0], [0, 1], [1, 0], [1, 1]]``; ``y[:, k]`` is function ``k`` of
    ``LOGIC_FUNCTIONS`` (AND, OR, XOR, NAND, NOR). The table is the whole domain, so the test
    set is the same four rows.
    """
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    a, b = x[:, 0].astype(bool), x[:, 1].astype(bool)
    y = np.stack([a & b, a | b, a ^ b, ~(a & b), ~(a | b)], axis=1).astype(np.float32)  # (4, 5)
    return Dataset(
        "logic",
        x,
        y,
        x,
        y,
        task="multilabel",
        n_classes=5,
        class_names=LOGIC_FUNCTIONS,
        description=BUILTINS["logic"][0],
    )


@functools.cache
def moons() -> Dataset:
    """``make_moons(n_samples=1000, noise=0.2, random_state=0)`` (shuffled by sklearn), the
    first 500 rows for training and the last 500 for testing."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=1000, noise=0.2, random_state=0)
    return Dataset(
        "moons",
        x[:500],
        y[:500],
        x[500:],
        y[500:],
        task="classification",
        n_classes=2,
        description=BUILTINS["moons"][0],
    )


@functools.cache
def digits() -> Dataset:
    """scikit-learn's bundled 8x8 digits (1797 images, 64 pixels scaled from 0..16 to [0, 1]),
    split by ``train_test_split(test_size=0.25, random_state=0, stratify=y)``: 1347 / 450."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = bunch.data / 16.0  # (1797, 64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, bunch.target, test_size=0.25, random_state=0, stratify=bunch.target
    )
    return _ten_digits("digits", x_tr, y_tr, x_te, y_te)


@functools.cache
def mnist1d() -> Dataset:
    """MNIST-1D generated locally by the ``mnist1d`` package with its standard arguments
    (``get_dataset_args()``: 5000 examples, 80/20 split, 40 features): 4000 / 1000.

    Generation takes a few seconds; the arrays are cached on disk (see ``_cache``).
    """
    from batchlab.data._mnist1d import standard_arrays

    x_tr, y_tr, x_te, y_te = standard_arrays()
    return _ten_digits("mnist1d", x_tr, y_tr, x_te, y_te)


def _ten_digits(name: str, x_tr, y_tr, x_te, y_te) -> Dataset:
    """A builtin whose classes are the digits 0..9."""
    return Dataset(
        name,
        x_tr,
        y_tr,
        x_te,
        y_te,
        task="classification",
        n_classes=10,
        description=BUILTINS[name][0],
        class_names=tuple(str(d) for d in range(10)),
    )


BUILTINS: dict[str, tuple[str, Callable[[], Dataset]]] = {
    "blobs": (
        "3 Gaussian blobs in 2-D (make_blobs, cluster_std=2, random_state=2), 500 train / 500 "
        "test, as in seed 003",
        blobs,
    ),
    "logic": (
        "truth table of AND, OR, XOR, NAND, NOR of two bits (multilabel, 4 rows); the table is "
        "the whole domain, so the test set is the training set (seed 002)",
        logic,
    ),
    "moons": (
        "two interleaving half-moons in 2-D (make_moons, noise=0.2, random_state=0), 500 train / "
        "500 test",
        moons,
    ),
    "digits": (
        "scikit-learn 8x8 handwritten digits, 64 pixels in [0, 1], 10 classes, stratified 1347 "
        "train / 450 test",
        digits,
    ),
    "mnist1d": (
        "MNIST-1D (Greydanus 2020) generated locally with the standard arguments: 40 features, "
        "10 classes, 4000 train / 1000 test",
        mnist1d,
    ),
}


def builtin_datasets() -> dict[str, str]:
    """Names of the builtin datasets, each with a one-line description: those generated
    locally, then those Keras's loaders read from the Keras cache (MNIST, Fashion-MNIST,
    CIFAR-10, CIFAR-100; see :mod:`batchlab.data._keras`).

    Example:
        >>> " ".join(builtin_datasets())
        'blobs logic moons digits mnist1d mnist fashion_mnist cifar10 cifar100'
    """
    from batchlab.data._keras import KERAS_DATASETS

    return {
        **{name: desc for name, (desc, _) in BUILTINS.items()},
        **{name: desc for name, (desc, _) in KERAS_DATASETS.items()},
    }
