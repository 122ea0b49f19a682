"""A small 1-D convolutional network, sized for MNIST-1D (40 features) on a CPU."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchlab._backend import keras
from batchlab.errors import ModelError
from batchlab.models import _checks

if TYPE_CHECKING:
    import keras as keras_module


@dataclass(frozen=True)
class CNN1D:
    """``Conv1D`` layers (``padding="same"``, each dividing the length by ``strides``), then
    ``Flatten``, optional ``Dense`` hidden layers and a ``Dense`` output layer.

    The default follows the MNIST-1D paper's CNN (Greydanus 2020: three convolutions of 25
    channels, kernel 5, stride 2, then a linear layer): about 7k weights for mnist1d,
    ``(40,) -> (40, 1) -> (20, 25) -> (10, 25) -> (5, 25) -> 125 -> 10``. A 1-D input
    ``(length,)`` is reshaped to one channel; a 2-D input is ``(length, channels)``.

    Example:
        >>> model = CNN1D()((40,), 10)
        >>> tuple(model.output_shape)
        (None, 10)
    """

    filters: tuple[int, ...] = (25, 25, 25)
    """Channels of each convolution, input side first."""
    kernel_size: int = 5
    """Width of every convolution kernel."""
    strides: int = 2
    """Stride of every convolution."""
    hidden: tuple[int, ...] = ()
    """Widths of ``Dense`` layers between the convolutions and the output layer."""
    activation: str = "relu"
    """Activation of the convolutions and hidden layers."""
    init: str = "he_uniform"
    """``kernel_initializer`` of the convolutions and hidden layers."""
    output: str = "softmax"
    """Activation of the output layer: ``softmax``, ``sigmoid`` or ``linear``."""

    def __post_init__(self) -> None:
        filters = _checks.units(self.filters, "cnn1d.filters", allow_empty=False)
        object.__setattr__(self, "filters", filters)
        object.__setattr__(self, "hidden", _checks.units(self.hidden, "cnn1d.hidden"))
        _checks.positive_int(self.kernel_size, "cnn1d.kernel_size")
        _checks.positive_int(self.strides, "cnn1d.strides")
        _checks.activation(self.activation, "cnn1d.activation")
        _checks.initializer(self.init, "cnn1d.init")
        _checks.output(self.output, "cnn1d.output")

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> keras_module.Model:
        """Build the model (weights created) for inputs ``(batch, *input_shape)``."""
        input_shape, n_outputs = _checks.io(input_shape, n_outputs)
        if len(input_shape) > 2:
            raise ModelError(
                f"input_shape: cnn1d takes (length,) or (length, channels) inputs, got "
                f"{input_shape}; use an MLP or your own model for this dataset"
            )
        k = keras()
        layers = [k.Input(shape=input_shape)]
        if len(input_shape) == 1:
            layers.append(k.layers.Reshape((input_shape[0], 1)))  # (length,) -> (length, 1)
        for channels in self.filters:
            layers.append(
                k.layers.Conv1D(
                    channels,
                    self.kernel_size,
                    strides=self.strides,
                    padding="same",
                    activation=self.activation,
                    kernel_initializer=self.init,
                )
            )
        layers.append(k.layers.Flatten())
        return _checks.dense_head(
            k, layers, self.hidden, self.activation, self.init, self.output, n_outputs
        )


def cnn1d(
    filters: tuple[int, ...] = (25, 25, 25),
    kernel_size: int = 5,
    strides: int = 2,
    hidden: tuple[int, ...] = (),
    activation: str = "relu",
    init: str = "he_uniform",
    output: str = "softmax",
) -> CNN1D:
    """A :class:`CNN1D` builder; ``cnn1d()`` suits ``mnist1d``."""
    return CNN1D(filters, kernel_size, strides, hidden, activation, init, output)
