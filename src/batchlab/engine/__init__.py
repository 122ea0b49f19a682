"""The cohort engine: many Keras models trained at once on JAX, with Keras ``fit`` semantics.

A :class:`Cohort` is the trials of one batch size as one ``jit(vmap(scan))`` program; the
runner (:mod:`batchlab.run`) makes and drives them. Internals (the state's types, Keras's
epoch orders, the heads) live in the private modules.
"""

from batchlab.engine._cohort import HISTORY_COLUMNS, Cohort, Shared
from batchlab.engine._measure import DIAGNOSTICS_COLUMNS
from batchlab.engine._optim import optimizer_transform
from batchlab.engine._orders import epoch_order
from batchlab.engine._phases import PhasedCohort
from batchlab.engine._state import CohortState

__all__ = [
    "DIAGNOSTICS_COLUMNS",
    "HISTORY_COLUMNS",
    "Cohort",
    "CohortState",
    "PhasedCohort",
    "Shared",
    "epoch_order",
    "optimizer_transform",
]
