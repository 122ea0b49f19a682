"""Validation shared by the builtin model builders; errors are ModelErrors naming the field."""

from __future__ import annotations

import random

from batchlab._backend import keras
from batchlab.errors import ModelError

OUTPUTS = ("softmax", "sigmoid", "linear")


def units(value: object, field: str, *, allow_empty: bool = True) -> tuple[int, ...]:
    """A tuple of positive layer widths from a tuple or list (``(50,)``, ``[64, 64]``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    ok = isinstance(value, tuple | list) and (allow_empty or len(value) > 0)
    ok = ok and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    if not ok:
        raise ModelError(
            f"{field}: {value!r} is not valid; give a list of positive layer widths, e.g. (50,)"
        )
    return tuple(value)


def positive_int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ModelError(f"{field}: {value!r} is not valid; use an integer >= 1")
    return value


def _keras_name(getter, name: object, field: str, what: str, examples: str) -> str:
    """``name`` when Keras's ``getter`` (``keras.activations.get``...) knows it; else a
    ModelError naming the field. Python's ``random`` state is put back: making an unseeded
    initializer draws a seed from it, and validating a spec must not change the initial
    weights drawn later."""
    state = random.getstate()
    try:
        ok = isinstance(name, str) and getter(name) is not None
    except ValueError:
        ok = False
    finally:
        random.setstate(state)
    if not ok:
        raise ModelError(f"{field}: {name!r} is not a Keras {what} (e.g. {examples})")
    return name


def activation(name: object, field: str) -> str:
    return _keras_name(
        keras().activations.get, name, field, "activation", "'relu', 'tanh', 'sigmoid', 'linear'"
    )


def initializer(name: object, field: str) -> str:
    return _keras_name(
        keras().initializers.get,
        name,
        field,
        "initializer",
        "'he_uniform', 'glorot_uniform', 'lecun_normal'",
    )


def dense_head(k, layers: list, hidden, activation: str, init: str, output: str, n_outputs):
    """Append the Dense hidden layers and the output layer that the builtin models end with,
    and return the ``Sequential`` model."""
    for width in hidden:
        layers.append(k.layers.Dense(width, activation=activation, kernel_initializer=init))
    layers.append(k.layers.Dense(n_outputs, activation=output))
    return k.Sequential(layers)


def output(name: object, field: str) -> str:
    if name not in OUTPUTS:
        raise ModelError(f"{field}: {name!r} is not valid; use one of {', '.join(OUTPUTS)}")
    return name  # type: ignore[return-value]


def io(input_shape: object, n_outputs: object) -> tuple[tuple[int, ...], int]:
    """Check a builder's arguments: a tuple of positive dims and a positive output count."""
    ok = isinstance(input_shape, tuple | list) and len(input_shape) > 0
    ok = ok and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in input_shape)
    if not ok:
        raise ModelError(
            f"input_shape: {input_shape!r} is not valid; use a tuple of positive sizes, e.g. (2,)"
        )
    return tuple(input_shape), positive_int(n_outputs, "n_outputs")


def rate(value: object, field: str) -> float:
    """A dropout rate in [0, 1)."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not (ok and 0 <= value < 1):
        raise ModelError(f"{field}: {value!r} is not valid; use a number in [0, 1), e.g. 0.5")
    return float(value)  # type: ignore[arg-type]


def boolean(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ModelError(f"{field}: {value!r} is not valid; use true or false")
    return value


def name(value: object, field: str) -> str:
    """A non-empty string (a Keras name, checked against Keras when the model is built)."""
    if not isinstance(value, str) or not value:
        raise ModelError(f"{field}: {value!r} is not valid; give a name such as 'relu'")
    return value


def image(input_shape: tuple[int, ...], model: str) -> tuple[int, int, int]:
    """``(height, width, channels)`` of an image input ``(h, w)`` or ``(h, w, c)``."""
    if len(input_shape) not in (2, 3):
        raise ModelError(
            f"input_shape: {model} takes images, (height, width) or (height, width, channels), "
            f"got {input_shape}; use an MLP, cnn1d or your own model for this dataset"
        )
    return (*input_shape[:2], input_shape[2] if len(input_shape) == 3 else 1)  # type: ignore[return-value]
