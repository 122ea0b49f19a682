"""``batchlab run`` and ``batchlab demo``: train a study into the store, show it, report it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from batchlab.cli._common import StoreOpt, TargetOpt, check_count, check_target, err, out
from batchlab.errors import SpecError


def run_and_show(
    source,
    *,
    store,
    overrides,
    new,
    max_trials,
    quiet,
    report,
    target,
    commit_seconds=2.0,
    executor="local",
    ray_address=None,
):
    """Run a study, print its summary, write its report (``report``: a path, None for the
    default path, False for none)."""
    from batchlab._files import REPORT_SUFFIXES, check_output
    from batchlab.cli._progress import Bars
    from batchlab.cli._tables import summary_table
    from batchlab.reporting import study_report
    from batchlab.run import run_study
    from batchlab.store import load

    if report not in (None, False):  # an output that cannot be written fails now, not after
        check_output(report, "--report", REPORT_SUFFIXES)
    bars = None if quiet else Bars(err())
    try:
        result = run_study(
            source,
            store=store,
            new=new,
            max_trials=max_trials,
            progress=bars,
            overrides=overrides,
            commit_seconds=commit_seconds,
            executor=executor,
            ray_address=ray_address,
        )
    finally:
        if bars is not None:
            bars.close()
    name = result.study.name
    if not result.finished:
        owners: dict[str, list[str]] = {}
        for cohort, owner in result.cohorts_elsewhere.items():
            owners.setdefault(owner, []).append(cohort)
        cohorts = "; ".join(f"{', '.join(c)} ({owner})" for owner, c in owners.items())
        trained = ", ".join(result.cohorts_run) or "nothing"
        err().print(
            f"study {name!r} is also being run by another process, which is training "
            f"{cohorts}; this run trained {trained}. Run the same command when it has "
            "ended to see the whole summary (batchlab ls shows its status).",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return result
    tables = load(name, store=result.store)
    if not quiet:
        spec_target = result.study.analysis.target_accuracy
        out().print(summary_table(tables.history, target or spec_target, name))
    if report is not False:
        from batchlab._workflow import default_report_path

        if report is None:
            report = default_report_path(name, result.store)
        path = study_report(tables, path=report, target=target)
        if not quiet:
            out().print(f"report: {path}")
    return result


def run(
    spec: Annotated[str, typer.Argument(help="A builtin study name or a study TOML file.")],
    seeds: Annotated[
        int | None,
        typer.Option(help="Override the number of seeds (more seeds grow a stored study)."),
    ] = None,
    epochs: Annotated[
        int | None,
        typer.Option(help="Override the epochs (more epochs grow a stored study)."),
    ] = None,
    store: StoreOpt = None,
    new: Annotated[
        bool,
        typer.Option(
            help="Replace a stored study whose spec differs (deletes its results). Without "
            "it, a stored study is resumed where it stopped, or grown in place when only "
            "--epochs or --seeds grew (each cohort continues from its checkpoint; new seeds "
            "are added as new trials); a new description or analysis settings are taken; "
            "other changes are refused.",
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(
            help="Run the study under this name: a variant, which leaves the stored study "
            "of the spec's name alone."
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Run a study shrunk for a CPU at its full size (its [full_size] table), "
            "as NAME-full.",
        ),
    ] = False,
    max_trials: Annotated[int, typer.Option(help="Refuse grids larger than this.")] = 10_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing.")] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            help="Report path (default reports/STUDY.html for ./batchlab.db, "
            "reports/STORE-STUDY.html for another --store)."
        ),
    ] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Write no report.")] = False,
    target: TargetOpt = None,
    commit_every: Annotated[
        float, typer.Option(help="Commit to the store at least every this many seconds.")
    ] = 2.0,
    executor: Annotated[
        str, typer.Option(help="Where cohorts train: 'local' (this process) or 'ray'.")
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="With --executor ray: the cluster ('auto', 'ray://host:10001'); "
            "default $RAY_ADDRESS, else a local Ray for this run."
        ),
    ] = None,
    no_compile_cache: Annotated[
        bool,
        typer.Option(
            "--no-compile-cache",
            help="Keep no compiled programs on disk for later runs (the cache is "
            "~/.cache/batchlab/jax, or $BATCHLAB_COMPILE_CACHE; 'off' there too).",
        ),
    ] = False,
):
    """Run (or resume) a study and show its summary; write its HTML report."""
    from batchlab.run import EXECUTORS

    # Name the options, not the API's arguments.
    check_count(seeds, "--seeds")
    check_count(epochs, "--epochs")
    check_count(max_trials, "--max-trials")
    check_target(target)
    if not (math.isfinite(commit_every) and commit_every >= 0):
        raise SpecError(f"--commit-every = {commit_every!r}: must be a number of seconds >= 0")
    if executor not in EXECUTORS:
        raise SpecError(f"--executor = {executor!r}: use one of {', '.join(EXECUTORS)}")
    if ray_address is not None and executor != "ray":
        raise SpecError(f"--ray-address = {ray_address!r}: it needs --executor ray")
    if no_compile_cache:
        import os

        os.environ["BATCHLAB_COMPILE_CACHE"] = "off"  # read when the engine first compiles
    changes = dict(seeds=seeds, epochs=epochs, name=name)
    overrides = {k: v for k, v in changes.items() if v is not None}
    source = spec
    if full:
        from batchlab.study import load_study

        source = load_study(spec).at_full_size()
    run_and_show(
        source,
        store=store,
        overrides=overrides,
        new=new,
        max_trials=max_trials,
        quiet=quiet,
        report=False if no_report else report,
        target=target,
        commit_seconds=commit_every,
        executor=executor,
        ray_address=ray_address,
    )


def demo(
    seeds: Annotated[int, typer.Option(help="Seeds per batch size.")] = 5,
    epochs: Annotated[int | None, typer.Option(help="Override the epochs (default 200).")] = None,
    store: StoreOpt = None,
    report: Annotated[Path | None, typer.Option(help="Report path.")] = None,
):
    """Seed 003's eight batch sizes on blobs (study seed003-grid), with a summary and a report."""
    check_count(seeds, "--seeds")
    check_count(epochs, "--epochs")
    overrides = {"seeds": seeds} | ({"epochs": epochs} if epochs else {})
    run_and_show(
        "seed003-grid",
        store=store,
        overrides=overrides,
        new=True,
        max_trials=10_000,
        quiet=False,
        report=report,
        target=None,
    )
