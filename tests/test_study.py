"""Study specs: validation messages, TOML loading, round trips, overrides."""

from __future__ import annotations

import copy
import math
import tomllib

import pytest

from batchlab.errors import SpecError
from batchlab.study import (
    Diagnostics,
    Optimizer,
    Point,
    Study,
    Sweep,
    builtin_studies,
    load_study,
    parse_toml,
)

BASE = {
    "name": "t",
    "dataset": "blobs",
    "epochs": 5,
    "sweep": {"batch_size": [8, 32], "learning_rate": [0.01, 0.1, 0.5], "seeds": 2},
}

SEED_STUDIES = {
    "seed000-batch-sizes",
    "seed000-learning-rates",
    "seed002-logic",
    "seed003-flavors",
    "seed003-grid",
    "seed004-gradients",
    "mnist1d-grid",
}
BEYOND_STUDIES = {
    "smith2018-increase-batch",
    "lr-batch-ratio",
    "keskar-sharpness",
    "edge-of-stability",
}
"""Builtins beyond a fixed batch size (issue 15): schedules, the rate-to-batch ratio,
sharpness."""
IMAGE_STUDIES = {"fashion-mnist-grid", "cifar10-resnet"}
"""Builtins on image datasets (issue 14), shrunk for a CPU, with a full size (``--full``)."""


def with_(path: str, value, base=BASE) -> dict:
    """BASE with the dotted ``path`` set to ``value`` (a ``DELETE`` value removes it)."""
    data = copy.deepcopy(base)
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target.setdefault(key, {})
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return data


DELETE = object()

INVALID = [
    # (dotted path, value, substrings the message must hold)
    ("sweep.learning_rates", [0.1], ["unknown key 'learning_rates' in [sweep]", "'learning_rate'"]),
    ("epoch", 5, ["unknown key 'epoch' at the top level", "did you mean 'epochs'"]),
    ("optimizer.nesterof", True, ["[optimizer]", "did you mean 'nesterov'"]),
    ("sweep.learning_rate", [0.01, 0.1, -0.5], ["sweep.learning_rate[2] = -0.5", "> 0"]),
    ("sweep.learning_rate", [0.0], ["sweep.learning_rate[0] = 0.0", "> 0"]),
    ("sweep.learning_rate", [0.1, math.nan], ["sweep.learning_rate[1] = nan", "finite"]),
    ("sweep.learning_rate", [math.inf], ["sweep.learning_rate[0] = inf", "finite"]),
    ("sweep.learning_rate", ["fast"], ["sweep.learning_rate[0] = 'fast'", "expected a number"]),
    ("sweep.learning_rate", [0.1, 0.1], ["sweep.learning_rate[1] = 0.1", "duplicate"]),
    ("sweep.batch_size", [8, 0], ["sweep.batch_size[1] = 0", ">= 1"]),
    ("sweep.batch_size", [-4], ["sweep.batch_size[0] = -4", ">= 1"]),
    ("sweep.batch_size", ["huge"], ["sweep.batch_size[0] = 'huge'", "'full'", "'stochastic'"]),
    ("sweep.batch_size", [32.0], ["sweep.batch_size[0] = 32.0", "positive integer"]),
    ("sweep.batch_size", [True], ["sweep.batch_size[0] = True", "positive integer"]),
    ("sweep.batch_size", [32, "minibatch"], ["sweep.batch_size[1] = 32", "duplicate"]),
    ("sweep.momentum", [1.0], ["sweep.momentum[0] = 1.0", "[0, 1)"]),
    ("sweep.momentum", [0.9, -0.1], ["sweep.momentum[1] = -0.1", "[0, 1)"]),
    ("sweep.momentum", [math.nan], ["sweep.momentum[0] = nan", "finite"]),
    ("epochs", 0, ["epochs = 0", ">= 1"]),
    ("epochs", "10", ["epochs = '10'", "integer"]),
    ("epochs", 2.5, ["epochs = 2.5", "integer"]),
    ("sweep.seeds", [0, -1], ["sweep.seeds[1] = -1", ">= 0"]),
    ("sweep.seeds", [0, 2**32], ["sweep.seeds[1] = 4294967296", "<= 4294967295"]),
    ("sweep.seeds", [1, 2, 1], ["sweep.seeds[2] = 1", "duplicate of sweep.seeds[0]"]),
    ("sweep.seeds", 0, ["sweep.seeds = 0", ">= 1"]),
    ("sweep.batch_size", [], ["sweep.batch_size is empty"]),
    ("sweep.learning_rate", [], ["sweep.learning_rate is empty"]),
    ("sweep.momentum", [], ["sweep.momentum is empty"]),
    ("sweep.seeds", [], ["sweep.seeds is empty"]),
    ("sweep.batch_size", DELETE, ["sweep.batch_size is empty", "[[sweep.points]]"]),
    ("optimizer", {"name": "rmsprop"}, ["optimizer.name = 'rmsprop'", "'sgd', 'adam'"]),
    ("optimizer", {"name": "adam", "nesterov": True}, ["optimizer.nesterov", "'sgd' only"]),
    ("optimizer", {"beta_1": math.inf}, ["optimizer.beta_1 = inf", "finite"]),
    ("optimizer", {"epsilon": 0.0}, ["optimizer.epsilon = 0.0", "> 0"]),
    ("lr_rule", {"rule": "quadratic"}, ["lr_rule.rule = 'quadratic'", "'linear', 'sqrt'"]),
    ("lr_rule", {"rule": "linear", "warmup_epochs": -1}, ["lr_rule.warmup_epochs = -1.0", ">= 0"]),
    ("lr_rule", {"reference_batch_size": 0}, ["lr_rule.reference_batch_size = 0", ">= 1"]),
    ("loss", "hinge", ["loss = 'hinge'", "'crossentropy'", "'mse'"]),
    ("dataset", "blob", ["dataset = 'blob'", "did you mean 'blobs'", "mnist1d"]),
    ("dataset", 3, ["dataset = 3", "builtin dataset name", ".csv", "Dataset"]),
    ("model", {"kind": "rnn"}, ["model.kind = 'rnn'", "'mlp', 'cnn1d', 'cnn2d', 'resnet'"]),
    ("model", {"hidden": [50]}, ["model has no 'kind'"]),
    ("model", {"kind": "mlp", "hidden": [50, 0]}, ["model.hidden[1] = 0", ">= 1"]),
    ("model", {"kind": "import", "path": "nocolon"}, ["model.path = 'nocolon'", "module:function"]),
    ("model", {"kind": "import"}, ["model.path"]),
    ("model", {"kind": "mlp", "dropout": math.nan}, ["model.dropout = nan", "finite"]),
    ("dataset_options", {"scale": math.inf}, ["dataset_options.scale = inf", "finite"]),
    ("dataset_options", [1], ["dataset_options = [1]", "expected a table"]),
    ("analysis", {"target_accuracy": 1.5}, ["analysis.target_accuracy = 1.5", "(0, 1]"]),
    ("analysis", {"x_axes": ["time"]}, ["analysis.x_axes[0] = 'time'", "'seconds'"]),
    ("analysis", {"metrics": ["accuracy", "acuracy"]}, ["analysis.metrics[1]", "'accuracy'"]),
    ("diagnostics", {"epochs": [0, 10]}, ["diagnostics.epochs[1] = 10", "5 epochs"]),
    ("diagnostics", {"n_batches": 0}, ["diagnostics.n_batches = 0", ">= 1"]),
    ("diagnostics", {"batch_sizes": [4, -1]}, ["diagnostics.batch_sizes[1] = -1", ">= 1"]),
    ("diagnostics", {"sample_size": 0}, ["diagnostics.sample_size = 0", ">= 1"]),
    ("diagnostics", {"enabled": "yes"}, ["diagnostics.enabled = 'yes'", "true or false"]),
    ("sweep", 5, ["sweep = 5", "expected a table"]),
    ("sweep", DELETE, ["missing key 'sweep'"]),
    ("name", "my study", ["name = 'my study'", "letters, digits"]),
    ("sweep.points", [{"batch_size": 1, "learning_rate": 0.1}], ["sweep.batch_size", "not both"]),
]


@pytest.mark.parametrize(("path", "value", "needles"), INVALID, ids=[i[0] for i in INVALID])
def test_invalid_specs_name_field_and_value(path, value, needles):
    with pytest.raises(SpecError) as info:
        Study.from_dict(with_(path, value))
    for needle in needles:
        assert needle in str(info.value)


POINTS = {"name": "p", "dataset": "blobs", "epochs": 3, "sweep": {"points": []}}


@pytest.mark.parametrize(
    ("points", "needles"),
    [
        (
            [{"batch_size": 1, "learning_rate": 0.1}, {"batch_size": 0, "learning_rate": 0.1}],
            ["sweep.points[1].batch_size = 0", ">= 1"],
        ),
        ([{"batch_size": 1}], ["sweep.points[0] has no 'learning_rate'"]),
        (
            [{"batch_size": 1, "learning_rate": 0.1, "lr": 2}],
            ["unknown key 'lr' in [sweep.points]"],
        ),
        (
            [
                {"batch_size": 1, "learning_rate": 0.1},
                {"batch_size": "stochastic", "learning_rate": 0.1},
            ],
            ["sweep.points[1]", "duplicate"],
        ),
        ([{"batch_size": 4, "learning_rate": -1}], ["sweep.points[0].learning_rate = -1.0"]),
    ],
)
def test_invalid_points(points, needles):
    with pytest.raises(SpecError) as info:
        Study.from_dict(with_("sweep.points", points, POINTS))
    for needle in needles:
        assert needle in str(info.value)


def test_python_construction_validates_too():
    with pytest.raises(SpecError, match=r"sweep\.learning_rate\[1\] = -1\.0"):
        Sweep(batch_size=[8], learning_rate=[0.1, -1])
    with pytest.raises(SpecError, match=r"optimizer\.name = 'sgdd'.*did you mean 'sgd'"):
        Optimizer(name="sgdd")
    with pytest.raises(SpecError, match=r"point\.batch_size = 0"):
        Point(batch_size=0, learning_rate=0.1)


def test_batch_size_flavors_are_normalized():
    study = Study.from_dict(with_("sweep.batch_size", ["batch", "stochastic", "minibatch", 7]))
    assert study.sweep.batch_size == ("full", 1, 32, 7)


def test_defaults_and_scalars():
    study = Study(
        name="d", dataset="blobs", epochs=1, sweep={"batch_size": 32, "learning_rate": 0.1}
    )
    assert study.sweep.batch_size == (32,)
    assert study.sweep.seed_values == (0,)
    assert study.momenta == (0.0,)
    assert study.optimizer == Optimizer()
    assert study.optimizer.epsilon == 1e-7
    adam = study.replace(optimizer={"name": "adam", "beta_1": 0.8})
    assert adam.momenta == (0.8,)
    assert adam.optimizer.kind == "adam"
    assert study.replace(optimizer=Optimizer(nesterov=True)).optimizer.kind == "nesterov"


def test_validate_against_the_training_set():
    study = Study.from_dict(with_("sweep.batch_size", [8, 1024]))
    with pytest.raises(SpecError) as info:
        study.validate_against(500)
    assert "sweep.batch_size[1] = 1024" in str(info.value)
    assert "500" in str(info.value)
    study.validate_against(1024)

    twice = Study.from_dict(with_("sweep.batch_size", ["full", 500]))
    with pytest.raises(
        SpecError, match=r"sweep\.batch_size\[1\] = 500: resolves to batch size 500"
    ):
        twice.validate_against(500)
    twice.validate_against(600)

    diag = Study.from_dict(with_("diagnostics", {"enabled": True, "batch_sizes": [1, 1000]}))
    with pytest.raises(SpecError, match=r"diagnostics\.batch_sizes\[1\] = 1000"):
        diag.validate_against(500)
    sample = Study.from_dict(with_("diagnostics", {"enabled": True, "sample_size": 501}))
    with pytest.raises(SpecError, match=r"diagnostics\.sample_size = 501"):
        sample.validate_against(500)


def test_toml_syntax_error_has_file_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\ndataset = "blobs"\nepochs = = 3\n')
    with pytest.raises(SpecError) as info:
        load_study(path)
    message = str(info.value)
    assert "broken.toml" in message
    assert "line 3, column" in message
    assert "TOML syntax error" in message


def test_errors_from_a_file_name_the_file(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(
        'dataset = "blobs"\nepochs = 3\n[sweep]\nbatch_size = [8]\nlearning_rates = [0.1]\n'
    )
    with pytest.raises(SpecError) as info:
        load_study(path)
    assert "typo.toml" in str(info.value)
    assert "did you mean 'learning_rate'" in str(info.value)


def test_file_name_is_the_default_name_and_relative_datasets_resolve(tmp_path):
    (tmp_path / "points.csv").write_text("x,y\n0,1\n")
    path = tmp_path / "mine.toml"
    path.write_text(
        'dataset = "points.csv"\nepochs = 3\n[sweep]\nbatch_size = [8]\nlearning_rate = [0.1]\n'
    )
    study = load_study(path)
    assert study.name == "mine"
    assert study.dataset == str((tmp_path / "points.csv").resolve())


def test_load_study_errors():
    with pytest.raises(SpecError, match=r"did you mean 'seed003-grid'"):
        load_study("seed003-gird")
    with pytest.raises(SpecError, match=r"does not exist"):
        load_study("no/such/file.toml")
    with pytest.raises(SpecError, match=r"expected a TOML file path"):
        load_study(3)


def test_builtins_are_the_seeds_experiments():
    builtins = builtin_studies()
    assert set(builtins) == SEED_STUDIES | BEYOND_STUDIES | IMAGE_STUDIES
    assert all(description.strip() for description in builtins.values())


@pytest.mark.parametrize("name", sorted(SEED_STUDIES | BEYOND_STUDIES | IMAGE_STUDIES))
def test_builtins_load_and_round_trip(name, tmp_path):
    study = load_study(name)
    assert study.name == name
    assert load_study(study) is study
    assert Study.from_dict(study.to_dict()) == study
    assert parse_toml(study.to_toml()) == study
    assert tomllib.loads(study.to_toml()) == study.to_dict()
    path = tmp_path / f"{name}.toml"
    path.write_text(study.to_toml(), encoding="utf-8")
    again = load_study(path)
    assert again == study
    assert again.spec_hash == study.spec_hash
    assert study.n_trials > 0


def test_seed003_flavors_is_four_points():
    study = load_study("seed003-flavors")
    assert study.sweep.pairs == (("full", 0.01), (1, 0.01), (1, 0.001), (32, 0.01))
    assert study.momenta == (0.9,)
    assert study.epochs == 200
    assert study.model == {
        "kind": "mlp",
        "hidden": [50],
        "activation": "relu",
        "init": "he_uniform",
        "output": "softmax",
    }


def test_round_trip_of_awkward_values():
    study = Study(
        name="odd-1.x",
        description='quotes " and \\ and\nnewline, tab\t, unicode é ∑, del \x7f',
        dataset="data/my file.csv",
        dataset_options={"label": "y", "weird key": [1, 2.5, True], "nested": {"a": {"b": "c"}}},
        model={"kind": "import", "path": "pkg.mod:build"},  # other keys: refused (unused)
        optimizer=Optimizer(name="adam", beta_1=0.85, beta_2=0.99, epsilon=1e-8),
        epochs=3,
        loss="crossentropy",
        sweep=Sweep(
            batch_size=["full", 1, 64],
            learning_rate=[0.1 + 0.2, 3e-4],
            momentum=[0.5, 0.0],
            seeds=[7, 3],
        ),
        lr_rule={"rule": "sqrt", "reference_batch_size": 64, "warmup_epochs": 0.5},
        analysis={"target_accuracy": 0.9, "metrics": ["loss"], "x_axes": ["seconds", "epochs"]},
        diagnostics=Diagnostics(
            enabled=True, epochs=[0, 3], batch_sizes=[2], n_batches=7, sample_size=100
        ),
    )
    assert Study.from_dict(study.to_dict()) == study
    assert parse_toml(study.to_toml()) == study


def test_replace_overrides():
    study = load_study("seed003-grid")
    fewer = study.replace(seeds=2, epochs=4)
    assert fewer.sweep.seeds == 2 and fewer.epochs == 4
    assert fewer.sweep.batch_size == study.sweep.batch_size
    assert fewer.spec_hash != study.spec_hash
    assert study.replace(**{"diagnostics.epochs": [0, 1]}).diagnostics.epochs == (0, 1)
    assert study.replace(target_accuracy=0.9).analysis.target_accuracy == 0.9
    assert study.replace(momentum=None).momenta == (0.0,)
    assert study.replace(sweep=Sweep(batch_size=[2], learning_rate=[1.0])).n_trials == 1
    flavors = load_study("seed003-flavors")
    assert flavors.replace(seeds=[4]).sweep.pairs == flavors.sweep.pairs
    with pytest.raises(SpecError, match=r"unknown field 'seed'; did you mean 'seeds'"):
        study.replace(seed=3)
    with pytest.raises(SpecError, match=r"epochs = 0"):
        study.replace(epochs=0)
    gradients = load_study("seed004-gradients")
    assert gradients.diagnostics.epochs == (0, 2, 30)
    assert gradients.replace(epochs=1).diagnostics.epochs == (0, 1)
    assert gradients.replace(epochs=2).diagnostics.epochs == (0, 2)
    with pytest.raises(SpecError, match=r"beyond the study's 1 epoch$"):
        gradients.replace(epochs=1, **{"diagnostics.epochs": [0, 2]})
    assert hash(gradients) == hash(load_study("seed004-gradients"))
    assert len({gradients, load_study("seed004-gradients"), study}) == 2


def test_spec_hash_is_stable_and_sensitive():
    a = Study.from_dict(BASE)
    b = Study.from_dict(copy.deepcopy(BASE))
    assert a.spec_hash == b.spec_hash
    assert len(a.spec_hash) == 16 and int(a.spec_hash, 16) >= 0
    assert Study.from_dict(with_("epochs", 6)).spec_hash != a.spec_hash
    assert Study.from_dict(with_("sweep.batch_size", [32, 8])).spec_hash != a.spec_hash


def test_n_trials():
    study = Study.from_dict(with_("sweep.momentum", [0.0, 0.9]))
    assert study.n_trials == 2 * 3 * 2 * 2


def test_a_grid_is_counted_by_arithmetic():
    study = Study.from_dict(with_("sweep.seeds", 10**9))
    assert study.sweep.n_seeds == 10**9 and study.sweep.n_pairs == 2 * 3
    assert study.n_trials == 2 * 3 * 10**9  # at once: seeds 0..10**9-1 are never built
    assert study.grid_shape == "2 batch sizes x 3 learning rates x 1 momentum x 1000000000 seeds"
    points = Study.from_dict(with_("sweep.momentum", [0.0, 0.9])).replace(
        points=[{"batch_size": 8, "learning_rate": 0.1}]
    )
    assert points.grid_shape == "1 point x 2 momenta x 2 seeds"
