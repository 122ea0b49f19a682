"""``bl.train(dataset=(x, y))`` and ``(x, y, x_test, y_test)``: arrays as ``keras.Model.fit``
takes them. They are read exactly as an NPZ file of the same arrays (the same checks, labels
and split): the reference is that file, trained the same way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import batchlab as bl
from batchlab.data import from_arrays, load_dataset
from batchlab.errors import DataError, SpecError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 4)).astype(np.float32)
Y = np.array(["cat", "dog", "emu"] * 20)  # text labels, as a user may have them
GRID = dict(batch_size=[8, "full"], learning_rate=0.1, epochs=2, seeds=2, model=bl.models.mlp([5]))
SAME = ["trial", "epoch", "batch_size", "seed", "updates", "train_loss", "test_accuracy"]


def test_x_y_trains_as_the_npz_file_of_the_same_arrays(tmp_path):
    np.savez(tmp_path / "same.npz", x=X, y=Y)
    from_file = bl.train(dataset=tmp_path / "same.npz", **GRID).history
    from_arrays_ = bl.train(dataset=(X, Y), **GRID).history
    pd.testing.assert_frame_equal(from_arrays_[SAME], from_file[SAME])


def test_own_test_set_and_split_options(tmp_path):
    np.savez(tmp_path / "split.npz", x=X[:45], y=Y[:45], x_test=X[45:], y_test=Y[45:])
    a = bl.train(dataset=[X[:45], Y[:45], X[45:], Y[45:]], **GRID).history
    b = bl.train(dataset=tmp_path / "split.npz", **GRID).history
    pd.testing.assert_frame_equal(a[SAME], b[SAME])
    np.savez(tmp_path / "all.npz", x=X, y=Y)
    ds = from_arrays(X, Y, test_fraction=0.5, split_seed=3)
    ref = load_dataset(tmp_path / "all.npz", test_fraction=0.5, split_seed=3)
    assert np.array_equal(ds.x_test, ref.x_test) and ds.n_test == 30
    assert ds.class_names == ("cat", "dog", "emu")


@pytest.mark.parametrize(
    ("dataset", "options", "error", "needles"),
    [
        ((X, Y[:-1]), None, DataError, ["array 'x' has 60 rows but 'y' has 59"]),
        ((X, Y, X), None, SpecError, ["(x, y) or (x, y, x_test, y_test)", "got 3 items"]),
        ((X, Y, X, None), None, SpecError, ["item 3 is None", "array of shape (60, 4)"]),
        ((X, np.zeros(60)), None, DataError, ["array 'y'", "only one class"]),
        ((np.full((60, 4), np.nan), Y), None, DataError, ["array 'x'", "nan"]),
        ((X, Y), {"label": "c"}, SpecError, ["'label' does not apply", "test_fraction"]),
        ((X, Y), {"test_fraction": 2}, SpecError, ["test_fraction: 2"]),
    ],
    ids=["rows", "three", "none", "one class", "nan", "label option", "test_fraction"],
)
def test_bad_arrays_name_what_is_wrong(dataset, options, error, needles):
    with pytest.raises(error) as caught:
        bl.train(dataset=dataset, dataset_options=options, epochs=1)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, message
    assert "\n" not in message and len(message) < 400  # arrays are named, never printed
