"""``load_dataset``: one entry point for builtins, files and ready-made datasets."""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence
from pathlib import Path

from batchlab._suggest import did_you_mean
from batchlab.data._builtin import BUILTINS
from batchlab.data._csv import read_csv
from batchlab.data._dataset import Dataset
from batchlab.data._keras import KERAS_DATASETS, load_keras
from batchlab.data._npz import read_npz
from batchlab.errors import DataError, SpecError

_DEFAULTS = {"label": "label", "test_fraction": 0.2, "split_seed": 0, "task": None}
_SUFFIXES = (".csv", ".npz")


def load_dataset(source: str | os.PathLike | Dataset, **options) -> Dataset:
    """Load a dataset by builtin name, from a ``.csv`` or ``.npz`` file, or pass one through.

    Args:
        source: a builtin name (see :func:`builtin_datasets`; ``mnist``, ``fashion_mnist``,
            ``cifar10`` and ``cifar100`` come through Keras's loaders from the Keras cache),
            a path to a ``.csv`` or ``.npz`` file, or a :class:`Dataset` (returned as is).
        **options: for the Keras datasets, ``path``, ``download``, ``n_train``, ``n_test``,
            ``validation_split``, ``split_seed``, ``scale`` and (CIFAR-100) ``label_mode``:
            see :mod:`batchlab.data._keras` and docs/datasets.md. For files:
            ``label`` (CSV): the label column, default ``"label"``; a list of columns makes a
            multilabel dataset with one output per column.
            ``test_fraction``: share of rows held out when the file has no test split
            (no ``split`` column in a CSV, no ``x_test``/``y_test`` in an NPZ), default 0.2.
            ``split_seed``: seed of that stratified split, default 0.
            ``task``: ``"classification"`` or ``"multilabel"`` to override the inferred task
            (a 2-D one-hot ``y`` is read as classification, another 0/1 matrix as multilabel).

    Raises:
        DataError: a missing or unreadable file, bad cells or labels, an unknown builtin.
        SpecError: an unknown or invalid option.

    Example:
        >>> ds = load_dataset("blobs")
        >>> ds.n_train, ds.n_test, ds.input_shape, ds.n_classes
        (500, 500, (2,), 3)
    """
    if isinstance(source, Dataset):
        _no_options(options, "a Dataset")
        return source
    if isinstance(source, str) and source in KERAS_DATASETS:
        return load_keras(source, **options)
    if isinstance(source, str) and source in BUILTINS:
        _no_options(options, f"the builtin dataset {source!r}")
        return BUILTINS[source][1]()
    if not isinstance(source, str | os.PathLike):
        raise DataError(
            f"dataset: {source!r} ({type(source).__name__}) is not a builtin name, a path or a "
            "Dataset"
        )
    path = Path(source)
    if isinstance(source, str) and not _looks_like_path(source):
        names = [*BUILTINS, *KERAS_DATASETS]
        hint = did_you_mean(source, names)
        raise DataError(
            f"dataset: {source!r} is not a builtin dataset (builtins: {', '.join(names)}){hint}."
            " For a file, give a path ending in .csv or .npz."
        )
    opts = _options(options)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        what = "a folder" if path.is_dir() else f"a file of type {path.suffix or '(none)'!r}"
        raise DataError(f"{path} is {what}; the dataset must be a .csv or .npz file")
    if not path.exists():
        raise DataError(f"{path}: no such file (looked in {path.resolve().parent})")
    if not path.is_file():
        raise DataError(f"{path} is not a file")
    try:
        if suffix == ".csv":
            return read_csv(path, **opts)
        if opts["label"] != _DEFAULTS["label"]:
            raise SpecError(f"label: {opts['label']!r} applies to CSV files; an NPZ file uses 'y'")
        del opts["label"]
        return read_npz(path, **opts)
    except PermissionError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror})") from e


def _looks_like_path(s: str) -> bool:
    return Path(s).suffix.lower() in _SUFFIXES or os.sep in s or "/" in s or Path(s).exists()


def _no_options(options: dict, what: str) -> None:
    if options:
        raise SpecError(
            f"dataset options {', '.join(sorted(options))} apply only to CSV and NPZ files and "
            f"to the Keras datasets ({', '.join(KERAS_DATASETS)}), not to {what}"
        )


def _options(options: dict) -> dict:
    for key in options:
        if key not in _DEFAULTS:
            raise SpecError(
                f"{key}: unknown dataset option (valid: {', '.join(_DEFAULTS)})"
                f"{did_you_mean(key, _DEFAULTS)}."
            )
    opts = {**_DEFAULTS, **options}
    label = opts["label"]
    if isinstance(label, str):
        ok = bool(label.strip())
    else:
        ok = isinstance(label, Sequence) and len(label) > 0
        ok = ok and all(isinstance(c, str) and c.strip() for c in label)
        opts["label"] = tuple(label) if ok else label
    if not ok:
        raise SpecError(
            f"label: {label!r} is not valid; give a column name, or a list of column names for "
            "a multilabel dataset"
        )
    tf = opts["test_fraction"]
    if isinstance(tf, bool) or not isinstance(tf, numbers.Real) or not 0 < tf < 1:
        raise SpecError(f"test_fraction: {tf!r} is not valid; use a number between 0 and 1")
    opts["test_fraction"] = float(tf)
    seed = opts["split_seed"]
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise SpecError(f"split_seed: {seed!r} is not valid; use an integer >= 0")
    opts["split_seed"] = int(seed)
    if opts["task"] not in (None, "classification", "multilabel"):
        raise SpecError(
            f"task: {opts['task']!r} is not valid; use 'classification' or 'multilabel' (or "
            "leave it out to infer it)"
        )
    return opts
