"""batchlab: a laboratory for the batch size of gradient descent.

The workflow, from Python:

- :func:`train` -- a grid of batch sizes x learning rates x seeds on a dataset and a Keras
  model, trained as vectorized cohorts; returns :class:`Results`.
- :func:`load_study` / :func:`run_study` -- a study from a TOML file, a builtin name or a
  dict, run (or resumed) into a store.
- :func:`load` -- the :class:`Results` of a stored study.
- :func:`recommend` -- the batch size and learning rate to use for a goal, with reasons.
- :func:`report` -- a study's self-contained HTML report.
- ``bl.data`` (datasets), ``bl.models`` (model builders), :func:`sgd` / :func:`adam`.

Nothing heavy is imported until it is used: ``import batchlab`` does not import JAX or Keras.

Example:
    >>> import batchlab as bl
    >>> result = bl.train("blobs", bl.models.mlp([50]), bl.sgd(momentum=0.9),
    ...                   batch_size=32, learning_rate=[0.01], seeds=2, epochs=2)
    >>> result
    Results('train': 2 trials, 2 epochs, 4 history rows)
    >>> result.history.columns[:5].tolist()
    ['study', 'trial', 'cohort', 'seed', 'batch_size']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from batchlab._backend import select_jax as _select_jax
from batchlab.errors import BatchlabError, DataError, ModelError, SpecError, StoreError

if TYPE_CHECKING:  # for readers and type checkers; at run time these load on first use
    from batchlab import data, models
    from batchlab._results import Results, load
    from batchlab.run import run_study, train
    from batchlab.study import Optimizer, Study, adam, load_study, sgd

_select_jax()  # before anything imports keras (it does not import it)

# name -> module that defines it; imported on first access (PEP 562), so `import batchlab`
# and the CLI start without JAX, Keras or matplotlib.
_LAZY = {
    "data": "batchlab.data",
    "models": "batchlab.models",
    "Results": "batchlab._results",
    "load": "batchlab._results",
    "train": "batchlab.run",
    "run_study": "batchlab.run",
    "Optimizer": "batchlab.study",
    "Study": "batchlab.study",
    "adam": "batchlab.study",
    "load_study": "batchlab.study",
    "sgd": "batchlab.study",
    "recommend": "batchlab._workflow",
    "report": "batchlab._workflow",
}

__all__ = [
    "BatchlabError",
    "DataError",
    "ModelError",
    "Optimizer",
    "Results",
    "SpecError",
    "StoreError",
    "Study",
    "adam",
    "data",
    "load",
    "load_study",
    "models",
    "recommend",
    "report",
    "run_study",
    "sgd",
    "train",
]


def __getattr__(name: str):
    if name == "__version__":  # read from the package metadata on first use (0.03 s)
        from batchlab._version import version

        globals()[name] = version()
        return globals()[name]
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = module if module.__name__ == f"batchlab.{name}" else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'batchlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})
