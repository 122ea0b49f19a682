"""Turn label cells (from a CSV column or an NPZ array) into int32 class indices.

Labels are either all integers ``0..K-1`` (floats such as ``2.0`` count as integers) or all
text, mapped to indices in sorted order with the names kept. Errors name the cell through a
``locate(i) -> str`` callback supplied by the reader ("data.csv line 7, column 'label'").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from batchlab.errors import DataError

Locate = Callable[[int], str]

_VALID = "labels must be all integers 0..K-1 (e.g. 0, 1, 2) or all text class names"


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def encode_labels(
    values: Sequence[str] | np.ndarray, locate: Locate, source: str
) -> tuple[np.ndarray, tuple[str, ...], int]:
    """Return ``(labels, class_names, n_classes)``: int32 labels ``(n,)``, the class names
    (empty for integer labels) and the number of classes (``max + 1`` or ``len(names)``).

    ``source`` names the column or array as a whole for errors without a row
    ("data.csv, column 'label'").
    """
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return _integers(arr.astype(np.float64), [str(v) for v in arr.tolist()], locate, source)
    if arr.dtype.kind not in "US":
        raise DataError(f"{source} holds {arr.dtype} values; {_VALID}")
    cells = [str(c).strip() for c in arr.tolist()]
    for i, cell in enumerate(cells):
        if not cell:
            raise DataError(f"{locate(i)}: the label is empty; {_VALID}")
    numbers = [_number(c) for c in cells]
    is_num = np.array([v is not None for v in numbers])
    if is_num.all():
        return _integers(np.array(numbers, dtype=np.float64), cells, locate, source)
    if is_num.any():
        # Mixed: report the first cell of the minority kind, with an example of the majority.
        odd_kind = is_num if is_num.sum() <= (~is_num).sum() else ~is_num
        i, j = int(np.argmax(odd_kind)), int(np.argmax(~odd_kind))
        kinds = ("a number", "text") if is_num[i] else ("text", "numbers")
        raise DataError(
            f"{locate(i)}: label {cells[i]!r} is {kinds[0]}, but the other labels are "
            f"{kinds[1]} (e.g. {cells[j]!r} at {locate(j)}); {_VALID}"
        )
    names = tuple(sorted(set(cells)))
    index = {name: k for k, name in enumerate(names)}
    labels = np.array([index[c] for c in cells], dtype=np.int32)
    _at_least_two(len(names), names, source)
    return labels, names, len(names)


def _integers(
    v: np.ndarray, cells: list[str], locate: Locate, source: str
) -> tuple[np.ndarray, tuple[str, ...], int]:
    bad = ~np.isfinite(v) | (v != np.round(v)) | (v < 0)
    if bad.any():
        i = int(np.argmax(bad))
        why = "negative" if v[i] < 0 else "not an integer"
        raise DataError(f"{locate(i)}: label {cells[i]!r} is {why}; {_VALID}")
    if len(v) == 0:
        raise DataError(f"{source} has no labels")
    n_classes = int(v.max()) + 1
    _at_least_two(len(np.unique(v)), tuple(str(int(c)) for c in np.unique(v)), source)
    return v.astype(np.int32), (), n_classes


def _at_least_two(n: int, names: tuple[str, ...], source: str) -> None:
    if n < 2:
        raise DataError(
            f"{source} has only one class ({', '.join(map(repr, names))}); classification "
            "needs labels of at least 2 classes"
        )


def binary_targets(values: np.ndarray, cells: np.ndarray, locate: Callable[[int, int], str]):
    """Check multilabel targets: ``values`` (n, k) float, each 0 or 1; ``cells`` the same
    values as written, for messages. Returns float32 ``(n, k)``."""
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        i, j = (int(t) for t in np.argwhere(bad)[0])
        raise DataError(
            f"{locate(i, j)}: target {str(cells[i, j])!r} is not 0 or 1; multilabel targets "
            "must each be 0 or 1"
        )
    return values.astype(np.float32)
