"""A small residual network for CIFAR-sized images (He et al. 2016, section 4.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchlab._backend import keras
from batchlab.errors import ModelError
from batchlab.models import _checks

if TYPE_CHECKING:
    import keras as keras_module


@dataclass(frozen=True)
class ResNet:
    """The CIFAR ResNet of He et al. (2016, "Deep Residual Learning", section 4.2).

    ``depth = 6 n + 2`` layers: a 3x3 convolution of ``width`` channels, three stages of ``n``
    basic blocks with ``width``, ``2 width`` and ``4 width`` channels (the second and third
    stages start with stride 2), global average pooling and a ``Dense`` output layer. A basic
    block is ``conv3x3-BN-ReLU-conv3x3-BN``, added to its input, then ReLU; where a stage
    changes the shape the shortcut is a 1x1 convolution with stride 2 and BatchNorm (the
    paper's option B). Convolutions have no bias (BatchNorm's offset replaces it).
    ResNet-8 (``depth=8``) has about 78k weights at ``width=16``, ResNet-20 about 270k.

    Example:
        >>> model = ResNet(depth=8, width=4)((8, 8, 3), 10)
        >>> tuple(model.output_shape)
        (None, 10)
    """

    depth: int = 8
    """Layers with weights, ``6 n + 2``: 8, 14, 20, 32, 44, 56, 110."""
    width: int = 16
    """Channels of the first stage (the paper's 16); the next stages have 2x and 4x."""
    init: str = "he_normal"
    """``kernel_initializer`` of the convolutions (He et al.'s own initialization)."""
    output: str = "softmax"
    """Activation of the output layer: ``softmax``, ``sigmoid`` or ``linear``."""

    def __post_init__(self) -> None:
        ok = isinstance(self.depth, int) and not isinstance(self.depth, bool)
        if not (ok and self.depth >= 8 and (self.depth - 2) % 6 == 0):
            raise ModelError(
                f"resnet.depth: {self.depth!r} is not valid; use 6 n + 2 with n >= 1 "
                "(8, 14, 20, 32, 44, 56, 110)"
            )
        _checks.positive_int(self.width, "resnet.width")
        _checks.name(self.init, "resnet.init")
        _checks.output(self.output, "resnet.output")

    @property
    def blocks_per_stage(self) -> int:
        """``n``: basic blocks in each of the three stages."""
        return (self.depth - 2) // 6

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> keras_module.Model:
        """Build the model (weights created) for inputs ``(batch, *input_shape)``."""
        input_shape, n_outputs = _checks.io(input_shape, n_outputs)
        _checks.initializer(self.init, "resnet.init")
        image = _checks.image(input_shape, "resnet")
        if min(image[:2]) < 4:
            raise ModelError(
                f"input_shape: resnet halves the images twice, so they need at least 4x4 "
                f"pixels; the dataset's are {image[0]}x{image[1]}"
            )
        k = keras()
        L = k.layers

        def conv(x, channels, kernel=3, strides=1):
            return L.Conv2D(
                channels,
                kernel,
                strides=strides,
                padding="same",
                use_bias=False,
                kernel_initializer=self.init,
            )(x)

        inputs = k.Input(shape=input_shape)
        x = L.Reshape(image)(inputs) if len(input_shape) == 2 else inputs
        x = L.Activation("relu")(L.BatchNormalization()(conv(x, self.width)))
        for stage in range(3):
            channels = self.width * 2**stage
            for block in range(self.blocks_per_stage):
                strides = 2 if stage > 0 and block == 0 else 1
                y = L.Activation("relu")(L.BatchNormalization()(conv(x, channels, 3, strides)))
                y = L.BatchNormalization()(conv(y, channels))
                if strides > 1:  # option B: a projection where the shape changes
                    x = L.BatchNormalization()(conv(x, channels, 1, strides))
                x = L.Activation("relu")(L.Add()([x, y]))
        x = L.GlobalAveragePooling2D()(x)
        outputs = L.Dense(n_outputs, activation=self.output)(x)
        return k.Model(inputs, outputs, name=f"resnet{self.depth}")


def resnet(depth: int = 8, width: int = 16, init: str = "he_normal", output: str = "softmax"):
    """A :class:`ResNet` builder; ``resnet()`` is ResNet-8, ``resnet(20)`` ResNet-20."""
    return ResNet(depth, width, init, output)
