"""Study specs: frozen dataclasses, TOML loading and validation.

A study is a named grid of trials plus its analysis settings. Load one with
:func:`load_study` from a TOML file, a builtin name (:func:`builtin_studies`) or a dict;
every mistake raises :class:`batchlab.errors.SpecError` naming the field (dotted path,
e.g. ``sweep.learning_rate[2]``), the value and what is valid. Each section of a study file
is one dataclass in its own module: ``[optimizer]`` (:class:`Optimizer`, also the engine's
optimizer; :func:`sgd`, :func:`adam`), ``[sweep]`` (:class:`Sweep`, :class:`Point`),
``[lr_rule]`` (:class:`LRRule`), ``[analysis]`` and ``[diagnostics]``. A resolved trial is a
:class:`Trial`.

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

from batchlab._laws import LR_RULES
from batchlab.study._fields import BATCH_FLAVORS, FULL
from batchlab.study._load import builtin_studies, builtin_toml, load_study, parse_toml
from batchlab.study._lr_rule import LRRule
from batchlab.study._optimizer import OPTIMIZERS, Optimizer, adam, sgd
from batchlab.study._sections import Analysis, Diagnostics
from batchlab.study._study import BUILTIN_DATASETS, LOSSES, MODEL_KINDS, Study
from batchlab.study._sweep import Point, Sweep
from batchlab.study._trial import Trial

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
    "Trial",
    "adam",
    "builtin_studies",
    "builtin_toml",
    "load_study",
    "parse_toml",
    "sgd",
]
