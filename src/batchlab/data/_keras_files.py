"""Where Keras keeps its dataset files, and Keras's own loaders run against them offline.

``keras.datasets.<name>.load_data`` asks ``keras.utils.get_file`` for its file, which
downloads it when it is not in the cache -- and when a cached file's hash differs from the
original's (a smaller file, a file of one's own), downloads it again and deletes the cached
file if that fails. :func:`keras_arrays` runs the loader with ``get_file`` replaced, for the
call, by :class:`_Finder`, which answers from the cache (or from ``dataset_options.path``)
without a hash check, downloads only a file that is missing (each network wait bounded by
:data:`DOWNLOAD_TIMEOUT` seconds, and only when ``download`` is on), and otherwise raises a
:class:`DataError` naming the dataset, the file looked for and how to provide it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from batchlab.errors import DataError

DOWNLOAD_TIMEOUT = 30.0
"""Seconds any one network operation of a download may wait (connect, each read)."""

_PATCH_LOCK = threading.Lock()


@dataclass(frozen=True)
class KerasFiles:
    """How Keras stores one dataset: the ``get_file`` names its loader asks for."""

    name: str
    """batchlab's name (``fashion_mnist``)."""
    module: str
    """The ``keras.datasets`` module (``fashion_mnist``)."""
    files: tuple[str, ...]
    """``fname`` of each ``get_file`` call (one extracted folder for CIFAR)."""
    subdir: str = "datasets"
    """``cache_subdir`` of those calls."""
    inner: str = ""
    """For an archive: the folder inside it that the loader reads (``cifar-10-batches-py``)."""
    members: tuple[str, ...] = ()
    """For an archive: files of ``inner`` that must be there."""
    download_name: str = ""
    """The file as it is published (``cifar-10-python.tar.gz``), for the messages."""
    origin: str = ""


_GCS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FASHION = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)

FILES = {
    "mnist": KerasFiles(
        "mnist", "mnist", ("mnist.npz",), download_name="mnist.npz", origin=_GCS + "mnist.npz"
    ),
    "fashion_mnist": KerasFiles(
        "fashion_mnist",
        "fashion_mnist",
        _FASHION,
        subdir=os.path.join("datasets", "fashion-mnist"),
        download_name="the four files " + ", ".join(_FASHION),
        origin=_GCS,
    ),
    "cifar10": KerasFiles(
        "cifar10",
        "cifar10",
        ("cifar-10-batches-py-target",),
        inner="cifar-10-batches-py",
        members=(*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"),
        download_name="cifar-10-python.tar.gz",
        origin="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    ),
    "cifar100": KerasFiles(
        "cifar100",
        "cifar100",
        ("cifar-100-python-target",),
        inner="cifar-100-python",
        members=("train", "test"),
        download_name="cifar-100-python.tar.gz",
        origin="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
    ),
}


def keras_home() -> Path:
    """The Keras folder datasets are cached under: ``$KERAS_HOME`` (read now, so a change
    after Keras was imported counts), else Keras's own (``~/.keras``); Keras falls back to
    ``/tmp/.keras`` when it is not writable, and so does this."""
    home = os.environ.get("KERAS_HOME")
    if not home:
        try:
            from keras.src.backend.config import keras_home as _home

            home = _home()
        except ImportError:  # pragma: no cover - a Keras without it
            home = os.path.join(os.path.expanduser("~"), ".keras")
    home = os.path.expanduser(home)
    with contextlib.suppress(OSError):  # Keras makes its folder when imported; so does this
        os.makedirs(home, exist_ok=True)
    if not os.access(home, os.W_OK):
        home = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    return Path(home)


def cache_folder(name: str) -> Path:
    """The folder of the Keras cache that holds ``name``'s files."""
    return keras_home() / FILES[name].subdir


def _extracted(folder: Path, spec: KerasFiles) -> bool:
    return all((folder / spec.inner / m).is_file() for m in spec.members)


class _Finder:
    """Stands in for ``keras.utils.get_file`` during one loader call (see the module)."""

    def __init__(self, spec: KerasFiles, path: Path | None, download: bool, stack):
        self.spec, self.path, self.download, self.stack = spec, path, download, stack
        from keras.src.utils import file_utils

        self.real = file_utils.get_file

    def __call__(self, fname=None, origin=None, **kw):
        spec = self.spec
        subdir = kw.get("cache_subdir", "datasets")
        if self.path is not None:
            return str(self._given(fname))
        home = keras_home()
        datadir = home / subdir
        if not kw.get("extract"):
            target = datadir / fname
            if target.is_file():
                return str(target)
            return self._download(fname, origin, kw, home, target)
        # Keras 3 names an archive's folder `fname` and the archive itself `fname_archive`.
        folder, archive = datadir / fname, datadir / f"{fname}_archive"
        if _extracted(folder, spec):
            return str(folder)
        if _extracted(datadir, spec):  # the layout Keras 2 left: datasets/<inner>/
            return str(datadir)
        if archive.is_file():
            kw = {**kw, "file_hash": None, "cache_dir": str(home)}
            try:
                out = self.real(fname, origin, **kw)  # Keras extracts it
            except Exception as e:
                raise self._unreadable(archive, e) from e
            if not _extracted(Path(out), spec):
                raise self._missing(folder / spec.inner / spec.members[0], archive=archive)
            return out
        return self._download(fname, origin, kw, home, folder / spec.inner, archive)

    def _download(self, fname, origin, kw, home, target: Path, archive: Path | None = None):
        if not self.download:
            raise self._missing(target, archive=archive, why="downloads are off")
        kw = {**kw, "cache_dir": str(home)}
        old = socket.getdefaulttimeout()
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)
        try:
            return self.real(fname, origin, **kw)
        except Exception as e:
            raise self._missing(
                target, archive=archive, why=f"downloading {origin} failed: {e}"
            ) from e
        finally:
            socket.setdefaulttimeout(old)

    def _given(self, fname: str) -> Path:
        """The file (or folder) the loader asked for, from ``dataset_options.path``."""
        spec, path = self.spec, self.path
        if not path.exists():
            raise DataError(
                f"dataset_options.path = {str(path)!r}: no such file or folder (dataset "
                f"{spec.name!r}; {_forms(spec)})"
            )
        if not spec.inner:  # MNIST's npz, Fashion-MNIST's gz files: a file or their folder
            if path.is_dir():
                target = path / fname
            elif len(spec.files) > 1:
                target = path.parent / fname  # one of the four files: the others beside it
            else:
                target = path
            if not target.is_file():
                raise DataError(
                    f"dataset_options.path = {str(path)!r}: dataset {spec.name!r} needs the "
                    f"file {target}, which is not there ({_forms(spec)})"
                )
            return target
        if path.is_file():  # the archive as published: extracted into a temporary folder
            from keras.src.utils.file_utils import extract_archive

            tmp = Path(self.stack.enter_context(tempfile.TemporaryDirectory(prefix="batchlab-")))
            try:
                ok = extract_archive(str(path), str(tmp))
            except Exception as e:
                raise self._unreadable(path, e) from e
            if not ok:
                raise self._unreadable(path, "not a tar or zip archive")
            where = tmp
        elif path.name == spec.inner or any((path / m).is_file() for m in spec.members):
            where = path.parent  # the extracted folder itself
            if path.name != spec.inner:  # under another name: shown under the expected one
                where = Path(self.stack.enter_context(tempfile.TemporaryDirectory()))
                os.symlink(path.resolve(), where / spec.inner, target_is_directory=True)
        else:
            where = path  # a folder holding the extracted folder
        if not _extracted(where, spec):
            missing = next(m for m in spec.members if not (where / spec.inner / m).is_file())
            inner = path if where != path else path / spec.inner
            raise DataError(
                f"dataset_options.path = {str(path)!r}: dataset {spec.name!r} needs the file "
                f"{inner / missing}, which is not there ({_forms(spec)})"
            )
        return where

    def _missing(self, target: Path, *, archive: Path | None = None, why: str = "") -> DataError:
        spec = self.spec
        looked = f"{target}" + (f" (or the archive {archive})" if archive else "")
        fetched = f"{spec.download_name} (from {spec.origin})"
        if archive:
            put = f"put {fetched} at {archive} (Keras extracts it on first use)"
        elif len(spec.files) > 1:
            put = f"put {fetched} in {target.parent}"
        else:
            put = f"put {fetched} at {target}"
        return DataError(
            f"dataset {spec.name!r}: {looked} is not in the Keras cache"
            + (f", and {why}" if why else "")
            + f". To provide it, {put}, or give dataset_options.path ({_forms(spec)})."
        )

    def _unreadable(self, path: Path, e) -> DataError:
        return DataError(
            f"dataset {self.spec.name!r}: {path} cannot be read as {self.spec.download_name} "
            f"({e}); {_forms(self.spec)}"
        )


def _forms(spec: KerasFiles) -> str:
    """The forms ``dataset_options.path`` takes for ``spec``."""
    if spec.name == "mnist":
        return "dataset_options.path is the mnist.npz file, as Keras downloads it"
    if spec.name == "fashion_mnist":
        return (
            "dataset_options.path is the folder holding " + ", ".join(spec.files) + " (or one "
            "of them, the others beside it)"
        )
    return (
        f"dataset_options.path is {spec.download_name}, the {spec.inner} folder extracted "
        "from it, or a folder holding that folder"
    )


@contextlib.contextmanager
def _offline(module, finder: _Finder):
    with _PATCH_LOCK:
        original = module.get_file
        module.get_file = finder
        try:
            yield
        finally:
            module.get_file = original


def keras_arrays(name: str, *, path: str | None = None, download: bool = True, **kwargs):
    """``(x_train, y_train), (x_test, y_test)`` as Keras's loader for ``name`` returns them,
    read from ``path`` or the Keras cache (see the module docstring); ``kwargs`` go to the
    loader (``label_mode`` for CIFAR-100).

    CIFAR-10 is read by Keras's own ``load_batch`` from the five training batches and the
    test batch, exactly as ``keras.datasets.cifar10.load_data`` does, but without its fixed
    size of 50,000 training images, so a smaller file of the same format loads too.
    """
    from batchlab._backend import keras

    keras()
    import importlib

    spec = FILES[name]
    module = importlib.import_module(f"keras.src.datasets.{spec.module}")
    given = Path(os.path.expanduser(path)) if path is not None else None
    with contextlib.ExitStack() as stack:
        finder = _Finder(spec, given, download, stack)
        with _offline(module, finder):
            try:
                if name == "cifar10":
                    return _cifar10(module, finder)
                return module.load_data(**kwargs)
            except DataError:
                raise
            except Exception as e:
                where = given if given is not None else cache_folder(name)
                raise DataError(
                    f"dataset {name!r}: the files at {where} cannot be read by Keras's loader "
                    f"({type(e).__name__}: {e}); {_forms(spec)}"
                ) from e


def _cifar10(module, finder):
    """``keras.datasets.cifar10.load_data`` for any number of images per batch."""
    from keras.src import backend
    from keras.src.datasets.cifar import load_batch

    spec = finder.spec
    folder = Path(module.get_file(fname=spec.files[0], origin=spec.origin, extract=True))
    folder = folder / spec.inner
    parts = [load_batch(str(folder / f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(p[1]) for p in parts]).astype("uint8")
    x_test, y_test = load_batch(str(folder / "test_batch"))
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(np.asarray(y_test), (len(y_test), 1)).astype(y_train.dtype)
    if backend.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test.astype(x_train.dtype), y_test)
