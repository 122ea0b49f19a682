"""Builtin datasets: exact definitions, shapes, determinism, the mnist1d disk cache."""

import pickle
import random

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from batchlab.data import Dataset, builtin_datasets, load_dataset
from batchlab.errors import DataError, SpecError


def test_blobs_is_seed_003():
    x, y = make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2)
    ds = load_dataset("blobs")
    assert (ds.task, ds.n_classes, ds.n_train, ds.n_test) == ("classification", 3, 500, 500)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int32
    np.testing.assert_array_equal(ds.x_train, x[:500].astype(np.float32))
    np.testing.assert_array_equal(ds.x_test, x[500:].astype(np.float32))
    np.testing.assert_array_equal(ds.y_train, y[:500])
    np.testing.assert_array_equal(ds.y_test, y[500:])


def test_logic_is_the_truth_table():
    ds = load_dataset("logic")
    assert ds.task == "multilabel" and ds.n_outputs == 5
    assert ds.class_names == ("AND", "OR", "XOR", "NAND", "NOR")
    np.testing.assert_array_equal(ds.x_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    expected = [  # AND OR XOR NAND NOR
        [0, 0, 0, 1, 1],
        [0, 1, 1, 1, 0],
        [0, 1, 1, 1, 0],
        [1, 1, 0, 0, 0],
    ]
    np.testing.assert_array_equal(ds.y_train, expected)
    assert ds.y_train.dtype == np.float32
    np.testing.assert_array_equal(ds.x_test, ds.x_train)
    np.testing.assert_array_equal(ds.y_test, ds.y_train)
    assert "whole domain" in ds.description


@pytest.mark.parametrize(
    "name, n_train, n_test, input_shape, n_classes",
    [("moons", 500, 500, (2,), 2), ("digits", 1347, 450, (64,), 10)],
)
def test_builtin_shapes_and_determinism(name, n_train, n_test, input_shape, n_classes):
    from batchlab.data import _builtin

    ds = load_dataset(name)
    assert (ds.n_train, ds.n_test, ds.input_shape, ds.n_classes) == (
        n_train,
        n_test,
        input_shape,
        n_classes,
    )
    assert load_dataset(name) is ds  # cached in-process
    again = getattr(_builtin, name).__wrapped__()  # regenerated from scratch
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, field), getattr(ds, field))


def test_digits_scaled_and_stratified():
    ds = load_dataset("digits")
    assert ds.x_train.min() == 0 and ds.x_train.max() == 1
    share = np.bincount(ds.y_test, minlength=10) / np.bincount(ds.y_train, minlength=10)
    assert np.allclose(share, 1 / 3, atol=0.03)


def test_mnist1d_generated_cached_and_leaves_global_rng_alone(tmp_path, monkeypatch):
    from batchlab.data import _builtin

    monkeypatch.setenv("BATCHLAB_CACHE", str(tmp_path))
    _builtin.mnist1d.cache_clear()
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    ds = load_dataset("mnist1d")  # generated (the package seeds the global RNGs) and cached
    assert np.random.rand() == np.random.RandomState(123).rand()  # noqa: NPY002
    assert random.random() == random.Random(123).random()
    assert (ds.n_train, ds.n_test, ds.input_shape, ds.n_classes) == (4000, 1000, (40,), 10)
    assert ds.x_train.dtype == np.float32 and set(np.unique(ds.y_train)) == set(range(10))
    # Pinned values of mnist1d 0.0.2's standard generation (seed 42).
    assert ds.y_train[:10].tolist() == [2, 6, 4, 5, 6, 6, 6, 0, 3, 1]
    assert ds.y_test[:5].tolist() == [2, 6, 3, 9, 4]
    np.testing.assert_allclose(ds.x_train[0, :3], [-0.33200568, -0.47191036, -0.77869707])
    _builtin.mnist1d.cache_clear()
    again = load_dataset("mnist1d")  # read back from the disk cache
    assert again is not ds
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, field), getattr(ds, field))


def test_mnist1d_disk_cache_written_atomically_and_reread(tmp_path, monkeypatch):
    from batchlab.data import _mnist1d

    monkeypatch.setenv("BATCHLAB_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    fake = (rng.normal(size=(8, 40)), np.arange(8) % 10, rng.normal(size=(2, 40)), np.arange(2))
    calls = []
    monkeypatch.setattr(_mnist1d, "generate", lambda: calls.append(1) or fake)
    first = _mnist1d.standard_arrays()
    assert len(calls) == 1 and _mnist1d.cache_path().exists()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [_mnist1d.cache_path().name]
    second = _mnist1d.standard_arrays()
    assert len(calls) == 1  # read back from disk
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    _mnist1d.cache_path().write_bytes(b"not an npz")  # a damaged cache is regenerated
    _mnist1d.standard_arrays()
    assert len(calls) == 2


def test_builtin_datasets_lists_every_builtin():
    described = builtin_datasets()
    assert set(described) == {"blobs", "logic", "moons", "digits", "mnist1d"} | {
        "mnist",
        "fashion_mnist",
        "cifar10",
        "cifar100",
    }
    assert all(isinstance(d, str) and d for d in described.values())


def test_unknown_builtin_lists_builtins_and_suggests():
    with pytest.raises(DataError, match=r"'blob'.*blobs, logic.*did you mean 'blobs'\?"):
        load_dataset("blob")


def test_dataset_passes_through_and_rejects_options():
    ds = load_dataset("logic")
    assert load_dataset(ds) is ds
    with pytest.raises(SpecError, match="test_fraction"):
        load_dataset("blobs", test_fraction=0.5)


def test_dataset_arrays_are_read_only():
    ds = load_dataset("blobs")
    with pytest.raises(ValueError, match="read-only"):
        ds.x_train[0, 0] = 1.0
    copy = pickle.loads(pickle.dumps(ds))  # as shipped to a worker: rebuilt, still read-only
    assert not copy.x_train.flags.writeable
    np.testing.assert_array_equal(copy.x_train, ds.x_train)


def test_dataset_validates_its_arrays():
    x, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    ds = Dataset("t", x, y, x[:2], y[:2], task="classification", n_classes=2)
    assert (ds.n_train, ds.n_test, ds.input_shape, ds.n_features, ds.n_outputs) == (
        4,
        2,
        (2,),
        2,
        2,
    )
    with pytest.raises(DataError, match=r"x_train has 4 rows but y_train has 3"):
        Dataset("t", x, y[:3], x, y, task="classification", n_classes=2)
    with pytest.raises(DataError, match=r"y_test\[1\] is 2.*\[0, 2\)"):
        Dataset("t", x, y, x, np.array([0, 2, 0, 1]), task="classification", n_classes=2)
    bad = x.copy()
    bad[2, 1] = np.nan
    with pytest.raises(DataError, match=r"x_train, row 2 \(0-based\), column 1: value nan"):
        Dataset("t", bad, y, x, y, task="classification", n_classes=2)
    with pytest.raises(DataError, match="at least 2 classes"):
        Dataset("t", x, y * 0, x, y * 0, task="classification", n_classes=1)
    with pytest.raises(DataError, match="x_test has no rows"):
        Dataset("t", x, y, x[:0], y[:0], task="classification", n_classes=2)
