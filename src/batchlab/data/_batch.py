"""Resolve a batch size against a dataset."""

from __future__ import annotations

import numbers

from batchlab.data._dataset import Dataset
from batchlab.errors import SpecError


def check_batch_size(dataset: Dataset, batch_size: int | str) -> int:
    """The batch size as an int in ``[1, dataset.n_train]``; ``"full"`` means ``n_train``
    (batch gradient descent).

    Raises :class:`~batchlab.errors.SpecError` naming ``batch_size``, the value and the valid
    range for anything else (0, negatives, sizes above ``n_train``, bools, floats, other
    strings).

    Example:
        >>> from batchlab.data import load_dataset
        >>> blobs = load_dataset("blobs")
        >>> check_batch_size(blobs, 32), check_batch_size(blobs, "full")
        (32, 500)
    """
    n = dataset.n_train
    valid = f"use an integer from 1 to {n} (the training set size of {dataset.name!r}) or 'full'"
    if isinstance(batch_size, str) and batch_size.strip().lower() == "full":
        return n
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        kind = type(batch_size).__name__
        raise SpecError(f"batch_size: {batch_size!r} ({kind}) is not valid; {valid}")
    value = int(batch_size)
    if not 1 <= value <= n:
        raise SpecError(f"batch_size: {value} is out of range; {valid}")
    return value
