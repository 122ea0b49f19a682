"""A LeNet-style 2-D convolutional network: conv/pool blocks, then dense layers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchlab._backend import keras
from batchlab.errors import ModelError
from batchlab.models import _checks

if TYPE_CHECKING:
    import keras as keras_module


@dataclass(frozen=True)
class CNN2D:
    """Convolution blocks, then ``Flatten``, ``Dense`` hidden layers and a ``Dense`` output.

    Each block is ``Conv2D(filters, kernel_size, padding="same")`` [``BatchNormalization``]
    activation ``MaxPooling2D(pool_size)``; with ``dropout > 0`` a ``Dropout`` follows the
    flattened features and every hidden layer (LeNet-5, LeCun et al. 1998, with ReLU and max
    pooling as in Keras's ``mnist_convnet`` example). With ``batchnorm`` the convolutions
    have no bias (BatchNorm's offset replaces it). Inputs are ``(height, width, channels)``
    or ``(height, width)`` (one channel added). The default has about 100k weights on
    28x28x1 inputs: ``(28, 28, 1) -> (14, 14, 16) -> (7, 7, 32) -> 1568 -> 64 -> 10``.

    Example:
        >>> model = CNN2D(filters=(4, 8), hidden=(16,))((8, 8, 1), 3)
        >>> tuple(model.output_shape)
        (None, 3)
    """

    filters: tuple[int, ...] = (16, 32)
    """Channels of each block's convolution, input side first (one block per entry)."""
    kernel_size: int = 3
    """Height and width of every convolution kernel."""
    pool_size: int = 2
    """Each block's max pooling divides height and width by this (1: no pooling)."""
    hidden: tuple[int, ...] = (64,)
    """Widths of the ``Dense`` layers between the blocks and the output layer."""
    dropout: float = 0.0
    """Dropout rate after the flattened features and each hidden layer (0: none)."""
    batchnorm: bool = False
    """``BatchNormalization`` after every convolution, before its activation."""
    activation: str = "relu"
    """Activation of the convolutions and hidden layers (any Keras activation name)."""
    init: str = "he_uniform"
    """``kernel_initializer`` of the convolutions and hidden layers."""
    output: str = "softmax"
    """Activation of the output layer: ``softmax``, ``sigmoid`` or ``linear``."""

    def __post_init__(self) -> None:
        filters = _checks.units(self.filters, "cnn2d.filters", allow_empty=False)
        object.__setattr__(self, "filters", filters)
        object.__setattr__(self, "hidden", _checks.units(self.hidden, "cnn2d.hidden"))
        _checks.positive_int(self.kernel_size, "cnn2d.kernel_size")
        _checks.positive_int(self.pool_size, "cnn2d.pool_size")
        object.__setattr__(self, "dropout", _checks.rate(self.dropout, "cnn2d.dropout"))
        _checks.boolean(self.batchnorm, "cnn2d.batchnorm")
        _checks.name(self.activation, "cnn2d.activation")
        _checks.name(self.init, "cnn2d.init")
        _checks.output(self.output, "cnn2d.output")

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> keras_module.Model:
        """Build the model (weights created) for inputs ``(batch, *input_shape)``."""
        input_shape, n_outputs = _checks.io(input_shape, n_outputs)
        _checks.activation(self.activation, "cnn2d.activation")
        _checks.initializer(self.init, "cnn2d.init")
        image = _checks.image(input_shape, "cnn2d")
        smallest = self.pool_size ** len(self.filters)
        if min(image[:2]) < smallest:
            most = int(math.log(min(image[:2]), self.pool_size)) if self.pool_size > 1 else 0
            raise ModelError(
                f"cnn2d.filters: {len(self.filters)} blocks, each pooling by {self.pool_size}, "
                f"need images of at least {smallest}x{smallest}, but the dataset's are "
                f"{image[0]}x{image[1]}; use at most {most} blocks or a smaller pool_size"
            )
        k = keras()
        layers = [k.Input(shape=input_shape)]
        if len(input_shape) == 2:
            layers.append(k.layers.Reshape(image))  # (h, w) -> (h, w, 1)
        for channels in self.filters:
            layers.append(
                k.layers.Conv2D(
                    channels,
                    self.kernel_size,
                    padding="same",
                    use_bias=not self.batchnorm,
                    kernel_initializer=self.init,
                )
            )
            if self.batchnorm:
                layers.append(k.layers.BatchNormalization())
            layers.append(k.layers.Activation(self.activation))
            if self.pool_size > 1:
                layers.append(k.layers.MaxPooling2D(self.pool_size))
        layers.append(k.layers.Flatten())
        for width in self.hidden:
            if self.dropout > 0:
                layers.append(k.layers.Dropout(self.dropout))
            layers.append(
                k.layers.Dense(width, activation=self.activation, kernel_initializer=self.init)
            )
        if self.dropout > 0:
            layers.append(k.layers.Dropout(self.dropout))
        layers.append(k.layers.Dense(n_outputs, activation=self.output))
        return k.Sequential(layers)


def cnn2d(
    filters: tuple[int, ...] = (16, 32),
    kernel_size: int = 3,
    pool_size: int = 2,
    hidden: tuple[int, ...] = (64,),
    dropout: float = 0.0,
    batchnorm: bool = False,
    activation: str = "relu",
    init: str = "he_uniform",
    output: str = "softmax",
) -> CNN2D:
    """A :class:`CNN2D` builder; ``cnn2d()`` suits MNIST and Fashion-MNIST."""
    return CNN2D(
        filters, kernel_size, pool_size, hidden, dropout, batchnorm, activation, init, output
    )
