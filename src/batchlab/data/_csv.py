"""Read a dataset from a CSV file: a header line, one example per line.

The label column (``label`` unless told otherwise) holds the class; an optional ``split``
column (``train``/``test``) fixes the split; every other column is a numeric feature. Errors
name the file, the 1-based line (the header is line 1), the column and the cell.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from batchlab._suggest import did_you_mean
from batchlab.data._dataset import Dataset
from batchlab.data._labels import binary_targets, encode_labels
from batchlab.data._split import split_file
from batchlab.errors import DataError, SpecError

SPLIT_COLUMN = "split"


def read_csv(
    path: Path,
    *,
    label: str | Sequence[str],
    test_fraction: float,
    split_seed: int,
    task: str | None,
) -> Dataset:
    """Load ``path`` as a :class:`Dataset` (see the module docstring for the format)."""
    header, rows, lines = _read_rows(path)
    labels = [label] if isinstance(label, str) else list(label)
    multilabel = task == "multilabel" or (task is None and not isinstance(label, str))
    if not multilabel and len(labels) != 1:
        raise SpecError(
            f"label: {list(labels)!r} names {len(labels)} columns, but task='classification' "
            "takes one label column; name one column, or several with task='multilabel'"
        )
    for col in labels:
        if col not in header:
            hint = did_you_mean(col, header)
            raise DataError(
                f"{path} has no label column {col!r} (columns: {', '.join(header)}){hint}. "
                "Name the label column with the label option, e.g. label='class'."
            )
    has_split = SPLIT_COLUMN in header and SPLIT_COLUMN not in labels
    features = [c for c in header if c not in labels and not (has_split and c == SPLIT_COLUMN)]
    if not features:
        raise DataError(
            f"{path} has no feature columns (columns: {', '.join(header)}); every column other "
            f"than the label and {SPLIT_COLUMN!r} must be a numeric feature"
        )
    if not rows:
        raise DataError(f"{path} has a header but no data rows; add one line per example")

    cells = np.array(rows, dtype=str)  # (n_rows, n_columns)
    col = {c: k for k, c in enumerate(header)}
    x = _numbers(path, cells, [col[c] for c in features], header, lines, "feature")
    if multilabel:
        idx = [col[c] for c in labels]
        y = _numbers(path, cells, idx, header, lines, "target")
        y = binary_targets(
            y, cells[:, idx], lambda i, j: f"{path} line {lines[i]}, column {labels[j]!r}"
        )
        names, n_classes, strata = tuple(labels), len(labels), y
    else:
        k = col[labels[0]]
        y, names, n_classes = encode_labels(
            cells[:, k],
            lambda i: f"{path} line {lines[i]}, column {labels[0]!r}",
            source=f"{path}, column {labels[0]!r}",
        )
        strata = y

    if has_split:
        train, test = _split_column(path, cells[:, col[SPLIT_COLUMN]], lines)
        how = f"split by its {SPLIT_COLUMN!r} column"
    else:
        train, test, how = split_file(path, strata, test_fraction, split_seed)
    return Dataset(
        name=path.stem,
        x_train=x[train],
        y_train=y[train],
        x_test=x[test],
        y_test=y[test],
        task="multilabel" if multilabel else "classification",
        n_classes=n_classes,
        class_names=names,
        description=f"CSV file {path}: {len(rows)} rows, {len(features)} features; {how}",
    )


def _read_rows(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header (stripped names), the non-blank data rows, and each row's first line number."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise DataError(
                    f"{path} is empty; a CSV needs a header line naming its columns, then one "
                    "line per example"
                )
            header = [h.strip() for h in header]
            _check_separator(path, header)
            rows: list[list[str]] = []
            lines: list[int] = []
            end = reader.line_num
            for row in reader:
                start, end = end + 1, reader.line_num
                if not any(c.strip() for c in row):
                    continue  # blank line
                if len(row) != len(header):
                    raise DataError(
                        f"{path} line {start}: {len(row)} cells, but the header (line 1) names "
                        f"{len(header)} columns ({', '.join(header)})"
                    )
                rows.append(row)
                lines.append(start)
    except csv.Error as e:
        raise DataError(f"{path} line {reader.line_num}: not valid CSV ({e})") from e
    except UnicodeDecodeError as e:
        raise DataError(f"{path} is not UTF-8 text ({e}); save it as a UTF-8 CSV file") from e
    for k, h in enumerate(header):
        if not h:
            raise DataError(f"{path} line 1: column {k + 1} has no name; name every column")
        if header.index(h) != k:
            raise DataError(f"{path} line 1: column name {h!r} appears twice; names must differ")
    return header, rows, lines


_OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _check_separator(path: Path, header: list[str]) -> None:
    """A header of one column holding ``;``, tabs or ``|``: a file written with another
    separator (Excel in many locales writes ``;``). Said plainly, not as a missing label."""
    if len(header) != 1:
        return
    for sep, name in _OTHER_SEPARATORS.items():
        if len(header[0].split(sep)) > 1:
            raise DataError(
                f"{path} line 1: the header is one column, {header[0]!r}; the file looks "
                f"separated by {name}, but a CSV dataset is comma-separated: save it with "
                "commas (pandas: pd.read_csv(path, sep=...).to_csv(path, index=False))"
            )


def _numbers(
    path: Path,
    cells: np.ndarray,
    columns: list[int],
    header: list[str],
    lines: list[int],
    what: str,
) -> np.ndarray:
    """Parse ``cells[:, columns]`` as finite float64 ``(n_rows, len(columns))``; on a bad
    cell raise a DataError naming the first one in file order."""
    sub = np.char.strip(cells[:, columns])
    try:
        values = sub.astype(np.float64)
    except ValueError:
        values = None
    if values is None:
        for i, j in np.ndindex(*sub.shape):
            cell = str(sub[i, j])
            try:
                float(cell)
            except ValueError:
                where = f"{path} line {lines[i]}, column {header[columns[j]]!r}"
                if not cell:
                    raise DataError(
                        f"{where}: the cell is empty (a missing value); {what} cells must be "
                        "numbers: fill in the value or drop the line"
                    ) from None
                raise DataError(
                    f"{where}: {cell!r} is not a number; {what} cells must be numbers such as "
                    "0.5, -3 or 1e-4"
                ) from None
        values = np.vectorize(float, otypes=[np.float64])(sub)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = (int(t) for t in np.argwhere(bad)[0])
        raise DataError(
            f"{path} line {lines[i]}, column {header[columns[j]]!r}: {str(sub[i, j])!r} is not "
            f"a finite number; {what} cells must be finite (no NaN or infinity)"
        )
    return values


def _split_column(path: Path, cells: np.ndarray, lines: list[int]):
    values = np.char.lower(np.char.strip(cells))
    bad = ~np.isin(values, ("train", "test"))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{path} line {lines[i]}, column {SPLIT_COLUMN!r}: {str(cells[i])!r} is not valid; "
            "use 'train' or 'test'"
        )
    train, test = np.flatnonzero(values == "train"), np.flatnonzero(values == "test")
    for part, idx in (("train", train), ("test", test)):
        if len(idx) == 0:
            raise DataError(
                f"{path}, column {SPLIT_COLUMN!r}: no row is marked {part!r}; a dataset needs "
                "both a train and a test set (or drop the column for an automatic split)"
            )
    return train, test
