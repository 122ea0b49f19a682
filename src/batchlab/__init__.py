"""batchlab: a laboratory for the batch size of gradient descent.

Example:
    >>> import batchlab as bl
    >>> result = bl.train("blobs", bl.models.mlp([50]), bl.sgd(momentum=0.9),
    ...                   batch_size=32, learning_rates=[0.01], seeds=2, epochs=2)
    >>> result.history.columns[:4].tolist()
    ['trial', 'cohort', 'seed', 'batch_size']
"""

from batchlab._backend import keras as _keras

_keras()  # select Keras's JAX backend before anything imports keras

from batchlab import data, models  # noqa: E402
from batchlab._version import version as _installed_version  # noqa: E402
from batchlab.engine import (  # noqa: E402
    Cohort,
    CohortState,
    Optimizer,
    TrainResult,
    TrialConfig,
    adam,
    sgd,
    train,
)
from batchlab.errors import BatchlabError, DataError, ModelError, SpecError, StoreError  # noqa: E402

__version__ = _installed_version()

__all__ = [
    "BatchlabError",
    "Cohort",
    "CohortState",
    "DataError",
    "ModelError",
    "Optimizer",
    "SpecError",
    "StoreError",
    "TrainResult",
    "TrialConfig",
    "adam",
    "data",
    "models",
    "sgd",
    "train",
]
