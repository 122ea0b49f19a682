"""``batchlab scratch``: the from-scratch NumPy network of seed 002."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from batchlab.cli._common import Command, Group, out

app = typer.Typer(
    cls=Group, no_args_is_help=True, help="The from-scratch NumPy network (seed 002)."
)


@app.command("logic", cls=Command)
def scratch_logic(
    epochs: Annotated[int, typer.Option(help="Epochs per flavor.")] = 500,
    plot: Annotated[Path | None, typer.Option(help="Draw the three error curves here.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the initial weights and shuffling.")] = 0,
    hidden: Annotated[int, typer.Option(help="Hidden units.")] = 8,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 1.0,
    momentum: Annotated[float, typer.Option(help="Momentum.")] = 0.9,
):
    """Seed 002: learn AND, OR, XOR, NAND, NOR with batch, stochastic and mini-batch GD."""
    import math

    from batchlab.cli._common import check_count
    from batchlab.errors import SpecError
    from batchlab.scratch import logic_command

    # Name the options, not the API's arguments.
    check_count(epochs, "--epochs")
    check_count(hidden, "--hidden")
    check_count(seed, "--seed", minimum=0)
    if not (math.isfinite(lr) and lr > 0):
        raise SpecError(f"--lr = {lr!r}: the learning rate must be a finite number > 0")
    if not (math.isfinite(momentum) and 0 <= momentum < 1):
        raise SpecError(f"--momentum = {momentum!r}: must be in [0, 1)")
    out().print(
        logic_command(epochs, str(plot) if plot else None, seed, hidden, lr, momentum),
        highlight=False,
        markup=False,
        soft_wrap=True,  # preformatted truth tables: never re-wrap them at the console width
    )
