"""The ``batchlab`` command in this process, or as a subprocess, for the CLI tests."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from batchlab.cli import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


class Result(NamedTuple):
    rc: int
    out: str
    err: str


def cli(*args: object) -> Result:
    """``batchlab ARGS`` in this process: the exit code and what it wrote to stdout/stderr.

    rich and click look up ``sys.stdout``/``sys.stderr`` when they write, so redirecting them
    captures everything (this also works in module-scoped fixtures, unlike ``capsys``)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    return Result(rc, out.getvalue(), err.getvalue())


def env() -> dict[str, str]:
    """The environment of a ``batchlab`` subprocess: this checkout's ``src`` first."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": SRC if not path else f"{SRC}{os.pathsep}{path}"}


def command(*args: object) -> list[str]:
    """The argv of ``python -m batchlab.cli ARGS``."""
    return [sys.executable, "-m", "batchlab.cli", *map(str, args)]


def spawn(*args: object, prefix: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start ``batchlab ARGS`` as a subprocess (text pipes), ``prefix`` before the python."""
    return subprocess.Popen(
        [*prefix, *command(*args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )


def ok(result: Result) -> Result:
    assert result.rc == 0, f"exit code {result.rc}\nstdout:\n{result.out}\nstderr:\n{result.err}"
    assert "Traceback" not in result.err, result.err
    return result


def bad_input(result: Result, *needles: str) -> None:
    """Exit code 2, no traceback, and every needle in the message on stderr."""
    assert result.rc == 2, f"exit code {result.rc}\nstdout:\n{result.out}\nstderr:\n{result.err}"
    assert "Traceback" not in result.err + result.out
    message = " ".join(result.err.split())  # rich may wrap a long message
    for needle in needles:
        assert needle in message, f"{needle!r} not in the message:\n{result.err}"
