"""The ``batchlab`` command: a thin typer layer over the Python API, one module per group.

- :mod:`.run`: ``run``, ``demo``;
- :mod:`.store`: ``ls``, ``show``, ``export``;
- :mod:`.figures`: ``plot``, ``report``;
- :mod:`.advice`: ``recommend``, ``noise-scale``;
- :mod:`.studies`: ``studies [show NAME]``;
- :mod:`.scratch`: ``scratch logic``;
- :mod:`.live`: ``watch``, ``serve``.

Commands import JAX and Keras only when they train or measure, so ``--help``, ``ls``,
``show``, ``export`` and ``studies`` start at once. Exit codes: 0 ok; 2 bad input (a
one-paragraph message on stderr, no traceback); 1 an internal error (with its traceback); 130
interrupted by Ctrl-C and 143 stopped by SIGTERM (what was saved is said).
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from batchlab.cli import advice, figures, live, run, scratch, store, studies
from batchlab.cli._common import Command, Group, err

app = typer.Typer(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    help="batchlab: which batch size, which learning rate, and why.",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from batchlab._version import version

        typer.echo(f"batchlab {version()}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
):
    """batchlab: which batch size, which learning rate, and why."""


app.command(cls=Command)(run.run)
app.command(cls=Command)(run.demo)
app.command("ls", cls=Command)(store.ls)
app.command(cls=Command)(store.show)
app.command(cls=Command)(store.export)
app.command(cls=Command)(figures.plot)
app.command(cls=Command)(figures.report)
app.command(cls=Command)(advice.recommend)
app.command("noise-scale", cls=Command)(advice.noise_scale)
app.command(cls=Command)(live.watch)
app.command(cls=Command)(live.serve)
app.add_typer(studies.app, name="studies")
app.add_typer(scratch.app, name="scratch")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (2 bad input, 1 internal error)."""
    from batchlab.errors import BatchlabError

    try:
        app(args=argv, prog_name="batchlab")  # usage errors exit 2 by themselves
    except SystemExit as exc:
        interrupt = _interrupt(exc)  # typer turns Ctrl-C into a silent exit 130
        if interrupt is not None:
            return _interrupted(interrupt)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BatchlabError as exc:
        err().print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except Exception:
        traceback.print_exc()
        err().print("internal error: this is a bug in batchlab; please report it with the above")
        return 1
    return 0


def _interrupt(exc: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt an exit was raised from, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Say what an interrupted command saved (a run's message, batchlab.run.StudyInterrupted);
    exit code 130 for Ctrl-C, 143 (128 + 15) for SIGTERM."""
    from batchlab.run._interrupt import Terminated

    message = str(exc) or "interrupted: the store holds everything up to the last commit"
    terminated = False
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:  # the run's message hides the signal
        terminated = terminated or isinstance(cause, Terminated)
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    if terminated:
        message = f"stopped by SIGTERM; {message}"
    err().print(message, highlight=False, markup=False, soft_wrap=True)
    return 143 if terminated else 130


def entry() -> None:
    """Console-script entry: ``sys.exit(main())``."""
    sys.exit(main())
