"""From a history table to a saved figure: compute the tables (analysis), then draw them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from batchlab import analysis
from batchlab.errors import BatchlabError
from batchlab.plots.curves import draw_curves
from batchlab.plots.heatmap import draw_heatmap
from batchlab.plots.overlay import draw_overlay
from batchlab.plots.speed import draw_speed
from batchlab.plots.stability import draw_stability

FORMATS = (".png", ".svg")


def _only_rate(history: pd.DataFrame, learning_rate: float | None) -> pd.DataFrame:
    if learning_rate is None:
        return history
    rows = history[history["learning_rate"] == learning_rate]
    if rows.empty:
        rates = ", ".join(f"{r:g}" for r in sorted(history["learning_rate"].unique()))
        raise BatchlabError(f"learning_rate {learning_rate:g} is not in the study; it has {rates}")
    return rows


def curves_figure(
    history: pd.DataFrame,
    *,
    x: str = "epochs",
    metric: str = "accuracy",
    end: bool = False,
    confidence: float = 0.95,
    learning_rate: float | None = None,
    target: float | None = None,
    **opts: Any,
) -> Figure:
    """Seed 003's panels: train and test ``metric`` ("accuracy" or "loss") per batch size.

    The train curve is the running figure Keras ``fit`` reports (``train_accuracy``), as the
    seed plots it; ``end=True`` uses the end-of-epoch pass (``train_accuracy_end``).
    """
    if metric not in ("accuracy", "loss"):
        raise BatchlabError(
            f"metric must be 'accuracy' or 'loss' for the curves figure; got {metric!r}"
        )
    history = _only_rate(history, learning_rate)
    train = f"train_{metric}_end" if end else f"train_{metric}"
    series = {
        "train": analysis.curves(history, x=x, metric=train, confidence=confidence),
        "test": analysis.curves(history, x=x, metric=f"test_{metric}", confidence=confidence),
    }
    return draw_curves(series, x=x, ylabel=metric, confidence=confidence, target=target, **opts)


def overlay_figure(
    history: pd.DataFrame,
    *,
    x: str = "epochs",
    metric: str = "test_accuracy",
    confidence: float = 0.95,
    learning_rate: float | None = None,
    target: float | None = None,
    **opts: Any,
) -> Figure:
    """All batch sizes on one axis: any history ``metric`` against any x.

    ``metric`` is a history column, or ``accuracy`` / ``loss`` for the test set's.
    """
    history = _only_rate(history, learning_rate)
    metric = {"accuracy": "test_accuracy", "loss": "test_loss"}.get(metric, metric)
    table = analysis.curves(history, x=x, metric=metric, confidence=confidence)
    ax = draw_overlay(
        table, x=x, ylabel=metric.replace("_", " "), confidence=confidence, target=target, **opts
    )
    return ax.figure


def heatmap_figure(
    history: pd.DataFrame, *, target: float | None = None, confidence: float = 0.95, **opts: Any
) -> Figure:
    """Final test accuracy and epochs to target over batch size x learning rate."""
    return draw_heatmap(analysis.summary(history, target=target, confidence=confidence), **opts)


def speed_figure(
    history: pd.DataFrame, *, target: float | None = None, confidence: float = 0.95, **opts: Any
) -> Figure:
    """Epochs, updates and seconds to target against batch size."""
    return draw_speed(analysis.summary(history, target=target, confidence=confidence), **opts)


def stability_figure(history: pd.DataFrame, *, last_fraction: float = 0.1, **opts: Any) -> Figure:
    """Spread of test accuracy against batch size."""
    table = analysis.summary(history, last_fraction=last_fraction, target=opts.pop("target", None))
    return draw_stability(table, last_fraction=last_fraction, **opts).figure


#: figure kind -> builder ``(history, **opts) -> Figure``; the CLI's ``--kind`` choices.
KINDS: dict[str, Callable[..., Figure]] = {
    "curves": curves_figure,
    "overlay": overlay_figure,
    "heatmap": heatmap_figure,
    "speed": speed_figure,
    "stability": stability_figure,
}


def figure(kind: str, history: pd.DataFrame, **opts: Any) -> Figure:
    """The figure of ``kind`` for a history table (see :data:`KINDS`)."""
    try:
        builder = KINDS[kind]
    except KeyError:
        raise BatchlabError(
            f"unknown figure kind {kind!r}; choose one of {', '.join(KINDS)}"
        ) from None
    return builder(history, **opts)


def _check_format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise BatchlabError(
            f"cannot save a figure as {path.name!r}: the file name must end in "
            f"{' or '.join(FORMATS)}"
        )
    return ext


def save(fig: Figure, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Save ``fig`` as PNG or SVG (by the extension), atomically (temp file + os.replace)."""
    path = Path(path)
    ext = _check_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=ext, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            fig.savefig(handle, format=ext[1:], dpi=dpi)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def plot(kind: str, history: pd.DataFrame, path: str | os.PathLike[str], **opts: Any) -> Path:
    """Make the figure of ``kind`` from ``history`` and save it to ``path`` (.png or .svg).

    Example:
        >>> plot("curves", history, "curves.png", x="updates")
    """
    dpi = opts.pop("dpi", 110)
    _check_format(Path(path))  # before any work
    return save(figure(kind, history, **opts), path, dpi=dpi)
