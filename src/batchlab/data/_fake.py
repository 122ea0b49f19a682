"""Small generated files in the exact formats of Keras's MNIST, Fashion-MNIST, CIFAR-10 and
CIFAR-100, for tests and CI runs where the real files are not at hand (no network).

The images are learnable: each class has its own random template, and an image is its class's
template plus noise, so a model trained on them reaches a high accuracy in a few epochs.
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np

from batchlab.data._keras_files import FILES, keras_home

SHAPES = {
    "mnist": (28, 28),
    "fashion_mnist": (28, 28),
    "cifar10": (32, 32, 3),
    "cifar100": (32, 32, 3),
}
CLASSES = {"mnist": 10, "fashion_mnist": 10, "cifar10": 10, "cifar100": 100}


def fake_images(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uint8 images of ``name``'s shape (channels last) and their uint8 labels; every
    class appears (when ``n`` allows), labels in a random order."""
    shape, k = SHAPES[name], CLASSES[name]
    templates = np.random.default_rng(12345).integers(0, 256, (k, *shape))
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % k).astype(np.uint8)
    noise = rng.integers(0, 256, (n, *shape))
    x = (0.6 * templates[y] + 0.4 * noise).round().astype(np.uint8)
    return x, y


def write_keras_files(
    name: str,
    home: str | os.PathLike | None = None,
    *,
    n_train: int = 200,
    n_test: int = 100,
    seed: int = 0,
) -> Path:
    """Write a small ``name`` dataset where Keras caches it under ``home`` (default: the
    Keras folder, ``$KERAS_HOME`` or ``~/.keras``), in the file format Keras downloads.

    Returns the file written (``mnist.npz``; the Fashion-MNIST folder of four ``.gz`` files;
    the CIFAR archive, a ``.tar.gz`` that Keras names ``<folder>_archive`` and extracts on
    first use). For CIFAR-10, ``n_train`` is split over the five training batches.

    Example:
        >>> import tempfile
        >>> p = write_keras_files("mnist", tempfile.mkdtemp(), n_train=20, n_test=10)
        >>> p.name
        'mnist.npz'
    """
    if name not in FILES:
        raise ValueError(f"no Keras dataset {name!r}; one of {', '.join(FILES)}")
    spec = FILES[name]
    home = Path(home) if home is not None else keras_home()
    folder = home / spec.subdir
    folder.mkdir(parents=True, exist_ok=True)
    x_tr, y_tr = fake_images(name, n_train, seed)
    x_te, y_te = fake_images(name, n_test, seed + 1)
    if name == "mnist":
        out = folder / "mnist.npz"
        np.savez(out, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
        return out
    if name == "fashion_mnist":
        for fname, arr in zip(spec.files, (y_tr, x_tr, y_te, x_te), strict=True):
            with gzip.open(folder / fname, "wb") as f:
                f.write(_idx(arr))
        return folder
    members: dict[str, dict] = {}
    chw = lambda x: x.transpose(0, 3, 1, 2).reshape(len(x), -1)  # noqa: E731  (rows of 3072)
    if name == "cifar10":
        for i, idx in enumerate(np.array_split(np.arange(n_train), 5), start=1):
            members[f"data_batch_{i}"] = _cifar_batch(
                f"training batch {i} of 5", chw(x_tr[idx]), {"labels": y_tr[idx]}
            )
        members["test_batch"] = _cifar_batch("testing batch 1 of 1", chw(x_te), {"labels": y_te})
    else:
        coarse = lambda y: (y // 5).astype(np.uint8)  # noqa: E731  (20 superclasses)
        for part, x, y in (("train", x_tr, y_tr), ("test", x_te, y_te)):
            labels = {"fine_labels": y, "coarse_labels": coarse(y)}
            members[part] = _cifar_batch(part, chw(x), labels)
    out = folder / f"{spec.files[0]}_archive"
    with tarfile.open(out, "w:gz") as tar:
        for member, data in members.items():
            blob = pickle.dumps(data, protocol=4)  # 4: no global but numpy's for bytes
            info = tarfile.TarInfo(f"{spec.inner}/{member}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return out


def _idx(a: np.ndarray) -> bytes:
    """The IDX format of the MNIST files: a magic number giving the rank, the sizes, bytes."""
    header = np.array([0x0800 + a.ndim, *a.shape], dtype=">i4").tobytes()
    return header + np.ascontiguousarray(a, dtype=np.uint8).tobytes()


def _cifar_batch(label: str, data: np.ndarray, labels: dict[str, np.ndarray]) -> dict:
    n = len(data)
    batch = {
        b"batch_label": label.encode(),
        b"data": np.ascontiguousarray(data, dtype=np.uint8),
        b"filenames": [f"image_{i}.png".encode() for i in range(n)],
    }
    batch.update({k.encode(): [int(v) for v in y] for k, y in labels.items()})
    return batch
