"""``batchlab watch`` and ``batchlab serve``: a study live, in the terminal or a local page."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from batchlab.cli._common import StoreOpt, err, out
from batchlab.errors import SpecError


def _seconds(value: float, option: str, minimum: float) -> float:
    if not (math.isfinite(value) and value >= minimum):
        raise SpecError(f"{option} = {value!r}: must be a number of seconds >= {minimum:g}")
    return value


def watch(
    study: str,
    store: StoreOpt = None,
    refresh: Annotated[float, typer.Option(help="Seconds between two reads of the store.")] = 1.0,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for the study to appear in the store.")
    ] = 30.0,
):
    """Watch a study live while another process runs it.

    Each cohort's progress, the best test accuracy per batch size with its curve, divergences,
    the time left. Exits when the study is done, or on Ctrl-C (the run goes on).
    """
    from batchlab.live import watch as watch_study

    _seconds(refresh, "--refresh", 0.05)
    _seconds(wait, "--wait", 0)
    try:
        watch_study(study, store, refresh=refresh, wait=wait, console=out())
    except KeyboardInterrupt:
        err().print("stopped watching; the study's run goes on in its own process")
        raise typer.Exit(130) from None


def serve(
    store: StoreOpt = None,
    port: Annotated[int, typer.Option(help="Port (0: any free one).")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to listen on; other than 127.0.0.1, others can read it.")
    ] = "127.0.0.1",
    refresh: Annotated[float, typer.Option(help="Seconds between the page's polls.")] = 1.0,
):
    """Serve a local web page of the store's studies, updated live while they run.

    Each study's curves and summary, drawn in the page from a JSON endpoint it polls. Binds
    127.0.0.1; Ctrl-C stops it.
    """
    from batchlab.live import serve as serve_page

    if not 0 <= port <= 65535:
        raise SpecError(f"--port = {port!r}: must be in 0..65535")
    _seconds(refresh, "--refresh", 0.1)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err().print(f"warning: --host {host}: anyone who can reach it can read the page")

    def ready(url: str) -> None:
        out().print(f"serving {url} (Ctrl-C to stop)", highlight=False, soft_wrap=True)
        from pathlib import Path

        from batchlab.store import default_store_path

        path = Path(store) if store is not None else default_store_path()
        if not path.exists():
            err().print(
                f"note: no store at {str(path)!r} yet; the page lists its studies once a "
                "batchlab run creates it",
                highlight=False,
                soft_wrap=True,
            )

    try:
        serve_page(store, host=host, port=port, refresh=refresh, ready=ready)
    except KeyboardInterrupt:
        pass
