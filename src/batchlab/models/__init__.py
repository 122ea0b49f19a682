"""Model builders: callables ``(input_shape, n_outputs) -> keras.Model`` (built, uncompiled).

Example:
    >>> from batchlab.models import mlp, build_model
    >>> model = build_model(mlp(hidden=(50,)), (2,), 3)
    >>> model.count_params()
    303
"""

from batchlab.models._cnn import CNN1D, cnn1d
from batchlab.models._cnn2d import CNN2D, cnn2d
from batchlab.models._mlp import MLP, mlp
from batchlab.models._resnet import ResNet, resnet
from batchlab.models._resolve import BUILTIN_MODELS, build_model, describe_model, resolve_model
from batchlab.models._saved import SavedModel

__all__ = [
    "BUILTIN_MODELS",
    "CNN1D",
    "CNN2D",
    "MLP",
    "ResNet",
    "SavedModel",
    "build_model",
    "cnn1d",
    "cnn2d",
    "describe_model",
    "mlp",
    "resnet",
    "resolve_model",
]
