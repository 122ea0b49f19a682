"""Study specs: frozen dataclasses, TOML loading and validation.

A study is a named grid of trials plus its analysis settings. Load one with
:func:`load_study` from a TOML file, a builtin name (:func:`builtin_studies`) or a dict;
every mistake raises :class:`batchlab.errors.SpecError` naming the field (dotted path,
e.g. ``sweep.learning_rate[2]``), the value and what is valid.

A study file looks like::

    name = "my-grid"
    description = "Batch size x learning rate on blobs"
    dataset = "blobs"
    epochs = 50

    [model]
    kind = "mlp"
    hidden = [50]

    [optimizer]
    name = "sgd"

    [sweep]
    batch_size = [8, 32, 128, "full"]
    learning_rate = [0.01, 0.1]
    momentum = [0.9]
    seeds = 5
"""

from batchlab.study._load import builtin_studies, load_study, parse_toml
from batchlab.study._study import (
    BATCH_FLAVORS,
    BUILTIN_DATASETS,
    FULL,
    LOSSES,
    LR_RULES,
    MODEL_KINDS,
    OPTIMIZERS,
    Analysis,
    Diagnostics,
    LRRule,
    Optimizer,
    Point,
    Study,
    Sweep,
)

__all__ = [
    "BATCH_FLAVORS",
    "BUILTIN_DATASETS",
    "FULL",
    "LOSSES",
    "LR_RULES",
    "MODEL_KINDS",
    "OPTIMIZERS",
    "Analysis",
    "Diagnostics",
    "LRRule",
    "Optimizer",
    "Point",
    "Study",
    "Sweep",
    "builtin_studies",
    "load_study",
    "parse_toml",
]
