"""What the command groups share: the consoles, the common options, checks of option values,
and the progress bars. Nothing here imports JAX, Keras or matplotlib."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from batchlab import _format
from batchlab.errors import SpecError


class _FlagsShowNoType:
    """Flags (``--quiet``, ``--help``...) show no ``<bool>`` in ``--help``: typer prints each
    option's type, which a flag does not take."""

    def get_params(self, ctx):
        params = super().get_params(ctx)  # the help option included
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class _ValueInMessage:
    """An option value of the wrong type is named in the usage error: typer says "Invalid
    value for '--epochs': Input should be a valid integer" without the value given."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except typer.BadParameter as exc:
            errors = getattr(exc.__cause__, "errors", None)  # pydantic's ValidationError
            try:
                value = errors()[0]["input"] if callable(errors) else None
            except (LookupError, TypeError):
                value = None
            if value is not None and repr(value) not in exc.message:
                exc.message = f"got {value!r}; {exc.message}"
            raise


class Command(_ValueInMessage, _FlagsShowNoType, TyperCommand):
    """A ``batchlab`` command (``app.command(cls=Command)``)."""


class Group(_ValueInMessage, _FlagsShowNoType, TyperGroup):
    """A ``batchlab`` command group (``typer.Typer(cls=Group)``)."""


def _console(stderr: bool) -> Console:
    # A pipe or a file gets whole lines: rich would otherwise wrap tables at 80 columns.
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, width=width)


def out() -> Console:
    """The console on standard output, as it is now (tests and pipes redirect it)."""
    return _console(stderr=False)


def err() -> Console:
    """The console on standard error (messages, progress)."""
    return _console(stderr=True)


StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="Store file (default ./batchlab.db or $BATCHLAB_STORE)."),
]
TargetOpt = Annotated[
    float | None,
    typer.Option(
        help="Target test accuracy in (0, 1] (default: the spec's, else 95% of the best)."
    ),
]


def check_target(target: float | None, option: str = "--target") -> float | None:
    """A target accuracy in (0, 1], or None (:func:`batchlab._target.check_target`)."""
    from batchlab._target import check_target as rule

    return rule(target, option)


def check_count(value: int | None, option: str, minimum: int = 1) -> int | None:
    """An integer option that must be at least ``minimum`` (None passes)."""
    if value is not None and value < minimum:
        raise SpecError(f"{option} = {value!r}: must be an integer >= {minimum}")
    return value


def check_fraction(value: float, option: str) -> float:
    """A fraction in (0, 1]."""
    if not (math.isfinite(value) and 0 < value <= 1):
        raise SpecError(f"{option} = {value!r}: must be a fraction in (0, 1]")
    return value


plural = _format.plural
"""``1 epoch``, ``2 epochs`` (:func:`batchlab._format.plural`)."""
