"""resolve_model / build_model / describe_model: every accepted form and every error."""

import pickle
import sys
import textwrap

import numpy as np
import pytest

from batchlab._backend import keras
from batchlab.errors import ModelError
from batchlab.models import CNN1D, MLP, build_model, describe_model, mlp, resolve_model

USER_MODULE = "batchlab_test_usermodels"
USER_CODE = textwrap.dedent(
    """
    from batchlab._backend import keras

    def build(input_shape, n_outputs):
        k = keras()
        return k.Sequential([k.Input(shape=input_shape), k.layers.Dense(n_outputs)])

    def fixed():
        k = keras()
        return k.Sequential([k.Input(shape=(2,)), k.layers.Dense(3)])

    def not_a_model(input_shape, n_outputs):
        return 42

    def wrong_size(input_shape, n_outputs):
        return build(input_shape, n_outputs + 1)

    def needs_three(a, b, c):
        return None

    def boom(input_shape, n_outputs):
        raise RuntimeError("boom")

    answer = 42
    """
)


@pytest.fixture(scope="module")
def user_module(tmp_path_factory):
    folder = tmp_path_factory.mktemp("usermodels")
    path = folder / f"{USER_MODULE}.py"
    path.write_text(USER_CODE)
    sys.path.insert(0, str(folder))
    yield path
    sys.path.remove(str(folder))
    sys.modules.pop(USER_MODULE, None)


def output_size(model):
    return tuple(model.output_shape)[1:]


def test_builtins_by_instance_name_class_and_factory():
    m = mlp(hidden=(7,))
    assert resolve_model(m) is m
    assert resolve_model("mlp") == MLP() and resolve_model("cnn1d") == CNN1D()
    assert resolve_model(MLP) == MLP() and resolve_model(CNN1D) == CNN1D()
    assert resolve_model("batchlab.models:mlp").builder == MLP()


def test_plain_callables(user_module):
    k = keras()

    def two(input_shape, n_outputs):
        return k.Sequential([k.Input(shape=input_shape), k.layers.Dense(n_outputs)])

    def zero(units=3):  # only defaults: called with no arguments
        return k.Sequential([k.Input(shape=(2,)), k.layers.Dense(units)])

    assert resolve_model(two) is two
    assert output_size(build_model(two, (2,), 3)) == (3,)
    assert output_size(build_model(zero, (2,), 3)) == (3,)  # arguments ignored, then checked
    assert output_size(build_model(lambda *args: two(*args), (2,), 3)) == (3,)


def test_subclassed_model_class_is_built():
    k = keras()

    class Net(k.Model):
        def __init__(self):
            super().__init__()
            self.dense = k.layers.Dense(3)

        def call(self, x):
            return self.dense(x)

    model = build_model(Net, (2,), 3)
    assert model.built and [tuple(w.shape) for w in model.weights] == [(2, 3), (3,)]


def test_import_paths(user_module):
    builder = resolve_model(f"{USER_MODULE}:build")
    assert output_size(builder((2,), 3)) == (3,)
    assert output_size(build_model(f"{USER_MODULE}:fixed", (2,), 3)) == (3,)
    assert output_size(build_model(f"{user_module}:build", (2,), 3)) == (3,)  # file.py:function
    restored = pickle.loads(pickle.dumps(builder))
    assert output_size(restored((2,), 3)) == (3,)


def test_describe_model_round_trips(user_module):
    for model in (mlp(hidden=(8, 8), output="sigmoid"), CNN1D(filters=(4,)), "mlp"):
        d = describe_model(model)
        assert d == pickle.loads(pickle.dumps(d)) and isinstance(d["kind"], str)
        assert resolve_model(d) == resolve_model(model)
    assert describe_model("mlp") == {
        "kind": "mlp",
        "hidden": [50],
        "activation": "relu",
        "init": "he_uniform",
        "output": "softmax",
    }
    path = f"{USER_MODULE}:build"
    assert describe_model(path) == {"kind": "import", "path": path}
    from batchlab_test_usermodels import build

    assert describe_model(build) == {"kind": "import", "path": path}
    assert describe_model(lambda: None)["kind"] == "callable"


@pytest.mark.parametrize(
    "model, message",
    [
        ("mpl", r"'mpl' is not a builtin model; did you mean 'mlp'\?"),
        ("a:b:c", r"'a:b:c' is not a valid import path"),
        ("mod:", r"is not a valid import path"),
        (":build", r"is not a valid import path"),
        ("no_such_module_xyz:build", r"no module named 'no_such_module_xyz'"),
        (f"{USER_MODULE}:biuld", r"has no attribute 'biuld'; did you mean 'build'\?"),
        (f"{USER_MODULE}:answer", r"is 42 \(int\), not callable"),
        (f"{USER_MODULE}:needs_three", r"requires the arguments \(a, b, c\)"),
        ("missing_file.py:build", r"no such file 'missing_file\.py'"),
        (42, r"is 42 \(int\), not callable"),
        ({"kind": "mlp", "hiden": [50]}, r"mlp has no field 'hiden'"),
        ({"kind": "transformer"}, r"cannot rebuild a model from"),
    ],
)
def test_resolve_errors(user_module, model, message):
    with pytest.raises(ModelError, match=message):
        resolve_model(model)


@pytest.mark.parametrize(
    "name, message",
    [
        ("not_a_model", r"returned int \(42\), not a keras\.Model"),
        ("wrong_size", r"outputs shape \(4,\) per example, but the dataset needs 3 outputs"),
        ("boom", r"raised RuntimeError: boom"),
        ("fixed", r"cannot take inputs of shape \(batch, 5\)"),
    ],
)
def test_build_errors(user_module, name, message):
    with pytest.raises(ModelError, match=message):
        build_model(f"{USER_MODULE}:{name}", (5,) if name == "fixed" else (2,), 3)


def test_a_built_model_is_refused():
    model = MLP()((2,), 3)
    with pytest.raises(ModelError, match="pass the function that builds it"):
        resolve_model(model)


def test_build_model_draws_from_the_global_seed():
    k = keras()
    k.utils.set_random_seed(5)
    a = build_model("mlp", (2,), 3).get_weights()
    k.utils.set_random_seed(5)
    b = MLP()((2,), 3).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
