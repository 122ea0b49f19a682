"""A study's results: its tables, and what can be asked of them.

What :func:`batchlab.train` returns and :func:`batchlab.load` reads back from a store: the
same object whichever way a study was run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from batchlab.errors import SpecError


class Results:
    """The tables of one study (docs/schema.md), and its trained weights.

    Attributes:
        name: the study's name.
        spec: the study as plain data (``Study.to_dict()``).
        trials: one row per trial.
        history: one row per (trial, epoch).
        diagnostics: gradient statistics, one row per value (empty when none were recorded).
    """

    def __init__(self, tables, checkpoints: Callable[[str], Mapping[str, np.ndarray] | None]):
        self.tables = tables
        """The :class:`batchlab.store.Tables` the figures and the report take."""
        self.name: str = tables.spec["name"]
        self.spec: dict[str, Any] = tables.spec
        self.trials: pd.DataFrame = tables.trials
        self.history: pd.DataFrame = tables.history
        self.diagnostics: pd.DataFrame = tables.diagnostics
        self._checkpoints = checkpoints

    @classmethod
    def load(cls, study: str, store=None) -> Results:
        """The results of ``study`` in ``store`` (a path, a Store, or None for the default).

        Example:
            >>> import os, tempfile
            >>> import batchlab as bl
            >>> path = os.path.join(tempfile.mkdtemp(), "doc.db")
            >>> _ = bl.train("blobs", batch_size=[32, 64], epochs=1, name="tiny", store=path)
            >>> Results.load("tiny", store=path)
            Results('tiny': 2 trials, 1 epoch, 2 history rows)
        """
        from batchlab.store import Store, load

        tables = load(study, store=store)
        path = store.path if isinstance(store, Store) else store

        def checkpoints(cohort: str):
            with Store(path, create=False) as st:
                found = st.load_checkpoint(study, cohort)
            return None if found is None else found[1]

        return cls(tables, checkpoints)

    def __repr__(self) -> str:
        from batchlab._format import plural

        epochs = int(self.history.epoch.max()) if len(self.history) else 0
        return (
            f"Results({self.name!r}: {plural(len(self.trials), 'trial')}, "
            f"{plural(epochs, 'epoch')}, {plural(len(self.history), 'history row')})"
        )

    def final(self) -> pd.DataFrame:
        """The last epoch's row of every trial."""
        last = self.history.groupby("trial").epoch.transform("max")
        return self.history[self.history.epoch == last].reset_index(drop=True)

    def final_weights(self, trial: int) -> list[np.ndarray]:
        """The trained weights of one trial (its last checkpoint), in
        ``model.trainable_variables`` order."""
        return self._weights(trial, initial=False)

    def initial_weights(self, trial: int) -> list[np.ndarray]:
        """The weights one trial started from: Keras's for its seed
        (``keras.utils.set_random_seed(seed); build()``)."""
        return self._weights(trial, initial=True)

    def _weights(self, trial: int, initial: bool) -> list[np.ndarray]:
        from batchlab.engine._state import trial_params

        row = self.trials.loc[self.trials.trial == trial]
        if row.empty:
            raise SpecError(f"trial: {trial!r} is not in this result (0..{len(self.trials) - 1}).")
        cohort = str(row.cohort.iloc[0])
        members = self.trials.loc[self.trials.cohort == cohort].trial.sort_values().tolist()
        arrays = self._checkpoints(cohort)
        if arrays is None:
            raise SpecError(f"trial: {trial!r} has no checkpoint yet (cohort {cohort!r}).")
        return trial_params(arrays, members.index(trial), initial)


def load(study: str, store: str | os.PathLike[str] | None = None) -> Results:
    """The :class:`Results` of a stored study (``store``: a path; default
    ``$BATCHLAB_STORE`` or ``./batchlab.db``)."""
    return Results.load(study, store=store)
