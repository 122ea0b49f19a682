"""``batchlab watch``: a study in the terminal while another process runs it.

It reads the store only (WAL lets it read while the runner writes), redraws the
:class:`~batchlab.live.LiveView` about once a second in a rich ``Live``, and returns when the
study is done (the last frame stays on the screen) or on Ctrl-C.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from batchlab._format import NA, pct
from batchlab.errors import StoreError
from batchlab.live._model import LiveView, read_view, sparkline
from batchlab.store import Store


def duration(seconds: float | None) -> str:
    """``1h02m``, ``3m05s``, ``12s``; :data:`~batchlab._format.NA` when unknown.

    Example:
        >>> duration(3725), duration(185), duration(12.4), duration(None)
        ('1h02m', '3m05s', '12s', '—')
    """
    if seconds is None or not math.isfinite(seconds):
        return NA
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def render(view: LiveView) -> RenderableType:
    """The terminal picture of a view: a header, the cohorts, the curves, the divergences."""
    head = Text.assemble(
        ("study ", "bold"),
        (view.study, "bold cyan"),
        f"  {view.status}  ",
        f"{view.trial_epochs_done}/{view.trial_epochs} trial-epochs ({pct(view.fraction, 0)})",
        "  ETA ",
        ("done" if view.done else duration(view.eta_seconds), "bold"),
    )
    cohorts = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="cohorts", title_justify="left")
    for col in ("cohort", "trials", "epochs", "status"):
        cohorts.add_column(col, justify="left" if col == "cohort" else "right")
    for c in view.cohorts:
        cohorts.add_row(c.cohort, str(c.trials), f"{c.epochs_done}/{c.epochs}", c.status)
    curves = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        title="test accuracy, mean over seeds (best rate per batch size)",
        title_justify="left",
    )
    for col in ("batch", "lr", "seeds", "epoch", "now %", "best %", "at", "div", "curve"):
        curves.add_column(col, justify="left" if col == "curve" else "right", no_wrap=True)
    for b in view.curves:
        curves.add_row(
            str(b.batch_size),
            f"{b.learning_rate:g}",
            str(b.seeds),
            str(b.epochs[-1]) if b.epochs else "0",
            pct(b.last),
            pct(b.best),
            NA if b.best_epoch is None else str(b.best_epoch),
            str(b.diverged),
            sparkline(b.test_accuracy),
        )
    parts: list[RenderableType] = [head, cohorts, curves]
    if view.divergences:
        lines = [
            f"trial {d.trial} (batch {d.batch_size}, lr {d.learning_rate:g}, seed {d.seed}) "
            f"diverged at epoch {d.epoch}"
            for d in view.divergences[-5:]
        ]
        more = len(view.divergences) - len(lines)
        if more:
            lines.insert(0, f"... and {more} earlier")
        parts.append(Text("\n".join(lines), style="red"))
    return Group(*parts)


def _wait_for(
    path,
    study: str,
    wait: float,
    sleep: Callable[[float], None],
    notice: Callable[[str], None] = lambda text: None,
) -> Store:
    """The store at ``path`` once it holds ``study``, waiting up to ``wait`` seconds for the
    runner to create it; ``notice`` is told once that it waits, and for what."""
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            store = Store(path, create=False)
        except StoreError as error:
            if time.monotonic() >= deadline:
                raise
            missing = f"{error}"
        else:
            try:
                store._require(study)
                return store
            except StoreError:
                store.close()
                if time.monotonic() >= deadline:
                    raise
                missing = f"no study {study!r} in the store yet"
        if not told:
            notice(
                f"waiting up to {wait:g} s for study {study!r} ({missing}): start it with "
                f"batchlab run, or stop with Ctrl-C"
            )
            told = True
        sleep(0.2)


def watch(
    study: str,
    store: str | os.PathLike[str] | None = None,
    *,
    refresh: float = 1.0,
    wait: float = 30.0,
    console: Console | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> LiveView:
    """Show ``study`` live until it is done; return its last view.

    Args:
        study: the study's name.
        store: the store's path (default ``./batchlab.db`` or ``$BATCHLAB_STORE``).
        refresh: seconds between two reads of the store.
        wait: seconds to wait for the store and the study to appear (a runner started at the
            same time creates them after loading its dataset); then StoreError.
        console: where to draw (default: standard output).

    Ctrl-C (KeyboardInterrupt) stops the view, leaving its last frame; the study's runner is
    another process and goes on.
    """
    console = console or Console()
    st = _wait_for(
        store, study, wait, sleep, lambda text: console.print(text, highlight=False, markup=False)
    )
    try:
        view = read_view(st, study)
        with Live(render(view), console=console, auto_refresh=False, transient=False) as live:
            while not view.done:
                sleep(refresh)
                view = read_view(st, study)
                live.update(render(view), refresh=True)
    finally:
        st.close()
    return view
