"""Image models: the cnn2d and resnet builders, saved ``.keras`` files, their study keys.

Each builder's initial weights equal those of the same network written layer by layer in
Keras after ``set_random_seed``; a saved file's architecture is rebuilt with fresh weights for
each seed, equal to the code that first built it. Tiny images (8x8) keep the tests quick.
"""

import pickle

import numpy as np
import pytest

import batchlab as bl
from batchlab._backend import keras as _keras
from batchlab.data import Dataset
from batchlab.engine._init import seeded_model
from batchlab.errors import ModelError, SpecError
from batchlab.models import (
    CNN2D,
    ResNet,
    SavedModel,
    build_model,
    cnn2d,
    describe_model,
    resnet,
    resolve_model,
)
from batchlab.study import Study

keras = _keras()


def weights(model):
    return [np.asarray(w) for w in model.get_weights()]


def assert_same_weights(a, b):
    assert len(a) == len(b)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def lenet_by_hand(input_shape, n_outputs):
    """CNN2D((4, 8), hidden=(16,), dropout=0.5, batchnorm=True), written out."""
    L = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            L.Conv2D(4, 3, padding="same", use_bias=False, kernel_initializer="he_uniform"),
            L.BatchNormalization(),
            L.Activation("relu"),
            L.MaxPooling2D(2),
            L.Conv2D(8, 3, padding="same", use_bias=False, kernel_initializer="he_uniform"),
            L.BatchNormalization(),
            L.Activation("relu"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dropout(0.5),
            L.Dense(16, activation="relu", kernel_initializer="he_uniform"),
            L.Dropout(0.5),
            L.Dense(n_outputs, activation="softmax"),
        ]
    )


SMALL_CNN = CNN2D(filters=(4, 8), hidden=(16,), dropout=0.5, batchnorm=True)


def test_cnn2d_has_keras_initial_weights_for_a_seed():
    ours = seeded_model(lambda: SMALL_CNN((8, 8, 1), 3), 7)
    theirs = seeded_model(lambda: lenet_by_hand((8, 8, 1), 3), 7)
    assert_same_weights(ours[1], theirs[1])  # trainable
    assert_same_weights(ours[2][:4], theirs[2][:4])  # BatchNorm statistics
    assert not np.array_equal(ours[1][0], seeded_model(lambda: SMALL_CNN((8, 8, 1), 3), 8)[1][0])
    # Dropout and BatchNorm give the cohort per-trial state to carry.
    names = [v.name for v in ours[0].non_trainable_variables]
    assert names.count("seed_generator_state") == 2 and names.count("moving_mean") == 2


def test_cnn2d_shapes():
    gray = CNN2D(filters=(4,), hidden=(), pool_size=1)((8, 8), 3)  # (h, w): a channel added
    assert tuple(gray.output_shape) == (None, 3)
    assert [type(x).__name__ for x in gray.layers][:3] == ["Reshape", "Conv2D", "Activation"]
    with pytest.raises(ModelError, match=r"cnn2d\.filters: 4 blocks.*8x8.*at most 3 blocks"):
        CNN2D(filters=(2, 2, 2, 2))((8, 8, 1), 3)
    with pytest.raises(ModelError, match=r"cnn2d takes images"):
        CNN2D()((40,), 3)


def test_resnet_structure():
    model = ResNet(depth=14, width=2)((8, 8, 3), 5)  # n = 2 blocks per stage
    assert tuple(model.output_shape) == (None, 5)
    convs = [x for x in model.layers if isinstance(x, keras.layers.Conv2D)]
    # 6n + 1 = 13 convolutions of 3x3, plus a 1x1 projection where stages 2 and 3 start
    assert [c.filters for c in convs if c.kernel_size == (3, 3)] == [2] * 5 + [4] * 4 + [8] * 4
    assert [c.strides for c in convs if c.strides != (1, 1)] == [(2, 2)] * 4
    assert [c.kernel_size for c in convs].count((1, 1)) == 2
    assert sum(isinstance(x, keras.layers.BatchNormalization) for x in model.layers) == 15
    assert ResNet(depth=20).blocks_per_stage == 3
    with pytest.raises(ModelError, match=r"at least 4x4"):
        ResNet()((2, 2, 1), 3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: cnn2d(filters=()), r"cnn2d\.filters: \(\) is not valid"),
        (lambda: cnn2d(kernel_size=0), r"cnn2d\.kernel_size: 0 is not valid"),
        (
            lambda: cnn2d(dropout=1.0),
            r"cnn2d\.dropout: 1\.0 is not valid; use a number in \[0, 1\)",
        ),
        (lambda: cnn2d(batchnorm=1), r"cnn2d\.batchnorm: 1 is not valid; use true or false"),
        (lambda: cnn2d(output="tanh"), r"cnn2d\.output: 'tanh' is not valid"),
        (lambda: resnet(depth=10), r"resnet\.depth: 10 is not valid; use 6 n \+ 2"),
        (lambda: resnet(width=0), r"resnet\.width: 0 is not valid"),
        (lambda: build_model(cnn2d(activation="rellu"), (8, 8, 1), 3), r"'rellu' is not a Keras"),
        (lambda: build_model(resnet(init="he_unif"), (8, 8, 1), 3), r"'he_unif' is not a Keras"),
    ],
)
def test_fields_are_checked(make, message):
    with pytest.raises(ModelError, match=message):
        make()


def test_names_descriptions_and_pickles():
    assert resolve_model("cnn2d") == CNN2D() and resolve_model("resnet") == ResNet()
    for model in (SMALL_CNN, ResNet(20, 8)):
        described = describe_model(model)
        assert resolve_model(described) == model
        assert pickle.loads(pickle.dumps(model)) == model
    assert describe_model(ResNet(14))["depth"] == 14


# ---- saved .keras files --------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A .keras file of SMALL_CNN for (8, 8, 1) -> 3, saved after some weights were set."""
    path = tmp_path_factory.mktemp("saved") / "net.keras"
    model = SMALL_CNN((8, 8, 1), 3)
    model.set_weights([w + 1.0 for w in model.get_weights()])
    model.save(path)
    return str(path)


def test_saved_model_is_reinitialized_per_seed(saved):
    builder = resolve_model(saved)
    assert isinstance(builder, SavedModel)
    for seed in (0, 1):
        ours = seeded_model(lambda: build_model(builder, (8, 8, 1), 3), seed)
        theirs = seeded_model(lambda: SMALL_CNN((8, 8, 1), 3), seed)
        assert_same_weights(ours[1], theirs[1])  # the code's weights for the seed, not the file's
    assert describe_model(saved) == {"kind": "keras_file", "path": saved}
    assert resolve_model({"kind": "keras_file", "path": saved}) == builder
    assert pickle.loads(pickle.dumps(builder)) == builder


def test_saved_model_errors(saved, tmp_path):
    with pytest.raises(ModelError, match=r"'missing\.keras': no such file"):
        build_model("missing.keras", (8, 8, 1), 3)
    with pytest.raises(
        ModelError, match=r"outputs shape \(3,\) per example, but the dataset needs 10"
    ):
        build_model(saved, (8, 8, 1), 10)
    with pytest.raises(ModelError, match=r"cannot take inputs of shape \(batch, 9, 9, 1\)"):
        build_model(saved, (9, 9, 1), 3)
    broken = tmp_path / "broken.keras"
    broken.write_text("not a zip")
    with pytest.raises(ModelError, match=r"Keras cannot load it"):
        build_model(str(broken), (8, 8, 1), 3)


# ---- the study file's [model] ------------------------------------------------------------------

BASE = {
    "name": "m",
    "dataset": "digits",
    "epochs": 1,
    "sweep": {"batch_size": [8], "learning_rate": [0.1]},
}


@pytest.mark.parametrize(
    ("model", "needles"),
    [
        ({"kind": "cnn2d", "filter": [8]}, ["unknown key 'filter' in [model]", "'filters'"]),
        ({"kind": "cnn2d", "filters": [8, 0]}, ["model.filters", "(8, 0)", "positive"]),
        ({"kind": "cnn2d", "dropout": "half"}, ["model.dropout", "'half'", "[0, 1)"]),
        ({"kind": "cnn2d", "batchnorm": "yes"}, ["model.batchnorm", "'yes'", "true or false"]),
        ({"kind": "cnn2d", "kernel_size": 2.5}, ["model.kernel_size", "2.5", "integer >= 1"]),
        ({"kind": "resnet", "depth": 9}, ["model.depth", "9", "6 n + 2", "20"]),
        ({"kind": "resnet", "widht": 8}, ["unknown key 'widht'", "did you mean 'width'"]),
        ({"kind": "mlp", "filters": [8]}, ["unknown key 'filters' in [model]"]),
        ({"kind": "keras_file"}, ["model.path", ".keras"]),
        ({"kind": "keras_file", "path": "net.h5"}, ["model.path = 'net.h5'", ".keras"]),
        ({"kind": "vgg"}, ["model.kind = 'vgg'", "'cnn2d'", "'resnet'", "'keras_file'"]),
    ],
)
def test_study_model_keys_are_checked(model, needles):
    with pytest.raises(SpecError) as info:
        Study.from_dict({**BASE, "model": model})
    for needle in needles:
        assert needle in str(info.value)


def test_study_model_strings(saved):
    study = Study.from_dict({**BASE, "model": {"kind": "resnet", "depth": 20}})
    assert resolve_model(study.model) == ResNet(depth=20)
    assert Study.from_dict({**BASE, "model": "cnn2d"}).model == describe_model(CNN2D())
    assert Study.from_dict({**BASE, "model": saved}).model == {"kind": "keras_file", "path": saved}
    path = "batchlab.models:cnn2d"  # any module's builder
    assert Study.from_dict({**BASE, "model": path}).model == {"kind": "import", "path": path}


# ---- training them -------------------------------------------------------------------------------


def test_cnn2d_with_batchnorm_and_dropout_trains(saved):
    """A cohort of a saved BatchNorm + dropout network on tiny images: it learns and its
    trials differ (their own weights and dropout streams)."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 60)
    x = rng.normal(size=(60, 8, 8, 1)).astype("float32") * 0.3
    x[np.arange(60), y * 2, y * 2, 0] += 3.0  # the class is a bright pixel
    ds = Dataset("dots", x[:48], y[:48], x[48:], y[48:], "classification", 3)
    result = bl.train(
        ds, saved, bl.sgd(momentum=0.9), batch_size=10, learning_rate=0.05, seeds=2, epochs=3
    )
    h = result.history
    assert not h.diverged.any()
    first, last = h[h.epoch == 1], h[h.epoch == 3]
    assert (last.train_loss.to_numpy() < first.train_loss.to_numpy()).all()
    assert not np.array_equal(result.final_weights(0)[0], result.final_weights(1)[0])


# ---- from the command line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "needles"),
    [
        ('"no_such_pkg_xyz.models:build"', ["no module named 'no_such_pkg_xyz'"]),
        ('"batchlab.models:cnn3d"', ["has no attribute 'cnn3d'", "did you mean 'cnn2d'"]),
        ('"missing.keras"', ["'missing.keras': no such file"]),
        ('{ kind = "cnn2d", dropout = 2 }', ["model.dropout: 2 is not valid"]),
        ('{ kind = "cnn2d", filters = [8, 8, 8, 8] }', ["4 blocks", "8x8", "at most 3"]),
    ],
)
def test_cli_user_model_errors_exit_2(tmp_path, model, needles):
    """The study file's model is checked before anything is stored: exit code 2 and a
    message naming the model, never a traceback."""
    from helpers.cli import cli

    rng = np.random.default_rng(0)
    data = tmp_path / "images.npz"
    x = rng.random((20, 8, 8, 1), dtype=np.float32)
    np.savez(data, x=x[:16], y=np.arange(16) % 2, x_test=x[16:], y_test=[0, 1, 0, 1])
    spec = tmp_path / "study.toml"
    spec.write_text(
        f'name = "m"\ndataset = "{data}"\nepochs = 1\nmodel = {model}\n'
        "[sweep]\nbatch_size = [8]\nlearning_rate = [0.1]\n"
    )
    store = tmp_path / "s.db"
    rc, out, err = cli("run", spec, "--store", store)
    assert rc == 2, out + err
    for needle in needles:
        assert needle in out + err
    assert "Traceback" not in out + err
