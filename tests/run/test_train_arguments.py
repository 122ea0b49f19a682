"""``bl.train`` with arguments that are not what it takes: an error naming the argument, the
value and the valid forms (never a raw AttributeError from deep inside)."""

from __future__ import annotations

import pytest

import batchlab as bl
from batchlab._backend import keras
from batchlab.errors import ModelError, SpecError


def _layer():
    return keras().layers.Dense(3)


def _built():
    k = keras()
    return k.Sequential([k.Input((2,)), k.layers.Dense(3, activation="softmax")])


@pytest.mark.parametrize(
    ("arguments", "error", "needles"),
    [
        ({"model": 3}, SpecError, ["model = 3", "builtin model name", "callable"]),
        ({"model": "relu"}, ModelError, ["'relu'", "mlp, cnn1d", "package.module:function"]),
        ({"model": _layer}, ModelError, ["Keras layer", "Dense", "bl.models.mlp"]),
        ({"model": _built}, ModelError, ["built Sequential", "the function that builds it"]),
        ({"model": lambda: 3}, ModelError, ["returned int (3)", "keras.Model"]),
        ({"dataset": 42}, SpecError, ["dataset = 42", "blobs", ".csv", "Dataset"]),
        ({"seeds": "3"}, SpecError, ["seeds: '3'", "a count", "a list of seeds"]),
        ({"seeds": 2.5}, SpecError, ["seeds: 2.5", "a count"]),
        ({"epochs": 2.5}, SpecError, ["epochs = 2.5", "integer"]),
        ({"batch_size": []}, SpecError, ["batch_size is empty", "at least one batch size"]),
        ({"batch_size": "32"}, SpecError, ["batch_size = '32'", "'full'"]),
        ({"learning_rate": "0.1"}, SpecError, ["learning_rate: '0.1'", "a number"]),
        ({"learning_rate": [0.1, -1]}, SpecError, ["learning_rate[1] = -1", "> 0"]),
        ({"momentum": "0.9"}, SpecError, ["momentum: '0.9'", "a number"]),
    ],
    ids=lambda v: repr(v)[:30] if isinstance(v, dict) else "",
)
def test_bad_train_arguments_name_the_argument(arguments, error, needles):
    arguments = dict(arguments)
    if arguments.get("model") in (_layer, _built):
        arguments["model"] = arguments["model"]()
    arguments.setdefault("epochs", 1)
    with pytest.raises(error) as caught:
        bl.train(**arguments)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, message
    assert "sweep." not in message  # train's words, not the spec's
