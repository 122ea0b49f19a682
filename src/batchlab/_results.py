"""A study's results: its tables, and what can be asked of them.

What :func:`batchlab.train` returns and :func:`batchlab.load` reads back from a store: the
same object whichever way a study was run. In Jupyter it shows its summary table and a small
figure of its curves; :meth:`Results.plot`, :meth:`Results.summary`,
:meth:`Results.recommend` and :meth:`Results.report` ask the figures' registry, the analysis
and the report.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
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

    # ---- in a notebook --------------------------------------------------------------

    def summary(
        self,
        target: float | None = None,
        confidence: float = 0.95,
        last_fraction: float = 0.1,
        by: str | Sequence[str] = ("batch_size", "learning_rate"),
    ) -> pd.DataFrame:
        """The summary table (:class:`batchlab.analysis.Summary`'s ``table_``): one row per
        group of ``by`` (batch size and learning rate), with final accuracies, costs to
        ``target`` (default the study's) and intervals over seeds at ``confidence``;
        ``last_fraction`` is the late-training window of the stability columns.

        Example:
            >>> import batchlab as bl
            >>> r = bl.train("blobs", batch_size=64, learning_rate=[0.1, 0.01], epochs=2)
            >>> r.summary()[["batch_size", "learning_rate", "n_seeds"]].to_dict("list")
            {'batch_size': [64, 64], 'learning_rate': [0.01, 0.1], 'n_seeds': [1, 1]}
        """
        from batchlab.analysis import Summary

        summary = Summary(self._target(target), confidence, last_fraction, by)
        return summary.fit(self.history).table_

    def plot(self, kind: str = "curves", **opts: Any):
        """The figure of ``kind`` (``batchlab.plots.KINDS``: ``"curves"``, ``"overlay"``,
        ``"heatmap"``, ``"speed"``, ...) as a matplotlib ``Figure``; ``opts`` are the kind's
        options (``x="updates"``, ``metric="loss"``, ``target=0.8``, ...). Jupyter shows it.
        """
        from batchlab._notebook import show_figures
        from batchlab.plots import figure

        show_figures()
        return figure(kind, self.tables, **opts)

    def recommend(
        self, goal: str | None = None, *, target: float | None = None, min_reached: float = 1.0
    ):
        """The batch size and learning rate to use for ``goal`` (:func:`batchlab.recommend`):
        a fitted ``Recommender`` (``.text()``, ``.to_dict()``), or a list for all goals."""
        from batchlab._workflow import recommend

        return recommend(self, goal, target=target, min_reached=min_reached)

    def report(
        self, path: str | os.PathLike[str] | None = None, *, target: float | None = None
    ) -> Path:
        """Write the study's self-contained HTML report (:func:`batchlab.report`); its path."""
        from batchlab._workflow import report

        return report(self, path, target=target)

    def _target(self, target: float | None) -> float | None:
        if target is not None:
            return target
        return (self.spec.get("analysis") or {}).get("target_accuracy")

    def _repr_html_(self) -> str:
        """Jupyter's view: the summary table and a small figure of the curves (PNG inline)."""
        from batchlab._format import interval_note, pct, summary_cells
        from batchlab.analysis import Summary

        title = html.escape(repr(self))
        if self.history.empty:
            return f"<div><strong>{title}</strong><p>No epoch has been recorded yet.</p></div>"
        s = Summary(target=self._target(None)).fit(self.history)
        t = s.table_
        rows_cells = [summary_cells(r) for r in t.itertuples()]
        rows = pd.DataFrame(
            {
                "batch": t.batch_size,
                "lr": [f"{v:g}" for v in t.learning_rate],
                "seeds": t.n_seeds,
                "train %": [cells[0] for cells in rows_cells],
                "test %": [cells[1] for cells in rows_cells],
                "epochs to target": [cells[2] for cells in rows_cells],
                "reached": [pct(v, 0) for v in t.reached_fraction],
                "diverged": [pct(v, 0) for v in t.diverged_fraction],
            }
        )
        table = rows.to_html(index=False, escape=True, border=0)
        aim = "none (every trial diverged)" if s.target_ is None else pct(s.target_)
        caption = html.escape(f"target test accuracy {aim}. {interval_note()}")
        image = self._curves_png()
        figure = f'<img alt="learning curves" src="{image}">' if image else ""
        return f"<div><strong>{title}</strong><br><small>{caption}</small>{table}{figure}</div>"

    def _curves_png(self) -> str | None:
        """The overlay of mean test-accuracy curves, small, as a PNG data URI."""
        from batchlab.plots import FigureUnavailable, figure
        from batchlab.reporting import png_data_uri

        try:
            fig = figure("overlay", self.tables)
        except FigureUnavailable:
            return None
        fig.set_size_inches(5.5, 3.2)
        return png_data_uri(fig, dpi=80)

    # ---- tables and weights ---------------------------------------------------------

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
