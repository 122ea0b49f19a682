"""The builtin image studies (fashion-mnist-grid, cifar10-resnet) end to end on small generated
files in Keras's own formats, placed in a temporary Keras cache: ``batchlab run`` of the study
(shrunk by its dataset subset, epochs and seeds only), the store, the report; and ``--full``.

No network is used: the generated files are where Keras's loader looks first.
"""

from __future__ import annotations

import pytest
from helpers.cli import bad_input, cli, ok

from batchlab.data import write_keras_files
from batchlab.store import load
from batchlab.study import load_study

IMAGE_STUDIES = {"fashion-mnist-grid": "fashion_mnist", "cifar10-resnet": "cifar10"}
N_TRAIN, N_TEST = 96, 40


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras"
    monkeypatch.setenv("KERAS_HOME", str(home))
    for dataset in IMAGE_STUDIES.values():
        write_keras_files(dataset, home, n_train=N_TRAIN * 2, n_test=N_TEST * 2)
    return home


@pytest.mark.parametrize("name", sorted(IMAGE_STUDIES))
def test_image_study_runs_stores_and_reports(name, keras_home, tmp_path):
    builtin = load_study(name)
    assert builtin.dataset == IMAGE_STUDIES[name] and builtin.full_size
    # the builtin, smaller: a subset of the generated file, 1 epoch, 1 seed, two batch sizes
    small = builtin.replace(
        dataset_options=builtin.dataset_options | {"n_train": N_TRAIN, "n_test": N_TEST},
        epochs=1,
        seeds=1,
        batch_size=[16, "full"],
    )
    spec = tmp_path / f"{name}.toml"
    spec.write_text(small.to_toml(), encoding="utf-8")
    store, report = tmp_path / "s.db", tmp_path / "r.html"
    result = ok(cli("run", spec, "--store", store, "--report", report))
    assert name in result.out and "target" in result.out
    tables = load(name, store=store)
    assert len(tables.trials) == small.n_trials == 2 * len(builtin.sweep.learning_rate)
    assert len(tables.history) == small.n_trials
    assert tables.history.test_accuracy.between(0, 1).all()
    assert set(tables.history.batch_size) == {16, N_TRAIN}
    text = report.read_text(encoding="utf-8")
    assert name in text and "<img" in text


def test_full_size_is_the_builtin_with_its_full_size_table():
    shrunk = load_study("fashion-mnist-grid")
    full = shrunk.at_full_size()
    assert full.name == "fashion-mnist-grid-full" and not full.full_size
    assert full.dataset_options == {} and full.epochs == 30
    assert full.sweep.batch_size == (16, 32, 64, 128, 256, 512, 1024)
    assert shrunk.dataset_options == {"n_train": 3000, "n_test": 1000}
    assert full.model == shrunk.model and full.sweep.seeds == shrunk.sweep.seeds
    resnet = load_study("cifar10-resnet").at_full_size()
    assert resnet.model["depth"] == 20 and resnet.sweep.seeds == 3
    # the table is not part of what is trained: the spec hash ignores it
    assert shrunk.replace(full_size={"epochs": 31}).spec_hash == shrunk.spec_hash


def test_full_size_errors_name_the_table_and_the_key(tmp_path):
    bad_input(cli("run", "seed003-grid", "--full", "--store", tmp_path / "s.db"), "full_size")
    spec = tmp_path / "x.toml"
    text = load_study("fashion-mnist-grid").to_toml().replace("epochs = 30", "epochs = -3")
    spec.write_text(text, encoding="utf-8")
    bad_input(cli("run", spec, "--store", tmp_path / "s.db"), "full_size.epochs", "-3")
    assert not (tmp_path / "s.db").exists()
