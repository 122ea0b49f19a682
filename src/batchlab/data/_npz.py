"""Read a dataset from a NumPy ``.npz`` archive.

Arrays ``x`` (features, ``(n, *input_shape)``) and ``y`` (labels), optionally ``x_test`` and
``y_test``; without them the rows are split as for a CSV file. Keras's layout (``x_train``,
``y_train``, ``x_test``, ``y_test``, as in ``mnist.npz``) is read the same way. ``y`` may be
1-D integer or text labels, a one-hot matrix (read as classification) or a 0/1 matrix
(multilabel).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from batchlab._suggest import did_you_mean
from batchlab.data._dataset import Dataset, check_features
from batchlab.data._labels import binary_targets, encode_labels
from batchlab.data._split import split_file
from batchlab.errors import DataError

_HOW = "save it with np.savez(path, x=features, y=labels) (optionally x_test=..., y_test=...)"
KERAS_NAMES = {"x": "x_train", "y": "y_train"}
"""Keras's names for the training arrays (``keras.datasets`` archives), read as ``x`` and ``y``."""


def read_npz(path: Path, *, test_fraction: float, split_seed: int, task: str | None) -> Dataset:
    """Load ``path`` as a :class:`Dataset` (see the module docstring for the format)."""
    arrays, stored = _arrays(path)  # stored: the file's name of each array (x_train for x)
    return dataset_from_arrays(
        arrays,
        stored,
        str(path),
        name=path.stem,
        source=f"NPZ file {path}",
        test_fraction=test_fraction,
        split_seed=split_seed,
        task=task,
    )


def from_arrays(
    x,
    y,
    x_test=None,
    y_test=None,
    *,
    name: str = "arrays",
    test_fraction: float = 0.2,
    split_seed: int = 0,
    task: str | None = None,
) -> Dataset:
    """A :class:`Dataset` from arrays, as ``keras.Model.fit(x, y)`` takes them, read as an NPZ
    file's arrays are (the same checks and label rules): ``x`` the features ``(n,
    *input_shape)``, ``y`` integer or text labels, a one-hot or a 0/1 matrix; ``x_test`` and
    ``y_test`` the test set, or neither, and then a stratified ``test_fraction`` of the rows
    (by ``split_seed``) is held out. ``bl.train(dataset=(x, y))`` and ``(x, y, x_test,
    y_test)`` come here.

    Example:
        >>> import numpy as np
        >>> ds = from_arrays(np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5))
        >>> ds.n_train, ds.n_test, ds.n_classes
        (8, 2, 2)
    """
    from batchlab.data._load import _options  # the file loaders' checks of these options

    opts = _options({"test_fraction": test_fraction, "split_seed": split_seed, "task": task})
    if not isinstance(name, str) or not name:
        raise DataError(f"dataset name must be a non-empty string, got {name!r}")
    if (x_test is None) != (y_test is None):
        given = "x_test" if x_test is not None else "y_test"
        raise DataError(f"dataset: {given} is given without its pair; give both or neither")
    arrays = {}
    for key, value in (("x", x), ("y", y), ("x_test", x_test), ("y_test", y_test)):
        if value is None:
            continue
        try:
            arrays[key] = np.asarray(value)
        except (ValueError, TypeError) as e:
            raise DataError(f"dataset: array {key!r} cannot be read as an array ({e})") from e
        if arrays[key].dtype == object:
            raise DataError(
                f"dataset: array {key!r} holds Python objects (ragged rows or mixed types); "
                "give numbers (or text labels)"
            )
    return dataset_from_arrays(
        arrays,
        {k: k for k in arrays},
        "dataset",
        name=name,
        source="arrays",
        test_fraction=opts["test_fraction"],
        split_seed=opts["split_seed"],
        task=opts["task"],
    )


def dataset_from_arrays(
    arrays: dict[str, np.ndarray],
    stored: dict[str, str],
    where: str,
    *,
    name: str,
    source: str,
    test_fraction: float,
    split_seed: int,
    task: str | None,
) -> Dataset:
    """The :class:`Dataset` of ``arrays`` by role (``x``, ``y``, optionally ``x_test``,
    ``y_test``); ``stored`` names each array as the user did, ``where`` says where they came
    from (a file's path) for the messages."""
    has_test = "x_test" in arrays
    parts = ("", "_test") if has_test else ("",)
    for p in parts:
        x, y = arrays[f"x{p}"], arrays[f"y{p}"]
        _check_features(where, stored[f"x{p}"], x)
        if len(x) != len(y):
            raise DataError(
                f"{where}: array {stored[f'x{p}']!r} has {len(x)} rows but {stored[f'y{p}']!r} "
                f"has {len(y)}; they must have the same length (one label per example)"
            )
    if has_test and arrays["x"].shape[1:] != arrays["x_test"].shape[1:]:
        raise DataError(
            f"{where}: rows of {stored['x']!r} have shape {arrays['x'].shape[1:]} but rows of "
            f"'x_test' have {arrays['x_test'].shape[1:]}; they must match"
        )

    roles = [f"y{p}" for p in parts]
    sizes = [len(arrays[r]) for r in roles]
    y_all = np.concatenate([arrays[r] for r in roles])  # train rows, then test rows

    def locate(i: int) -> str:
        k = 1 if (has_test and i >= sizes[0]) else 0
        return f"{where}, array {stored[roles[k]]!r}, row {i - k * sizes[0]} (0-based)"

    y_all, task, n_classes, class_names = _targets(where, y_all, task, locate, stored["y"])
    x_all = np.concatenate([arrays[f"x{p}"] for p in parts]).astype(np.float32)
    if has_test:
        train, test = np.arange(sizes[0]), np.arange(sizes[0], sizes[0] + sizes[1])
        how = "test set from its x_test/y_test arrays"
    else:
        train, test, how = split_file(where, y_all, test_fraction, split_seed, "example")
    return Dataset(
        name=name,
        x_train=x_all[train],
        y_train=y_all[train],
        x_test=x_all[test],
        y_test=y_all[test],
        task=task,
        n_classes=n_classes,
        class_names=class_names,
        description=f"{source}: {sum(sizes)} examples; {how}",
    )


def _arrays(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays by role (``x``, ``y``, ``x_test``, ``y_test``) and each one's name in the
    file (``x_train`` for ``x`` in Keras's layout)."""
    try:
        f = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise DataError(f"{path} is not a NumPy .npz archive ({e}); {_HOW}") from e
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise DataError(f"{path} holds a single array, not named arrays; {_HOW}")
    with f:
        present = list(f.files)
        if not present:
            raise DataError(f"{path} holds no arrays; {_HOW}")
        keras = "x" not in present and "y" not in present and "x_train" in present
        stored = {k: KERAS_NAMES.get(k, k) if keras else k for k in ("x", "y", "x_test", "y_test")}
        both = [k for k, name in KERAS_NAMES.items() if k in present and name in present]
        if both:
            raise DataError(
                f"{path} has both {both[0]!r} and {KERAS_NAMES[both[0]]!r}: one training set "
                f"only; {_HOW} (or x_train=..., y_train=... as Keras does)"
            )
        for key in ("x", "y"):
            if stored[key] not in present:
                raise DataError(
                    f"{path} has no array {stored[key]!r} (arrays: {', '.join(present)})"
                    f"{did_you_mean(stored[key], present)}. To fix it, {_HOW}"
                )
        if ("x_test" in present) != ("y_test" in present):
            have, lack = ("x_test", "y_test") if "x_test" in present else ("y_test", "x_test")
            raise DataError(f"{path} has {have!r} but no {lack!r}; give both or neither")
        out = {}
        for key, name in stored.items():
            if name in present:
                try:
                    out[key] = f[name]
                except ValueError as e:  # object arrays need pickle, which we never load
                    raise DataError(
                        f"{path}: array {name!r} holds Python objects; save numbers (or text "
                        f"labels) instead ({e})"
                    ) from e
    return out, stored


def _check_features(source: str, key: str, x: np.ndarray) -> None:
    where = f"{source}: array {key!r}"
    check_features(x, where, "e.g. x.reshape(-1, 1) for one feature")
    if len(x) == 0:
        raise DataError(f"{where} has no rows")


def _targets(path: str, y: np.ndarray, task: str | None, locate, y_name: str = "y"):
    """``(targets, task, n_classes, class_names)`` from the stacked label array (``y_name``:
    the file's name of the training labels)."""
    if y.ndim == 2 and y.shape[1] == 1 and task != "multilabel":
        y = y[:, 0]  # a column of labels
    if y.ndim == 1 and task != "multilabel":
        labels, names, n_classes = encode_labels(y, locate, source=f"{path}, array {y_name!r}")
        return labels, "classification", n_classes, names
    if y.ndim == 1:
        y = y[:, None]  # task="multilabel" with one output
    if y.ndim != 2 or y.dtype.kind not in "biuf":
        raise DataError(
            f"{path}: array {y_name!r} has shape {y.shape} and dtype {y.dtype}; labels must be "
            "1-D (one class per example) or a 2-D 0/1 matrix (one column per output)"
        )
    values = y.astype(np.float64)
    targets = binary_targets(values, y, lambda i, j: f"{locate(i)}, column {j}")
    one_hot = targets.shape[1] >= 2 and bool((targets.sum(axis=1) == 1).all())
    if task == "classification" or (task is None and one_hot):
        if not one_hot:
            i = int(np.argmax(targets.sum(axis=1) != 1))
            raise DataError(
                f"{locate(i)}: row {y[i].tolist()} is not one-hot; a 2-D label array read as "
                "classification must have exactly one 1 per row"
            )
        labels = targets.argmax(axis=1)
        return labels, "classification", targets.shape[1], ()
    return targets, "multilabel", targets.shape[1], ()
