"""MNIST-1D arrays from the ``mnist1d`` generator, with an on-disk cache.

The package's ``get_dataset`` downloads by default; we only ever call its generator
``make_dataset(get_dataset_args())``. The generator seeds NumPy's and Python's global random
state; we put both back afterwards, so loading a dataset never changes the caller's randomness.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
import threading
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

_LOCK = threading.Lock()
_KEYS = ("x", "y", "x_test", "y_test")


def cache_dir() -> Path:
    """``$BATCHLAB_CACHE``, else ``$XDG_CACHE_HOME/batchlab``, else ``~/.cache/batchlab``."""
    if env := os.environ.get("BATCHLAB_CACHE"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "batchlab"


def _standard_args() -> dict:
    from mnist1d.data import get_dataset_args

    args = get_dataset_args(as_dict=True)
    args.pop("url", None)
    return args


def cache_path() -> Path:
    """Where the standard arrays are cached, keyed by the package's version (which fixes its
    standard arguments), so a hit does not even import the package."""
    version = re.sub(r"[^A-Za-z0-9.]+", "_", metadata.version("mnist1d"))
    return cache_dir() / f"mnist1d-{version}-standard.npz"


def generate() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the generator: ``(x_train, y_train, x_test, y_test)``, 4000 / 1000 rows of 40."""
    from mnist1d.data import make_dataset
    from mnist1d.utils import ObjectView

    with _LOCK:
        np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
        try:
            d = make_dataset(ObjectView(_standard_args()))
        finally:
            np.random.set_state(np_state)  # noqa: NPY002
            random.setstate(py_state)
    return tuple(np.asarray(d[k]) for k in _KEYS)  # type: ignore[return-value]


def _read(path: Path) -> tuple[np.ndarray, ...] | None:
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = tuple(f[k] for k in _KEYS)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None  # absent or damaged: regenerate
    x, y, xt, yt = arrays
    if x.ndim != 2 or len(x) != len(y) or len(xt) != len(yt) or x.shape[1:] != xt.shape[1:]:
        return None
    return arrays


def _write(path: Path, arrays: tuple[np.ndarray, ...]) -> None:
    """Write atomically (temporary file + rename), so a reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **dict(zip(_KEYS, arrays, strict=True)))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # the cache is an optimisation; an unwritable cache directory is not an error


def standard_arrays() -> tuple[np.ndarray, ...]:
    """The standard arrays, from the disk cache when present and sound, else generated."""
    path = cache_path()
    arrays = _read(path)
    if arrays is None:
        arrays = generate()
        _write(path, arrays)
    return arrays
