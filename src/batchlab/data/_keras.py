"""MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100 through Keras's own loaders, and their
``dataset_options``.

The files come from the Keras cache (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``), or
``dataset_options.path``; see :mod:`batchlab.data._keras_files` for how they are found without
hanging on a download. Images are channels last, ``(N, H, W, C)``: MNIST and Fashion-MNIST
``(N, 28, 28, 1)``, CIFAR ``(N, 32, 32, 3)``.

The options, applied in this order:

1. ``n_train`` / ``n_test``: a subset of that many examples of the file's training / test
   set, stratified by class (each class keeps its share, largest remainders rounded up) and
   drawn with ``split_seed``; the rows keep the file's order. Default: all.
2. ``validation_split``: a fraction in (0, 1) of the (subset) training set held out for
   validation exactly as Keras ``fit(validation_split=...)`` does: the LAST
   ``n - floor(n * (1 - validation_split))`` rows, before any shuffling. The validation rows
   then take the test set's place: the history's ``test_loss`` / ``test_accuracy`` columns are
   the validation figures, and the file's test set is not used at all (the dataset's
   description says so).
3. ``scale``: ``"unit"`` (default) divides the 0..255 pixels by 255, to [0, 1];
   ``"standardize"`` subtracts each channel's mean and divides by its standard deviation,
   both of the training rows used; ``"none"`` keeps 0..255 (as float32).
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any

import numpy as np

from batchlab._suggest import did_you_mean
from batchlab.data._dataset import Dataset
from batchlab.data._keras_files import keras_arrays
from batchlab.data._split import stratified_split
from batchlab.errors import DataError, SpecError

_DIGITS = tuple(str(d) for d in range(10))
_FASHION = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_CIFAR10 = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

KERAS_DATASETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mnist": (
        "MNIST handwritten digits (keras.datasets.mnist): 28x28x1 images, 10 classes, 60000 "
        "train / 10000 test; from the Keras cache",
        _DIGITS,
    ),
    "fashion_mnist": (
        "Fashion-MNIST (keras.datasets.fashion_mnist): 28x28x1 images of clothes, 10 classes, "
        "60000 train / 10000 test; from the Keras cache",
        _FASHION,
    ),
    "cifar10": (
        "CIFAR-10 (keras.datasets.cifar10): 32x32x3 colour images, 10 classes, 50000 train / "
        "10000 test; from the Keras cache",
        _CIFAR10,
    ),
    "cifar100": (
        "CIFAR-100 (keras.datasets.cifar100): 32x32x3 colour images, 100 fine classes (or 20 "
        "coarse), 50000 train / 10000 test; from the Keras cache",
        (),
    ),
}
"""name -> (description, class names)."""

SCALES = ("unit", "standardize", "none")
LABEL_MODES = ("fine", "coarse")
OPTIONS: dict[str, str] = {
    "path": "a path to the dataset's file (or folder) in Keras's format",
    "download": "true or false: try to download a file missing from the Keras cache",
    "n_train": "an integer >= 1: a stratified subset of the training set",
    "n_test": "an integer >= 1: a stratified subset of the test set",
    "validation_split": "a number in (0, 1): the last part of the training set, held out",
    "split_seed": "an integer >= 0: the seed of the subsets",
    "scale": f"one of {', '.join(map(repr, SCALES))}",
    "label_mode": f"cifar100 only: one of {', '.join(map(repr, LABEL_MODES))}",
}
"""Option -> what a valid value is."""
_DEFAULTS: dict[str, Any] = {
    "path": None,
    "download": True,
    "n_train": None,
    "n_test": None,
    "validation_split": None,
    "split_seed": 0,
    "scale": "unit",
    "label_mode": "fine",
}


def _fail(key: str, value: Any, what: str) -> SpecError:
    return SpecError(f"dataset_options.{key} = {value!r}: {what}")


def check_keras_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options of Keras dataset ``name``, validated, with defaults filled in; a
    :class:`SpecError` names the option, the value and the valid forms."""
    for key in options:
        valid = [k for k in OPTIONS if k != "label_mode" or name == "cifar100"]
        if key not in valid:
            raise SpecError(
                f"dataset_options.{key}: not an option of dataset {name!r}"
                f"{did_you_mean(key, valid)} (options: {', '.join(valid)})"
            )
    opts = {**_DEFAULTS, **options}
    path = opts["path"]
    if path is not None:
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if not isinstance(path, str) or not path.strip():
            raise _fail("path", path, OPTIONS["path"])
        opts["path"] = path
    if not isinstance(opts["download"], bool):
        raise _fail("download", opts["download"], "expected true or false")
    for key in ("n_train", "n_test"):
        v = opts[key]
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise _fail(key, v, f"expected {OPTIONS[key]}")
            opts[key] = int(v)
    v = opts["validation_split"]
    if v is not None:
        ok = not isinstance(v, bool) and isinstance(v, numbers.Real) and 0 < v < 1
        if not ok:
            raise _fail("validation_split", v, f"expected {OPTIONS['validation_split']}")
        opts["validation_split"] = float(v)
    seed = opts["split_seed"]
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise _fail("split_seed", seed, "expected an integer >= 0")
    opts["split_seed"] = int(seed)
    for key, valid in (("scale", SCALES), ("label_mode", LABEL_MODES)):
        v = opts[key]
        if v not in valid:
            hint = did_you_mean(v, valid) if isinstance(v, str) else ""
            raise _fail(key, v, f"expected one of {', '.join(map(repr, valid))}{hint}")
    return opts


def load_keras(name: str, **options) -> Dataset:
    """Keras dataset ``name`` with ``options`` applied (see the module docstring).

    Raises:
        SpecError: an unknown or invalid option, or a subset larger than the set.
        DataError: the file is missing (the message names it and how to provide it) or
            cannot be read.
    """
    opts = check_keras_options(name, options)
    kwargs = {"label_mode": opts["label_mode"]} if name == "cifar100" else {}
    (x_tr, y_tr), (x_te, y_te) = keras_arrays(
        name, path=opts["path"], download=opts["download"], **kwargs
    )
    x_tr, x_te = _channels_last(name, x_tr), _channels_last(name, x_te)
    y_tr, y_te = np.asarray(y_tr).reshape(-1), np.asarray(y_te).reshape(-1)
    notes = [f"{len(y_tr)} train / {len(y_te)} test in the file"]
    seed = opts["split_seed"]
    for key, which in (("n_train", "training"), ("n_test", "test")):
        n = opts[key]
        if n is None:
            continue
        y = y_tr if key == "n_train" else y_te
        if n > len(y):
            raise _fail(
                key,
                n,
                f"larger than {name}'s {which} set ({len(y)} examples); use at most "
                f"{len(y)}, or leave it out for all of them",
            )
        if n < len(y):
            keep = _subset(y, n, seed)
            if key == "n_train":
                x_tr, y_tr = x_tr[keep], y_tr[keep]
            else:
                x_te, y_te = x_te[keep], y_te[keep]
            notes.append(f"{key}={n} (stratified, split_seed={seed})")
    if opts["validation_split"] is not None:
        v = opts["validation_split"]
        at = math.floor(len(y_tr) * (1 - v))  # as keras fit(validation_split=v)
        if at < 1 or at == len(y_tr):
            raise _fail(
                "validation_split",
                v,
                f"leaves {at} of {len(y_tr)} training examples for "
                "training; both parts need at least one example",
            )
        x_te, y_te, x_tr, y_tr = x_tr[at:], y_tr[at:], x_tr[:at], y_tr[:at]
        notes.append(
            f"validation_split={v}: the last {len(y_te)} training examples are the "
            "validation set, reported as test_*; the file's test set is not used"
        )
    x_tr, x_te = _scale(opts["scale"], x_tr, x_te)
    notes.append(f"scale={opts['scale']}")
    description, names = KERAS_DATASETS[name]
    n_classes = 10 if name != "cifar100" else (100 if opts["label_mode"] == "fine" else 20)
    where = opts["path"] or "the Keras cache"
    return Dataset(
        name,
        x_tr,
        y_tr,
        x_te,
        y_te,
        task="classification",
        n_classes=n_classes,
        class_names=names,
        description=f"{description.split(':')[0]}, from {where}: {'; '.join(notes)}",
    )


def _channels_last(name: str, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3:  # MNIST, Fashion-MNIST: (N, 28, 28) -> (N, 28, 28, 1)
        return x[..., None]
    if x.ndim != 4:
        raise DataError(f"dataset {name!r}: images of shape {x.shape[1:]}; expected H x W x C")
    if x.shape[-1] != 3 and x.shape[1] == 3:  # Keras's image_data_format is channels_first
        return x.transpose(0, 2, 3, 1)
    return x


def _subset(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` rows stratified by class, in file order (see the module docstring)."""
    _, keep = stratified_split(y, n / len(y), seed)  # its "test" part has exactly n rows
    return keep


def _scale(scale: str, x_tr: np.ndarray, x_te: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x_tr, x_te = x_tr.astype(np.float32), x_te.astype(np.float32)  # new arrays: in place
    if scale == "unit":
        x_tr /= np.float32(255)
        x_te /= np.float32(255)
        return x_tr, x_te
    if scale == "standardize":
        axes = tuple(range(x_tr.ndim - 1))  # per channel
        mean = x_tr.mean(axis=axes, dtype=np.float64).astype(np.float32)
        std = x_tr.std(axis=axes, dtype=np.float64).astype(np.float32)
        std = np.where(std > 0, std, np.float32(1))
        return (x_tr - mean) / std, (x_te - mean) / std
    return x_tr, x_te
