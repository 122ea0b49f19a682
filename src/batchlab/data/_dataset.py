"""The :class:`Dataset`: train and test arrays plus what the engine needs to know about them."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, fields

import numpy as np

from batchlab.errors import DataError

TASKS = ("classification", "multilabel")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A supervised dataset with a fixed train/test split.

    Arrays are converted on construction (features to float32, labels to int32 for
    classification and float32 for multilabel), copied and made read-only, so a dataset can be
    shared (builtins are cached) without anyone changing it under another's feet.

    Example:
        >>> import numpy as np
        >>> ds = Dataset("tiny", np.zeros((4, 2)), np.array([0, 1, 0, 1]),
        ...              np.ones((2, 2)), np.array([1, 0]), task="classification", n_classes=2)
        >>> ds.n_train, ds.n_test, ds.input_shape, ds.n_features
        (4, 2, (2,), 2)
    """

    name: str
    """Short name: a builtin's name or the file's stem."""
    x_train: np.ndarray
    """Training features, ``(n_train, *input_shape)`` float32, all finite."""
    y_train: np.ndarray
    """Training targets: ``(n_train,)`` int32 labels in ``[0, n_classes)`` for classification,
    ``(n_train, n_outputs)`` float32 in ``{0, 1}`` for multilabel."""
    x_test: np.ndarray
    """Test features, ``(n_test, *input_shape)`` float32; at least one row."""
    y_test: np.ndarray
    """Test targets, shaped like ``y_train``."""
    task: str
    """``"classification"`` (one label per example, softmax) or ``"multilabel"`` (independent
    binary outputs, sigmoid)."""
    n_classes: int
    """Classification: number of classes. Multilabel: number of outputs."""
    description: str = ""
    """One line on where the data comes from."""
    class_names: tuple[str, ...] = ()
    """Optional names of the classes (classification) or outputs (multilabel), in order."""

    def __post_init__(self) -> None:
        where = f"dataset {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise DataError(f"dataset name must be a non-empty string, got {self.name!r}")
        if self.task not in TASKS:
            raise DataError(f"{where}: task {self.task!r} is not valid; use one of {TASKS}")
        if isinstance(self.n_classes, bool) or not isinstance(self.n_classes, int | np.integer):
            raise DataError(f"{where}: n_classes must be an integer, got {self.n_classes!r}")
        object.__setattr__(self, "n_classes", int(self.n_classes))
        if self.task == "classification" and self.n_classes < 2:
            raise DataError(
                f"{where}: n_classes={self.n_classes}, but classification needs at least 2 classes"
            )
        if self.task == "multilabel" and self.n_classes < 1:
            raise DataError(f"{where}: n_classes={self.n_classes}; multilabel needs >= 1 output")
        names = tuple(str(n) for n in self.class_names)
        if names and len(names) != self.n_classes:
            raise DataError(
                f"{where}: {len(names)} class_names given for n_classes={self.n_classes}; "
                "give one name per class (or output), or none"
            )
        object.__setattr__(self, "class_names", names)

        for split in ("train", "test"):
            x = _features(getattr(self, f"x_{split}"), f"{where}: x_{split}")
            y = _targets(getattr(self, f"y_{split}"), f"{where}: y_{split}", self)
            if len(x) == 0:
                raise DataError(f"{where}: x_{split} has no rows; a dataset needs a {split} set")
            if len(x) != len(y):
                raise DataError(
                    f"{where}: x_{split} has {len(x)} rows but y_{split} has {len(y)}; "
                    "they must have the same length"
                )
            object.__setattr__(self, f"x_{split}", x)
            object.__setattr__(self, f"y_{split}", y)
        if self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise DataError(
                f"{where}: x_train rows have shape {self.x_train.shape[1:]} but x_test rows have "
                f"shape {self.x_test.shape[1:]}; they must match"
            )

    def __reduce__(self):
        # Rebuild through __init__ when unpickled (e.g. on a Ray worker): arrays stay read-only.
        return (Dataset, tuple(getattr(self, f.name) for f in fields(self)))

    @property
    def fingerprint(self) -> str:
        """16 hex digits of a SHA-256 over the arrays and the labels' meaning: two datasets
        with the same fingerprint train the same (a study defined in Python names its dataset
        by it)."""
        if "_fingerprint" not in self.__dict__:
            h = hashlib.sha256(f"{self.task}|{self.n_classes}|{self.class_names}".encode())
            for a in (self.x_train, self.y_train, self.x_test, self.y_test):
                h.update(f"{a.dtype}{a.shape}".encode())
                h.update(np.ascontiguousarray(a).tobytes())
            object.__setattr__(self, "_fingerprint", h.hexdigest()[:16])
        return self.__dict__["_fingerprint"]

    @property
    def n_train(self) -> int:
        """Number of training examples."""
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test examples."""
        return int(self.x_test.shape[0])

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one example, e.g. ``(2,)`` for blobs, ``(40,)`` for mnist1d."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    @property
    def n_outputs(self) -> int:
        """Width of the model's output layer (equal to ``n_classes``)."""
        return self.n_classes

    @property
    def n_features(self) -> int:
        """Number of input values per example, the product of ``input_shape``."""
        return math.prod(self.input_shape)

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, task={self.task!r}, n_classes={self.n_classes}, "
            f"n_train={self.n_train}, n_test={self.n_test}, input_shape={self.input_shape})"
        )


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def check_features(a: np.ndarray, where: str, hint: str = "e.g. (n, 2) for two features") -> None:
    """Refuse features that are not numbers, not ``(rows, *input_shape)``, or not finite;
    ``where`` names the array in the message (the first bad cell is named by row and
    column, 0-based)."""
    if a.dtype.kind not in "biuf":
        raise DataError(f"{where} has dtype {a.dtype}; features must be numbers")
    if a.ndim < 2:
        raise DataError(
            f"{where} has shape {a.shape}; features must be (rows, *input_shape), {hint}"
        )
    bad = ~np.isfinite(a)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise DataError(
            f"{where}, row {idx[0]} (0-based), column {', '.join(map(str, idx[1:]))}: value "
            f"{a[idx].item()}; features must be finite numbers (no NaN or infinity)"
        )


def _features(x: object, where: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind in "biuf":
        a = a.astype(np.float32, copy=False)  # beyond float32's range: refused as infinite
    check_features(a, where)
    return _readonly(a)


def _targets(y: object, where: str, ds: Dataset) -> np.ndarray:
    a = np.asarray(y)
    if a.dtype.kind not in "biuf":
        raise DataError(f"{where} has dtype {a.dtype}; targets must be numbers")
    if ds.task == "classification":
        if a.ndim != 1:
            raise DataError(
                f"{where} has shape {a.shape}; classification labels must be 1-D integers "
                "(for one-hot targets take argmax over the last axis)"
            )
        bad = ~np.isfinite(a) | (a != np.round(a)) | (a < 0) | (a >= ds.n_classes)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(
                f"{where}[{i}] is {a[i].item()!r}; labels must be integers in [0, {ds.n_classes})"
            )
        return _readonly(a.astype(np.int32))
    if a.ndim != 2 or a.shape[1] != ds.n_classes:
        raise DataError(
            f"{where} has shape {a.shape}; multilabel targets must be (rows, {ds.n_classes})"
        )
    bad = (a != 0) & (a != 1)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise DataError(
            f"{where}[{i}, {j}] is {a[i, j].item()!r}; multilabel targets must be 0 or 1"
        )
    return _readonly(a.astype(np.float32))
