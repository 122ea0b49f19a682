"""The one list of figure kinds, and the one way to make, list and save them.

Every kind takes the same input, a study's tables (:class:`batchlab.store.Tables`: ``spec``,
``trials``, ``history``, ``diagnostics``), and declares in its :class:`FigureKind` what it
needs from them; :func:`figure` checks that before drawing and says what is missing and what
produces it. ``batchlab plot --kind``, the report's figures and :func:`plot` all ask here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from batchlab._files import atomic_write
from batchlab._suggest import did_you_mean
from batchlab.errors import BatchlabError
from batchlab.plots import (
    curves,
    distance,
    gradients,
    heatmap,
    overlay,
    rate_ratio,
    scaling,
    schedules,
    sharpness,
    speed,
    stability,
    trained_gradients,
)
from batchlab.plots._kind import FigureKind, FigureUnavailable
from batchlab.plots._style import draw_to

FORMATS = (".png", ".svg")

#: name -> :class:`FigureKind`, every figure batchlab draws (the CLI's ``--kind`` choices)
KINDS: dict[str, FigureKind] = {
    kind.name: kind
    for kind in (
        curves.KIND,
        overlay.KIND,
        heatmap.KIND,
        speed.KIND,
        stability.KIND,
        *gradients.KINDS,
        distance.KIND,
        trained_gradients.KIND,
        *sharpness.KINDS,
        scaling.KIND,
        rate_ratio.KIND,
        schedules.KIND,
    )
}


def _kind(name: str) -> FigureKind:
    try:
        return KINDS[name]
    except KeyError:
        raise BatchlabError(
            f"unknown figure kind {name!r}{did_you_mean(name, KINDS)}; choose one of "
            f"{', '.join(KINDS)}"
        ) from None


def figure(kind: str, tables: Any, **opts: Any) -> Figure:
    """The figure of ``kind`` (a key of :data:`KINDS`) for a study's ``tables``.

    ``opts`` are the kind's options (:attr:`FigureKind.options`, e.g. ``x``, ``metric``,
    ``target``, ``learning_rate``, ``epochs``). Raises BatchlabError for an unknown kind or
    option, and :class:`FigureUnavailable` when the tables lack what the kind needs (naming
    it and what produces it).

    Example:
        >>> import pandas as pd
        >>> from batchlab.store import Tables
        >>> history = pd.DataFrame({"batch_size": [8, 8, 64, 64], "learning_rate": 0.1,
        ...     "epoch": [1, 2, 1, 2], "test_accuracy": [0.5, 0.7, 0.4, 0.6], "diverged": False})
        >>> tables = Tables({}, pd.DataFrame(), history, pd.DataFrame())
        >>> ax = figure("overlay", tables, target=0.65).axes[0]
        >>> [line.get_label() for line in ax.get_lines()]
        ['8', '64', 'target']
        >>> figure("gradients", tables)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        batchlab.plots._kind.FigureUnavailable: the 'gradients' figure needs the study's ...
    """
    entry = _kind(kind)
    unknown = [name for name in opts if name not in entry.options]
    if unknown:
        raise BatchlabError(
            f"the {kind!r} figure has no option {unknown[0]!r}"
            f"{did_you_mean(unknown[0], entry.options)}; its options are "
            f"{', '.join(entry.options) or 'none'}"
        )
    reason = entry.missing(tables)
    if reason is not None:
        raise FigureUnavailable(reason)
    return entry.make(tables, **opts)


def available(tables: Any) -> list[FigureKind]:
    """The kinds whose needs ``tables`` meet (tables, quantities, batch sizes), in order.

    The scaling figure may still find that no batch size reached its target.

    Example:
        >>> import pandas as pd
        >>> from batchlab.store import Tables
        >>> history = pd.DataFrame({"batch_size": [8, 64], "epoch": 1})
        >>> [kind.name for kind in available(Tables({}, pd.DataFrame(), history, pd.DataFrame()))]
        ['curves', 'overlay', 'heatmap', 'speed', 'stability', 'scaling', 'rate-ratio', 'schedules']
    """
    return [kind for kind in KINDS.values() if kind.missing(tables) is None]


def figures(
    tables: Any, kinds: Iterable[str] | None = None, **opts: Any
) -> list[tuple[FigureKind, Figure]]:
    """(kind, figure) for each of ``kinds`` (default: all) that ``tables`` can draw.

    Each kind is given the options of ``opts`` it takes; a kind that is not
    :func:`available`, or finds nothing to draw (:class:`FigureUnavailable`), is left out.
    """
    chosen = [_kind(name) for name in (KINDS if kinds is None else kinds)]
    taken = {name for kind in KINDS.values() for name in kind.options}
    unknown = [name for name in opts if name not in taken]
    if unknown:
        raise BatchlabError(f"no figure kind has the option {unknown[0]!r}")
    out = []
    for kind in chosen:
        if kind.missing(tables) is None:
            try:
                out.append((kind, kind.make(tables, **kind.taking(**opts))))
            except FigureUnavailable:
                continue
    return out


def _check_format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise BatchlabError(
            f"cannot save a figure as {path.name!r}: the file name must end in "
            f"{' or '.join(FORMATS)}"
        )
    return ext


def save(fig: Figure, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Save ``fig`` as PNG or SVG (by the extension), atomically; returns the path."""
    path = Path(path)
    ext = _check_format(path)
    return atomic_write(path, lambda handle: draw_to(fig, handle, ext[1:], dpi))


def plot(
    kind: str, tables: Any, path: str | os.PathLike[str], *, dpi: int = 110, **opts: Any
) -> Path:
    """Make the figure of ``kind`` from ``tables`` (:func:`figure`) and save it to ``path``
    (.png or .svg, checked before any work).

    Example:
        >>> import tempfile
        >>> import pandas as pd
        >>> from batchlab.store import Tables
        >>> history = pd.DataFrame({"batch_size": [8, 8], "learning_rate": 0.1,
        ...     "epoch": [1, 2], "updates": [4, 8], "test_accuracy": [0.5, 0.7],
        ...     "diverged": False})
        >>> tables = Tables({}, pd.DataFrame(), history, pd.DataFrame())
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     plot("overlay", tables, f"{folder}/overlay.svg", x="updates").name
        'overlay.svg'
    """
    _check_format(Path(path))
    return save(figure(kind, tables, **opts), path, dpi=dpi)
