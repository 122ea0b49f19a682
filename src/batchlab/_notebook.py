"""``bl.train``'s progress bars in Jupyter: one rich bar per cohort, drawn in the notebook.

:func:`in_notebook` tells whether this process is a Jupyter kernel (without importing
IPython when it is not already loaded); :func:`notebook_progress` returns a
:class:`batchlab.run.Progress` that draws with rich's Jupyter support (an ``ipywidgets``
``Output`` that rich redraws; ``pip install 'batchlab[notebook]'``), or None outside a
notebook. Redraws are at most :data:`REDRAWS_PER_SECOND` a second, from the training loop
itself (no thread), and the bars stop when the last cohort is done.
"""

from __future__ import annotations

import importlib.util
import sys
import time

from batchlab.run import Progress

REDRAWS_PER_SECOND = 4.0


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (an IPython shell with a kernel)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def show_figures() -> None:
    """In a notebook, let Jupyter show a returned matplotlib ``Figure`` as a PNG, as
    ``%matplotlib inline`` does; nothing when it already shows figures (in any format) or
    outside a notebook. batchlab draws on ``Figure`` objects, never through pyplot, so the
    inline backend is not loaded on its own."""
    if not in_notebook():
        return
    from IPython import get_ipython
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib.figure import Figure

    shell = get_ipython()
    for kind in ("image/png", "image/svg+xml", "application/pdf", "image/jpeg"):
        try:
            shell.display_formatter.formatters[kind].lookup_by_type(Figure)
            return
        except KeyError:
            continue
    select_figure_formats(shell, {"png"})


class NotebookBars(Progress):
    """A rich progress bar per cohort (epochs done, time left), in a notebook cell."""

    def __init__(self, console=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self.bars = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("epochs"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console or Console(),
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.tasks: dict[str, int] = {}
        self.left = 0
        self.drawn = 0.0

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.drawn >= 1.0 / REDRAWS_PER_SECOND:
            self.bars.refresh()
            self.drawn = now

    def study(self, study, cohorts, done):
        for c in cohorts:
            self.tasks[c.cohort] = self.bars.add_task(
                f"{study.name} {c.cohort}", total=c.epochs, completed=done.get(c.cohort, 0)
            )
        self.left = sum(1 for c in cohorts if done.get(c.cohort, 0) < c.epochs)
        self.bars.start()
        self._draw(force=True)
        if self.left == 0:
            self.bars.stop()

    def cohort(self, plan, start_epoch):
        self.bars.update(self.tasks[plan.cohort], completed=start_epoch)
        self._draw()

    def epoch(self, plan, epoch):
        self.bars.update(self.tasks[plan.cohort], completed=epoch)
        self._draw()

    def cohort_done(self, plan, compile_seconds, train_seconds):
        self._draw(force=True)  # rich's Live does not redraw on stop in Jupyter
        self.left -= 1
        if self.left <= 0:
            self.bars.stop()


def notebook_progress() -> Progress | None:
    """Progress bars for ``bl.train`` in a notebook; None outside one. Without ipywidgets it
    says how to install it, once, and shows no bars."""
    if not in_notebook():
        return None
    if importlib.util.find_spec("ipywidgets") is None:
        global _TOLD
        if not _TOLD:
            print(
                "batchlab: progress bars in Jupyter need ipywidgets: "
                "pip install 'batchlab[notebook]'"
            )
            _TOLD = True
        return None
    return NotebookBars()


_TOLD = False
