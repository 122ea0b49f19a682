"""A fixed, stratified train/test split for files that do not bring their own."""

from __future__ import annotations

import numpy as np


def stratified_split(
    strata: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split row indices into ``(train, test)``, each sorted ascending (file order kept).

    ``round(test_fraction * n)`` rows (at least 1, at most ``n - 1``) go to the test set,
    shared among the strata (classes, or label combinations for multilabel) in proportion to
    their size by the largest-remainder rule; within each stratum the test rows are drawn by
    ``np.random.default_rng(seed)``. The same inputs always give the same split.

    ``strata`` is ``(n,)`` (class labels) or ``(n, k)`` (one stratum per distinct row); needs
    ``n >= 2``.

    Example:
        >>> train, test = stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1]), 0.25, seed=0)
        >>> len(train), len(test)
        (6, 2)
    """
    n = len(strata)
    if n < 2:
        raise ValueError(f"need at least 2 rows to split, got {n}")
    n_test = min(max(round(test_fraction * n), 1), n - 1)
    axis = 0 if strata.ndim > 1 else None
    _, inverse, counts = np.unique(strata, axis=axis, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    exact = counts * n_test / n
    quota = np.floor(exact).astype(np.int64)
    short = n_test - int(quota.sum())
    quota[np.argsort(-(exact - quota), kind="stable")[:short]] += 1
    rng = np.random.default_rng(seed)
    test = np.concatenate(
        [rng.permutation(np.flatnonzero(inverse == c))[:q] for c, q in enumerate(quota)]
    )
    test = np.sort(test)
    train = np.setdiff1d(np.arange(n), test)
    return train, test


def split_file(
    path, strata: np.ndarray, test_fraction: float, seed: int, what: str = "data row"
) -> tuple[np.ndarray, np.ndarray, str]:
    """:func:`stratified_split` of a file's rows, refusing a file too small to split:
    ``(train, test, how)`` with ``how`` the words that describe the split."""
    from batchlab.errors import DataError

    if len(strata) < 2:
        raise DataError(
            f"{path} has 1 {what}; at least 2 are needed to split it into train and test"
        )
    train, test = stratified_split(strata, test_fraction, seed)
    return train, test, f"stratified split, test_fraction={test_fraction}, split_seed={seed}"
