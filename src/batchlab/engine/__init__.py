"""The cohort engine: many Keras models trained at once on JAX, with Keras ``fit`` semantics."""

from batchlab.engine._cohort import (
    DIAGNOSTICS_COLUMNS,
    GRADIENT_QUANTITIES,
    HISTORY_COLUMNS,
    METRICS,
    MOTION_QUANTITIES,
    Cohort,
    CohortState,
    EpochOrders,
    TrialConfig,
    TrialValues,
    epoch_order,
)
from batchlab.engine._losses import Head, make_head
from batchlab.engine._optim import Optimizer, adam, keras_adam, scale_by_keras_adam, sgd
from batchlab.engine._train import TrainResult, train

__all__ = [
    "DIAGNOSTICS_COLUMNS",
    "GRADIENT_QUANTITIES",
    "MOTION_QUANTITIES",
    "HISTORY_COLUMNS",
    "METRICS",
    "Cohort",
    "CohortState",
    "EpochOrders",
    "Head",
    "Optimizer",
    "TrainResult",
    "TrialConfig",
    "TrialValues",
    "adam",
    "keras_adam",
    "make_head",
    "scale_by_keras_adam",
    "sgd",
    "epoch_order",
    "train",
]
