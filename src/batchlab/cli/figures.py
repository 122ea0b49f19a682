"""``batchlab plot`` and ``batchlab report``: a figure, or the whole report, of a study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from batchlab.cli._common import StoreOpt, TargetOpt, check_target, out


def plot(
    study: str,
    kind: Annotated[
        str,
        typer.Option(
            help="curves, overlay, heatmap, speed or stability; with gradient statistics "
            "(diagnostics): gradients, inverse-batch, distance, trained-gradients (seed 004: "
            "the gradient norm against the training batch size), sharpness (against epochs, "
            "with 2/eta), sharpness-gap (final sharpness and generalization gap against batch "
            "size); scaling (steps to target); rate-ratio (final test accuracy and loss "
            "against learning rate / batch size, one colour per batch size); schedules (test "
            "accuracy per epoch and per update under each schedule)."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG or SVG file.")],
    x: Annotated[str, typer.Option(help="epochs, updates, examples or seconds.")] = "epochs",
    metric: Annotated[str, typer.Option(help="accuracy or loss.")] = "accuracy",
    store: StoreOpt = None,
    target: TargetOpt = None,
):
    """Draw one figure of a stored study."""
    from batchlab._suggest import did_you_mean
    from batchlab.errors import SpecError
    from batchlab.plots import KINDS
    from batchlab.plots import plot as plot_figure
    from batchlab.store import load

    check_target(target)
    if kind not in KINDS:
        raise SpecError(
            f"--kind: {kind!r} is not valid{did_you_mean(kind, KINDS)}; use one of "
            f"{', '.join(KINDS)}."
        )
    opts = KINDS[kind].taking(x=x, metric=metric, target=target)
    out().print(f"wrote {plot_figure(kind, load(study, store=store), output, **opts)}")


def report(
    study: str,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="HTML file.")] = None,
    store: StoreOpt = None,
    target: TargetOpt = None,
):
    """Write a study's self-contained HTML report."""
    import batchlab as bl

    check_target(target)
    out().print(f"report: {bl.report(study, output, store=store, target=target)}")
