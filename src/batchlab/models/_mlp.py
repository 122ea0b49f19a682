"""The multilayer perceptron of seed 003 (and of most batch-size studies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchlab._backend import keras
from batchlab.models import _checks

if TYPE_CHECKING:
    import keras as keras_module


@dataclass(frozen=True)
class MLP:
    """A fully connected network: ``Dense`` hidden layers, then a ``Dense`` output layer.

    Calling it builds the model exactly as seed 003 writes it, layer for layer, so after
    ``keras.utils.set_random_seed(s)`` it has the same initial weights as::

        model = Sequential()
        model.add(Dense(50, input_dim=2, activation='relu', kernel_initializer='he_uniform'))
        model.add(Dense(3, activation='softmax'))

    (the output layer keeps Keras's default ``glorot_uniform``; biases start at zero). Inputs
    with more than one axis are flattened first.

    Example:
        >>> model = MLP(hidden=(50,))((2,), 3)
        >>> [tuple(w.shape) for w in model.weights]
        [(2, 50), (50,), (50, 3), (3,)]
    """

    hidden: tuple[int, ...] = (50,)
    """Widths of the hidden layers, input side first; ``()`` is a linear/logistic model."""
    activation: str = "relu"
    """Activation of the hidden layers (any Keras activation name)."""
    init: str = "he_uniform"
    """``kernel_initializer`` of the hidden layers (any Keras initializer name)."""
    output: str = "softmax"
    """Activation of the output layer: ``softmax`` (classes), ``sigmoid`` (multilabel) or
    ``linear`` (logits)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", _checks.units(self.hidden, "mlp.hidden"))
        _checks.activation(self.activation, "mlp.activation")
        _checks.initializer(self.init, "mlp.init")
        _checks.output(self.output, "mlp.output")

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> keras_module.Model:
        """Build the model (weights created) for inputs ``(batch, *input_shape)`` and
        ``n_outputs`` outputs. Draws initial weights from Keras's global seed."""
        input_shape, n_outputs = _checks.io(input_shape, n_outputs)
        k = keras()
        layers = [k.Input(shape=input_shape)]  # draws no random numbers
        if len(input_shape) > 1:
            layers.append(k.layers.Flatten())
        return _checks.dense_head(
            k, layers, self.hidden, self.activation, self.init, self.output, n_outputs
        )


def mlp(
    hidden: tuple[int, ...] = (50,),
    activation: str = "relu",
    init: str = "he_uniform",
    output: str = "softmax",
) -> MLP:
    """An :class:`MLP` builder; ``mlp()`` is seed 003's network (one hidden layer of 50)."""
    return MLP(hidden=hidden, activation=activation, init=init, output=output)
