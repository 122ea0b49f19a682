"""MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100: small generated files in Keras's formats, in a
temporary Keras cache, read through Keras's own loaders; the missing-file error; the options."""

from __future__ import annotations

import shutil
import socket
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from batchlab.data import load_dataset, write_keras_files
from batchlab.data._fake import fake_images
from batchlab.data._keras_files import DOWNLOAD_TIMEOUT
from batchlab.errors import DataError, SpecError

SWEEP = {"batch_size": [8], "learning_rate": [0.1]}
NAMES = ("mnist", "fashion_mnist", "cifar10", "cifar100")
N_TRAIN, N_TEST = 200, 60


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty Keras folder ($KERAS_HOME), and any download attempt refused loudly."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    (tmp_path / "keras").mkdir()
    from keras.src.utils import file_utils

    def no_network(url, *a, **k):
        raise AssertionError(f"a download of {url} was attempted")

    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    return tmp_path / "keras"


def expected(name: str, seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = fake_images(name, n, seed)
    return (x if x.ndim == 4 else x[..., None]).astype(np.float32) / 255, y


@pytest.mark.parametrize("name", NAMES)
def test_a_generated_file_in_the_keras_cache_loads_through_keras(name, home):
    written = write_keras_files(name, n_train=N_TRAIN, n_test=N_TEST, seed=3)
    assert str(written).startswith(str(home / "datasets"))
    ds = load_dataset(name)
    shape = (28, 28, 1) if "mnist" in name else (32, 32, 3)
    assert ds.input_shape == shape and (ds.n_train, ds.n_test) == (N_TRAIN, N_TEST)
    assert ds.n_classes == (100 if name == "cifar100" else 10)
    for split, seed, n in (("train", 3, N_TRAIN), ("test", 4, N_TEST)):
        x, y = expected(name, seed, n)
        np.testing.assert_array_equal(getattr(ds, f"y_{split}"), y)
        np.testing.assert_allclose(getattr(ds, f"x_{split}"), x, rtol=0, atol=1e-7)
    assert written.exists()  # a file whose hash is not the original's is kept, not re-fetched
    if name.startswith("cifar"):  # Keras's get_file extracted the archive into its folder
        assert (home / "datasets" / written.name.removesuffix("_archive")).is_dir()
        assert load_dataset(name).n_train == N_TRAIN  # the extracted folder, again


def test_cifar100_coarse_labels(home):
    write_keras_files("cifar100", n_train=N_TRAIN, n_test=N_TEST, seed=3)
    ds = load_dataset("cifar100", label_mode="coarse")
    assert ds.n_classes == 20
    np.testing.assert_array_equal(ds.y_train, expected("cifar100", 3, N_TRAIN)[1] // 5)


@pytest.mark.parametrize("name", NAMES)
def test_a_missing_file_names_the_dataset_the_file_and_how_to_provide_it(name, home):
    with pytest.raises(DataError) as e:
        load_dataset(name, download=False)
    text = str(e.value)
    folder = home / "datasets"
    assert f"dataset {name!r}" in text and "downloads are off" in text
    looked = {
        "mnist": folder / "mnist.npz",
        "fashion_mnist": folder / "fashion-mnist" / "train-labels-idx1-ubyte.gz",
        "cifar10": folder / "cifar-10-batches-py-target" / "cifar-10-batches-py",
        "cifar100": folder / "cifar-100-python-target" / "cifar-100-python",
    }[name]
    assert str(looked) in text
    assert "To provide it, put" in text and "dataset_options.path" in text
    if name.startswith("cifar"):
        assert f"{looked.parent}_archive" in text and ".tar.gz" in text


def test_a_failed_download_is_bounded_and_explained(home, monkeypatch):
    from keras.src.utils import file_utils

    seen = []

    def offline(url, *a, **k):
        seen.append(socket.getdefaulttimeout())
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    before = socket.getdefaulttimeout()
    with pytest.raises(DataError) as e:
        load_dataset("mnist")
    assert seen == [DOWNLOAD_TIMEOUT] and socket.getdefaulttimeout() == before
    text = str(e.value)
    assert "downloading https://storage.googleapis.com" in text and "Name or service" in text
    assert str(home / "datasets" / "mnist.npz") in text


def test_the_cli_exits_2_for_a_missing_file(home, tmp_path):
    from helpers.cli import bad_input, cli

    spec = tmp_path / "m.toml"
    spec.write_text(
        'dataset = "fashion_mnist"\nepochs = 1\ndataset_options = {download = false}\n'
        "[sweep]\nbatch_size = [8]\nlearning_rate = [0.1]\n"
    )
    bad_input(
        cli("run", spec, "--store", tmp_path / "s.db"),
        "dataset 'fashion_mnist'",
        str(home / "datasets" / "fashion-mnist" / "train-labels-idx1-ubyte.gz"),
        "dataset_options.path",
    )


# ---- dataset_options.path ---------------------------------------------------------------


def test_path_to_each_format(home, tmp_path):
    elsewhere = tmp_path / "mine"
    elsewhere.mkdir()
    npz = write_keras_files("mnist", n_train=40, n_test=20)
    shutil.move(npz, elsewhere / "digits.npz")
    assert load_dataset("mnist", path=str(elsewhere / "digits.npz")).n_train == 40

    fashion = write_keras_files("fashion_mnist", n_train=30, n_test=20)
    shutil.move(fashion, elsewhere / "fm")
    assert load_dataset("fashion_mnist", path=elsewhere / "fm").n_train == 30
    one = elsewhere / "fm" / "t10k-images-idx3-ubyte.gz"  # one of the four: the others beside
    assert load_dataset("fashion_mnist", path=one).n_test == 20

    archive = write_keras_files("cifar10", n_train=50, n_test=20)
    tgz = shutil.move(archive, elsewhere / "cifar-10-python.tar.gz")
    assert load_dataset("cifar10", path=tgz).n_train == 50  # the archive as published
    assert not (home / "datasets" / "cifar-10-batches-py-target").exists()
    with tarfile.open(tgz) as tar:
        tar.extractall(elsewhere / "x", filter="data")
    inner = elsewhere / "x" / "cifar-10-batches-py"
    assert load_dataset("cifar10", path=inner).n_test == 20  # the extracted folder
    assert load_dataset("cifar10", path=elsewhere / "x").n_test == 20  # a folder holding it
    renamed = shutil.move(inner, elsewhere / "batches")
    assert load_dataset("cifar10", path=renamed).n_train == 50  # under another name

    (Path(renamed) / "test_batch").unlink()
    with pytest.raises(DataError, match="needs the file .*test_batch, which is not there"):
        load_dataset("cifar10", path=renamed)
    with pytest.raises(DataError, match=r"dataset_options.path = '.*nothing': no such file"):
        load_dataset("mnist", path=str(elsewhere / "nothing"))
    with pytest.raises(DataError, match="needs the file .*mnist.npz"):
        load_dataset("mnist", path=elsewhere / "fm")  # a folder without mnist.npz


def test_a_file_that_is_not_in_the_format_is_a_data_error(home, tmp_path):
    bad = tmp_path / "mnist.npz"
    np.savez(bad, x=np.zeros((3, 2)))
    with pytest.raises(DataError, match=r"dataset 'mnist': .* cannot be read by Keras's loader"):
        load_dataset("mnist", path=bad)
    tgz = tmp_path / "c.tar.gz"
    tgz.write_bytes(b"not an archive")
    with pytest.raises(DataError, match="cannot be read as cifar-100-python.tar.gz"):
        load_dataset("cifar100", path=tgz)


def test_a_relative_path_in_a_study_file_is_beside_it(home, tmp_path):
    from batchlab.study import load_study

    write_keras_files("mnist", tmp_path / "k", n_train=20, n_test=10)
    spec = tmp_path / "s.toml"
    spec.write_text(
        'dataset = "mnist"\nepochs = 1\n[dataset_options]\npath = "k/datasets/mnist.npz"\n'
        "[sweep]\nbatch_size = [8]\nlearning_rate = [0.1]\n"
    )
    study = load_study(spec)
    assert study.dataset_options["path"] == str((tmp_path / "k/datasets/mnist.npz").resolve())


# ---- subsets, validation split, scaling ---------------------------------------------------


@pytest.fixture
def mnist(home):
    write_keras_files("mnist", n_train=N_TRAIN, n_test=N_TEST, seed=3)
    return expected("mnist", 3, N_TRAIN), expected("mnist", 4, N_TEST)


def rows_of(sub: np.ndarray, full: np.ndarray) -> np.ndarray:
    """Index in ``full`` of each row of ``sub`` (images are distinct)."""
    flat = full.reshape(len(full), -1)
    return np.array(
        [int(np.flatnonzero((flat == r).all(axis=1))[0]) for r in sub.reshape(len(sub), -1)]
    )


def test_subsets_are_stratified_seeded_and_in_file_order(mnist):
    (x_tr, y_tr), (x_te, y_te) = mnist
    ds = load_dataset("mnist", n_train=50, n_test=30, split_seed=1)
    assert (ds.n_train, ds.n_test) == (50, 30)
    idx = rows_of(ds.x_train, x_tr)
    assert (np.diff(idx) > 0).all()  # file order kept
    np.testing.assert_array_equal(ds.y_train, y_tr[idx])
    np.testing.assert_array_equal(np.bincount(ds.y_train, minlength=10), [5] * 10)
    np.testing.assert_array_equal(np.bincount(ds.y_test, minlength=10), [3] * 10)
    np.testing.assert_array_equal(ds.y_test, y_te[rows_of(ds.x_test, x_te)])
    again = load_dataset("mnist", n_train=50, n_test=30, split_seed=1)
    np.testing.assert_array_equal(again.x_train, ds.x_train)
    other = load_dataset("mnist", n_train=50, n_test=30, split_seed=2)
    assert not np.array_equal(other.x_train, ds.x_train)
    assert load_dataset("mnist", n_train=N_TRAIN).n_train == N_TRAIN  # all of them
    with pytest.raises(SpecError, match=r"dataset_options.n_train = 201: larger than mnist's"):
        load_dataset("mnist", n_train=N_TRAIN + 1)


def test_validation_split_is_keras_fits(mnist):
    from keras.src.trainers.data_adapters.array_slicing import train_validation_split

    (x_tr, y_tr), _ = mnist
    ds = load_dataset("mnist", n_train=100, validation_split=0.25)
    sub = load_dataset("mnist", n_train=100)  # the 100 rows fit would be given
    (x_fit, y_fit), (x_val, y_val) = train_validation_split(
        (sub.x_train, sub.y_train), validation_split=0.25
    )
    np.testing.assert_array_equal(ds.x_train, x_fit)
    np.testing.assert_array_equal(ds.y_train, y_fit)
    np.testing.assert_array_equal(ds.x_test, x_val)  # the validation set takes the test's place
    np.testing.assert_array_equal(ds.y_test, y_val)
    assert (ds.n_train, ds.n_test) == (75, 25)
    assert "reported as test_*" in ds.description
    with pytest.raises(SpecError, match="validation_split = 0.999: leaves 0 of 200"):
        load_dataset("mnist", validation_split=0.999)


def test_scaling(mnist):
    (x_tr, _), (x_te, _) = mnist
    raw_tr, raw_te = x_tr * 255, x_te * 255
    np.testing.assert_allclose(load_dataset("mnist", scale="none").x_train, raw_tr, atol=1e-4)
    ds = load_dataset("mnist", scale="standardize")
    mean, std = raw_tr.astype(np.float64).mean(), raw_tr.astype(np.float64).std()
    np.testing.assert_allclose(ds.x_train, (raw_tr - mean) / std, atol=1e-5)
    np.testing.assert_allclose(ds.x_test, (raw_te - mean) / std, atol=1e-5)
    assert "scale=standardize" in ds.description


def test_cifar_standardizes_per_channel(home):
    write_keras_files("cifar10", n_train=50, n_test=20)
    x = load_dataset("cifar10", scale="standardize").x_train.astype(np.float64)
    np.testing.assert_allclose(x.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(x.std(axis=(0, 1, 2)), 1, atol=1e-4)


@pytest.mark.parametrize(
    ("options", "needles"),
    [
        ({"n_trian": 5}, ["dataset_options.n_trian", "did you mean 'n_train'", "options: path"]),
        ({"label_mode": "fine"}, ["dataset_options.label_mode", "'mnist'"]),
        ({"n_train": 0}, ["dataset_options.n_train = 0", "integer >= 1"]),
        ({"n_test": 2.5}, ["dataset_options.n_test = 2.5", "integer >= 1"]),
        ({"n_train": True}, ["dataset_options.n_train = True"]),
        ({"validation_split": 1}, ["dataset_options.validation_split = 1", "(0, 1)"]),
        ({"validation_split": "0.2"}, ["validation_split = '0.2'"]),
        ({"scale": "unti"}, ["dataset_options.scale = 'unti'", "'standardize'", "'unit'?"]),
        ({"split_seed": -1}, ["dataset_options.split_seed = -1", ">= 0"]),
        ({"download": "no"}, ["dataset_options.download = 'no'", "true or false"]),
        ({"path": 3}, ["dataset_options.path = 3", "a path"]),
    ],
)
def test_bad_options_are_refused_when_the_study_is_made(options, needles):
    from batchlab.study import Study

    with pytest.raises(SpecError) as e:  # no file needed: the spec is checked on its own
        Study(name="s", dataset="mnist", epochs=1, dataset_options=options, sweep=SWEEP)
    for needle in needles:
        assert needle in str(e.value)
    with pytest.raises(SpecError):
        load_dataset("mnist", **options)


def test_label_mode_is_cifar100s(home):
    with pytest.raises(SpecError, match="label_mode = 'medium'.*'fine', 'coarse'"):
        load_dataset("cifar100", label_mode="medium")
