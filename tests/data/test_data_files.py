"""CSV and NPZ files: what loads, how it is split, and what every bad file is told."""

import numpy as np
import pytest

from batchlab.data import load_dataset
from batchlab.errors import DataError, SpecError


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = "x1,x2,label\n" + "".join(f"{i},{i % 3}.5,{i % 2}\n" for i in range(20))


def test_csv_integer_labels_stratified_split_is_fixed(tmp_path):
    path = write(tmp_path, GOOD)
    ds = load_dataset(path)
    assert (ds.name, ds.task, ds.n_classes, ds.class_names) == ("data", "classification", 2, ())
    assert (ds.n_train, ds.n_test, ds.input_shape) == (16, 4, (2,))
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int32
    assert np.bincount(ds.y_test).tolist() == [2, 2]  # stratified
    rows = np.concatenate([ds.x_train[:, 0], ds.x_test[:, 0]])
    assert sorted(rows.tolist()) == list(range(20))  # every row used once
    again = load_dataset(str(path))
    np.testing.assert_array_equal(again.x_test, ds.x_test)  # same split every time
    other = load_dataset(path, split_seed=1, test_fraction=0.5)
    assert other.n_test == 10 and not np.array_equal(other.x_test[:4], ds.x_test)


def test_csv_text_labels_split_column_label_option_blank_lines(tmp_path):
    text = 'a, kind ,split\n1,cat,train\n2,dog,train\n\n3,cat,test\n"4",bird,train\n5,dog,TEST\n'
    ds = load_dataset(write(tmp_path, text), label="kind")
    assert ds.class_names == ("bird", "cat", "dog") and ds.n_classes == 3
    assert ds.x_train[:, 0].tolist() == [1, 2, 4] and ds.y_train.tolist() == [1, 2, 0]
    assert ds.x_test[:, 0].tolist() == [3, 5] and ds.y_test.tolist() == [1, 2]


def test_csv_label_list_is_multilabel(tmp_path):
    text = "a,b,and,or,split\n0,0,0,0,train\n0,1,0,1,train\n1,0,0,1,test\n1,1,1,1,test\n"
    ds = load_dataset(write(tmp_path, text), label=["and", "or"])
    assert ds.task == "multilabel" and ds.class_names == ("and", "or")
    assert ds.y_test.tolist() == [[0, 1], [1, 1]] and ds.y_test.dtype == np.float32


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ["data.csv is empty"]),
        ("x,label\n", ["data.csv", "no data rows"]),
        ("x,lable\n1,0\n2,1\n", ["no label column 'label'", "x, lable", "did you mean 'lable'"]),
        ("x,y,label\n1,2,0\n1,nan,1\n", ["data.csv line 3", "column 'y'", "'nan'", "finite"]),
        ("x,y,label\n1,2,0\n1,2,1\n-inf,2,1\n", ["line 4", "column 'x'", "'-inf'", "finite"]),
        ("x,y,label\n1,2,0\n1,abc,1\n", ["line 3", "column 'y'", "'abc' is not a number"]),
        ("x,y,label\n1,,0\n1,2,1\n", ["line 2", "column 'y'", "empty"]),
        ("x,y,label\n1,2,0\n1,2\n", ["line 3", "2 cells", "3 columns"]),
        ("x,label\n1,0\n2,-1\n", ["line 3", "column 'label'", "'-1' is negative", "0..K-1"]),
        ("x,label\n1,0\n2,1.5\n", ["line 3", "column 'label'", "'1.5' is not an integer"]),
        ("x,label\n1,0\n2,0\n", ["column 'label'", "only one class", "at least 2"]),
        ("x,label\n1,0\n2,1\n3,l\n4,1\n", ["line 4", "'l' is text", "numbers"]),
        ("x,label\n1,0\n2,1\n3,\n", ["line 4", "column 'label'", "label is empty"]),
        ("x,label,split\n1,0,train\n2,1,tset\n", ["line 3", "column 'split'", "'tset'"]),
        ("x,label,split\n1,0,train\n2,1,train\n", ["column 'split'", "no row is marked 'test'"]),
        ("label\n0\n1\n", ["no feature columns"]),
        ("x,x,label\n1,2,0\n", ["line 1", "'x' appears twice"]),
    ],
)
def test_bad_csv_gets_a_clear_error(tmp_path, text, expected):
    with pytest.raises(DataError) as info:
        load_dataset(write(tmp_path, text))
    for part in expected:
        assert part in str(info.value)


def test_missing_file_and_unsupported_suffix(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: no such file"):
        load_dataset(tmp_path / "nope.csv")
    with pytest.raises(DataError, match=r"a file of type '\.txt'; the dataset must be a \.csv or"):
        load_dataset(write(tmp_path, GOOD, name="data.txt"))
    with pytest.raises(DataError, match=r"is a folder; the dataset must be a \.csv or \.npz file"):
        load_dataset(tmp_path)
    (tmp_path / "data").mkdir()
    with pytest.raises(DataError, match=r"data is a folder; the dataset must be a \.csv"):
        load_dataset(str(tmp_path / "data"))


@pytest.mark.parametrize(
    "options, field",
    [
        ({"test_fraction": 0}, "test_fraction"),
        ({"test_fraction": 1.5}, "test_fraction"),
        ({"split_seed": -1}, "split_seed"),
        ({"label": ""}, "label"),
        ({"task": "regression"}, "task"),
        ({"test_fractoin": 0.3}, "did you mean 'test_fraction'"),
    ],
)
def test_bad_options_are_spec_errors(tmp_path, options, field):
    with pytest.raises(SpecError, match=field):
        load_dataset(write(tmp_path, GOOD), **options)


def npz(tmp_path, **arrays):
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    return path


def test_npz_without_and_with_test_arrays(tmp_path):
    x, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 4
    ds = load_dataset(npz(tmp_path, x=x, y=y), test_fraction=0.2)
    assert (ds.n_train, ds.n_test, ds.n_classes) == (16, 4, 4)
    assert sorted(ds.y_test.tolist()) == [0, 1, 2, 3]
    ds = load_dataset(npz(tmp_path, x=x, y=y, x_test=x[:3], y_test=y[:3]))
    assert (ds.n_train, ds.n_test) == (20, 3)
    np.testing.assert_array_equal(ds.x_test, x[:3])


def test_npz_text_one_hot_and_multilabel_targets(tmp_path):
    x = np.zeros((6, 3))
    ds = load_dataset(npz(tmp_path, x=x, y=np.array(["b", "a", "c", "a", "b", "c"])))
    assert ds.class_names == ("a", "b", "c")
    one_hot = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    ds = load_dataset(npz(tmp_path, x=x, y=one_hot))
    assert ds.task == "classification" and ds.n_classes == 3
    multi = np.array([[0, 1], [1, 1], [0, 0], [1, 0], [1, 1], [0, 1]])
    ds = load_dataset(npz(tmp_path, x=x, y=multi))
    assert ds.task == "multilabel" and ds.n_outputs == 2
    ds = load_dataset(npz(tmp_path, x=x, y=one_hot), task="multilabel")
    assert ds.task == "multilabel" and ds.n_outputs == 3


def test_bad_npz_gets_a_clear_error(tmp_path):
    x, y = np.zeros((6, 2)), np.array([0, 1, 0, 1, 0, 1])
    with pytest.raises(DataError, match=r"data\.npz has no array 'y' \(arrays: x, Y\).*'Y'"):
        load_dataset(npz(tmp_path, x=x, Y=y))
    with pytest.raises(DataError, match=r"data\.npz: array 'x' has 6 rows but 'y' has 5"):
        load_dataset(npz(tmp_path, x=x, y=y[:5]))
    bad = x.copy()
    bad[4, 1] = np.inf
    with pytest.raises(DataError, match=r"data\.npz: array 'x', row 4 .*column 1: value inf"):
        load_dataset(npz(tmp_path, x=bad, y=y))
    with pytest.raises(DataError, match=r"array 'y_test', row 1 .*label '-2' is negative"):
        load_dataset(npz(tmp_path, x=x, y=y, x_test=x[:2], y_test=np.array([0, -2])))
    with pytest.raises(DataError, match=r"has 'x_test' but no 'y_test'"):
        load_dataset(npz(tmp_path, x=x, y=y, x_test=x))
    with pytest.raises(DataError, match=r"data\.npz, array 'y'.*only one class"):
        load_dataset(npz(tmp_path, x=x, y=y * 0))
    with pytest.raises(DataError, match=r"target '2' is not 0 or 1"):
        load_dataset(npz(tmp_path, x=x[:2], y=np.array([[0, 2], [1, 1]])))
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(DataError, match=r"junk\.npz is not a NumPy \.npz archive"):
        load_dataset(tmp_path / "junk.npz")


def test_npz_in_keras_layout(tmp_path):
    """x_train/y_train/x_test/y_test (keras.datasets' mnist.npz) read as x/y/x_test/y_test."""
    x, y = np.arange(24.0).reshape(12, 2), np.array([0, 1, 2] * 4)
    ds = load_dataset(npz(tmp_path, x_train=x[:8], y_train=y[:8], x_test=x[8:], y_test=y[8:]))
    assert ds.x_train.tolist() == x[:8].tolist() and ds.y_test.tolist() == y[8:].tolist()
    ds = load_dataset(npz(tmp_path, x_train=x, y_train=y), test_fraction=0.25)
    assert len(ds.x_train) == 9 and len(ds.x_test) == 3
    with pytest.raises(DataError, match=r"array 'x_train' has 12 rows but 'y_train' has 11"):
        load_dataset(npz(tmp_path, x_train=x, y_train=y[:11]))
    with pytest.raises(DataError, match=r"has both 'x' and 'x_train': one training set only"):
        load_dataset(npz(tmp_path, x=x, y=y, x_train=x, y_train=y))
    with pytest.raises(DataError, match=r"has no array 'y_train' \(arrays: x_train\)"):
        load_dataset(npz(tmp_path, x_train=x))
    with pytest.raises(DataError, match=r"array 'y_train'.*only one class"):
        load_dataset(npz(tmp_path, x_train=x, y_train=y * 0))
