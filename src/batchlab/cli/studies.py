"""``batchlab studies``: the builtin studies, and the TOML of one to start from."""

from __future__ import annotations

from typing import Annotated

import typer

from batchlab.cli._common import Command, Group, out

app = typer.Typer(
    cls=Group,
    help="The builtin studies (one per experiment of the seeds); `show NAME` prints one's TOML.",
    invoke_without_command=True,
)


@app.callback()
def studies(ctx: typer.Context):
    """List the builtin studies, one line each."""
    from rich.table import Table

    from batchlab.study import builtin_studies

    if ctx.invoked_subcommand is not None:
        return
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("description")
    for name, description in builtin_studies().items():
        table.add_row(name, description)
    out().print(table)


@app.command("show", cls=Command)
def show(
    name: Annotated[str, typer.Argument(help="A builtin study's name (see `batchlab studies`).")],
):
    """Print a builtin study's TOML: copy it to a file, change it, run it."""
    from batchlab.study import builtin_toml

    typer.echo(builtin_toml(name), nl=False)
