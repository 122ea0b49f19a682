"""The progress bars of a running study (one per cohort), drawn with rich."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

from batchlab.cli._common import plural


class Bars:
    """A rich progress bar per cohort: epochs done, trials, time left
    (a :class:`batchlab.run.Progress`)."""

    def __init__(self, console: Console):
        self.bars = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("epochs"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, int] = {}
        self.started = False

    def study(self, study, cohorts, done):
        self.bars.start()
        self.started = True
        trials = sum(c.size for c in cohorts)
        self.bars.console.print(
            f"study [bold]{study.name}[/]: {plural(trials, 'trial')} in "
            f"{plural(len(cohorts), 'cohort')}, {plural(study.epochs, 'epoch')}, "
            f"dataset {study.dataset if isinstance(study.dataset, str) else study.dataset.name}"
        )
        for c in cohorts:
            self.tasks[c.cohort] = self.bars.add_task(
                f"{c.cohort} ({plural(c.size, 'trial')})",
                total=c.epochs,
                completed=done.get(c.cohort, 0),
            )

    def cohort(self, plan, start_epoch):
        self.bars.update(self.tasks[plan.cohort], completed=start_epoch)

    def epoch(self, plan, epoch):
        self.bars.update(self.tasks[plan.cohort], completed=epoch)

    def cohort_done(self, plan, compile_seconds, train_seconds):
        pass

    def close(self):
        if self.started:  # stopping bars never drawn would print an empty line
            self.bars.stop()
