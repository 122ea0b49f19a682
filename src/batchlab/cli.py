"""The ``batchlab`` command: a thin typer layer over the Python API.

Exit codes: 0 ok; 2 bad input (a one-paragraph message on stderr, no traceback); 1 an
internal error (with its traceback).
"""

from __future__ import annotations

import math
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="batchlab: which batch size, which learning rate, and why.",
    pretty_exceptions_enable=False,
)
scratch_app = typer.Typer(no_args_is_help=True, help="The from-scratch NumPy network (seed 002).")
app.add_typer(scratch_app, name="scratch")

out = Console()
err = Console(stderr=True)

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="Store file (default ./batchlab.db or $BATCHLAB_STORE)."),
]
TargetOpt = Annotated[
    float | None,
    typer.Option(help="Target test accuracy (default: the spec's, else 95% of the best)."),
]


class _Bars:
    """A rich progress bar per cohort: epochs done, trials, time left."""

    def __init__(self, console: Console):
        self.bars = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("epochs"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, int] = {}

    # batchlab.run.Progress
    def study(self, study, cohorts, done):
        self.bars.start()
        trials = sum(c.size for c in cohorts)
        self.bars.console.print(
            f"study [bold]{study.name}[/]: {trials} trials in {len(cohorts)} cohorts, "
            f"{study.epochs} epochs, dataset {study.dataset}"
        )
        for c in cohorts:
            self.tasks[c.cohort] = self.bars.add_task(
                f"{c.cohort} ({c.size} trials)", total=c.epochs, completed=done.get(c.cohort, 0)
            )

    def cohort(self, plan, start_epoch):
        self.bars.update(self.tasks[plan.cohort], completed=start_epoch)

    def epoch(self, plan, epoch):
        self.bars.update(self.tasks[plan.cohort], completed=epoch)

    def cohort_done(self, plan, compile_seconds, train_seconds):
        pass

    def close(self):
        self.bars.stop()


def _fmt_ci(mean: float, lo: float, hi: float, scale: float = 100.0) -> str:
    """``mean ± half-width`` of a confidence interval (x100 for accuracies), or a dash."""
    if mean is None or not math.isfinite(mean):
        return "—"
    half = (hi - lo) / 2 if math.isfinite(hi) and math.isfinite(lo) else float("nan")
    if not math.isfinite(half):
        return f"{mean * scale:.1f}"
    return f"{mean * scale:.1f} ± {half * scale:.1f}"


def summary_table(history, target: float | None, title: str) -> Table:
    """Per batch size and learning rate: final accuracies (mean ± 95% CI), epochs to target,
    diverged count."""
    from batchlab.analysis import Summary

    s = Summary(target=target).fit(history)
    table = Table(
        title=f"{title}: mean ± 95% CI over seeds; target test accuracy {s.target_:.1%}",
        caption="hit: seeds that reached the target; div: seeds that diverged",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("batch", "lr", "seeds", "train %", "test %", "epochs to tgt", "hit", "div"):
        table.add_column(col, justify="right", no_wrap=True)
    for _, r in s.table_.iterrows():
        n = int(r.n_seeds)
        table.add_row(
            str(int(r.batch_size)),
            f"{r.learning_rate:g}",
            str(n),
            _fmt_ci(
                r.final_train_accuracy_mean, r.final_train_accuracy_lo, r.final_train_accuracy_hi
            ),
            _fmt_ci(r.final_test_accuracy_mean, r.final_test_accuracy_lo, r.final_test_accuracy_hi),
            _fmt_ci(r.epochs_to_target_mean, r.epochs_to_target_lo, r.epochs_to_target_hi, 1.0),
            f"{r.reached_fraction:.0%}",
            str(int(round(r.diverged_fraction * n))),
        )
    return table


def _report(study_name: str, store, path: Path | None, target: float | None) -> Path:
    from batchlab.report import study_report
    from batchlab.store import load

    return study_report(load(study_name, store=store), path=path, target=target)


def _run_and_show(
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
    from batchlab.run import run_study
    from batchlab.store import load

    bars = None if quiet else _Bars(err)
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
    if not quiet:
        history = load(name, store=result.store).history
        out.print(summary_table(history, target or result.study.analysis.target_accuracy, name))
    if report is not False:
        out.print(f"report: {_report(name, result.store, report, target)}")
    return result


@app.command()
def run(
    spec: Annotated[str, typer.Argument(help="A builtin study name or a study TOML file.")],
    seeds: Annotated[int | None, typer.Option(help="Override the number of seeds.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Override the epochs.")] = None,
    store: StoreOpt = None,
    new: Annotated[bool, typer.Option(help="Replace a stored study whose spec differs.")] = False,
    max_trials: Annotated[int, typer.Option(help="Refuse grids larger than this.")] = 10_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no table.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Report path (default reports/STUDY.html).")
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
):
    """Run (or resume) a study and show its summary; write its HTML report."""
    from batchlab.errors import SpecError
    from batchlab.run import EXECUTORS

    # Name the options, not the API's arguments.
    if not (math.isfinite(commit_every) and commit_every >= 0):
        raise SpecError(f"--commit-every = {commit_every!r}: must be a number of seconds >= 0")
    if executor not in EXECUTORS:
        raise SpecError(f"--executor = {executor!r}: use one of {', '.join(EXECUTORS)}")
    if ray_address is not None and executor != "ray":
        raise SpecError(f"--ray-address = {ray_address!r}: it needs --executor ray")
    overrides = {k: v for k, v in dict(seeds=seeds, epochs=epochs).items() if v is not None}
    _run_and_show(
        spec,
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


@app.command()
def demo(
    seeds: Annotated[int, typer.Option(help="Seeds per batch size.")] = 5,
    epochs: Annotated[int | None, typer.Option(help="Override the epochs (default 200).")] = None,
    store: StoreOpt = None,
    report: Annotated[Path | None, typer.Option(help="Report path.")] = None,
):
    """Seed 003's eight batch sizes on blobs (study seed003-grid), with a summary and a report."""
    overrides = {"seeds": seeds} | ({"epochs": epochs} if epochs else {})
    _run_and_show(
        "seed003-grid",
        store=store,
        overrides=overrides,
        new=True,
        max_trials=10_000,
        quiet=False,
        report=report,
        target=None,
    )


@app.command("studies")
def studies_cmd():
    """List the builtin studies, one line each."""
    from batchlab.study import builtin_studies

    for name, description in builtin_studies().items():
        out.print(f"[bold]{name}[/]  {description}", highlight=False, markup=True)


@app.command("ls")
def ls_cmd(store: StoreOpt = None):
    """The studies in the store, with their status."""
    from batchlab.store import Store

    with Store(store, create=False) as st:
        frame = st.studies()
    if frame.empty:
        out.print("no studies in the store")
        return
    table = Table()
    # epochs_done / epochs_planned count trial-epochs (history rows), not epochs
    for col in ("name", "status", "trials", "cohorts", "trial-epochs", "created"):
        table.add_column(col)
    for _, r in frame.iterrows():
        table.add_row(
            str(r["name"]),
            str(r["status"]),
            str(r["trials"]),
            str(r["cohorts"]),
            f"{int(r['epochs_done'])}/{int(r['epochs_planned'])}",
            str(r["created"]),
        )
    out.print(table)


@app.command()
def show(study: str, store: StoreOpt = None, target: TargetOpt = None):
    """The summary table of a stored study."""
    from batchlab.store import load

    tables = load(study, store=store)
    spec_target = tables.spec.get("analysis", {}).get("target_accuracy")
    out.print(summary_table(tables.history, target or spec_target, study))


@app.command()
def export(
    study: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    format: Annotated[str, typer.Option("--format", help="csv, parquet or json.")] = "csv",
    store: StoreOpt = None,
):
    """Export a study's history, one row per trial-epoch."""
    from batchlab.store import Store
    from batchlab.store import export as export_study

    with Store(store, create=False) as st:
        path = export_study(st, study, format, output)
    out.print(f"wrote {path}")


@app.command()
def plot(
    study: str,
    kind: Annotated[
        str,
        typer.Option(
            help="curves, overlay, heatmap, speed or stability; with gradient statistics "
            "(diagnostics): gradients, inverse-batch, distance; scaling (steps to target)."
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

    if kind not in KINDS:
        raise SpecError(
            f"--kind: {kind!r} is not valid{did_you_mean(kind, KINDS)}; use one of "
            f"{', '.join(KINDS)}."
        )
    opts = KINDS[kind].taking(x=x, metric=metric, target=target)
    out.print(f"wrote {plot_figure(kind, load(study, store=store), output, **opts)}")


@app.command()
def report(
    study: str,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="HTML file.")] = None,
    store: StoreOpt = None,
    target: TargetOpt = None,
):
    """Write a study's self-contained HTML report."""
    out.print(f"report: {_report(study, store, output, target)}")


@app.command()
def recommend(
    study: str,
    goal: Annotated[
        str | None,
        typer.Option(
            help="fewest-epochs, fewest-updates, least-seconds or best-accuracy "
            "(default: all four)."
        ),
    ] = None,
    target: TargetOpt = None,
    min_reached: Annotated[
        float, typer.Option(help="Fraction of seeds that must reach the target (speed goals).")
    ] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of words.")] = False,
    store: StoreOpt = None,
):
    """The batch size and learning rate to use for a goal, with the reasons."""
    import json

    from batchlab.analysis import GOALS, Recommender, check_goal
    from batchlab.store import load

    goals = GOALS if goal is None else (check_goal(goal, "--goal"),)
    tables = load(study, store=store)
    recs = [
        Recommender(goal=g, target=target, min_reached=min_reached).fit(tables.history, tables.spec)
        for g in goals
    ]
    if as_json:
        data = {"study": study, "recommendations": [r.to_dict() for r in recs]}
        typer.echo(json.dumps(data, indent=2, allow_nan=False))
    else:
        typer.echo("\n\n".join(r.text() for r in recs))


@app.command("noise-scale")
def noise_scale(
    spec: Annotated[str, typer.Argument(help="A builtin study name or a study TOML file.")],
    epochs: Annotated[int, typer.Option(help="Epochs of the short run.")] = 5,
    batch_size: Annotated[
        int | None,
        typer.Option(help="Batch size of the short run (default: the sweep's median)."),
    ] = None,
    seeds: Annotated[int, typer.Option(help="Seeds of the short run (the study's first).")] = 2,
    target: TargetOpt = None,
    at: Annotated[
        str,
        typer.Option(
            help="Which B_simple: 'path' (averaged along the run up to the target) or "
            "'target' (at the epoch the target was reached)."
        ),
    ] = "path",
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Also keep the short run in this store (as STUDY-noise-scale)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
):
    """Predict steps to target against batch size from a short run's noise scale B_simple.

    Trains a few epochs at one batch size (every learning rate the sweep gives it), measures
    B_simple = tr(Sigma)/|G|^2 after each epoch, and predicts S(B) = S_0 (1 + B_simple (1/B -
    1/n)) for the sweep's batch sizes (McCandlish et al. 2018), without running the sweep.
    """
    import json

    from batchlab.analysis.noise_scale import AT, NoiseScalePrediction
    from batchlab.errors import SpecError
    from batchlab.run.noise_scale import short_run

    if at not in AT:
        raise SpecError(f"--at: {at!r} is not valid; use one of {', '.join(AT)}.")
    if not as_json:
        err.print(f"short run of {spec}: {epochs} epochs ...", highlight=False)
    run = short_run(spec, batch_size=batch_size, epochs=epochs, seeds=seeds, store=store)
    target = target if target is not None else run.study.analysis.target_accuracy
    pred = NoiseScalePrediction(target=target, at=at, n_examples=run.n_train)
    pred.fit(run.history, run.diagnostics)
    table = pred.predict(run.sweep_batch_sizes)
    if as_json:
        data = {
            "study": run.study.name.removesuffix("-noise-scale"),
            "short_run": {
                "batch_size": run.batch_size,
                "epochs": epochs,
                "seeds": list(run.study.sweep.seed_values),
                "learning_rates": sorted(float(r) for r in run.history.learning_rate.unique()),
                "n_train": run.n_train,
                "seconds": run.seconds,
            },
            "prediction": pred.as_dict(),
            "b_simple_by_epoch": [
                {"epoch": int(r.epoch), "mean": float(r.b_simple_mean)}
                for r in pred.trajectory_.itertuples()
            ],
            "batch_sizes": [
                {
                    "batch_size": int(r.batch_size),
                    "relative_steps": float(r.relative_steps),
                    "steps": float(r.steps) if math.isfinite(r.steps) else None,
                    "examples": float(r.examples) if math.isfinite(r.examples) else None,
                    "regime": str(r.regime),
                }
                for r in table.itertuples()
            ],
        }
        typer.echo(json.dumps(data, indent=2, allow_nan=False))
        return
    b0, data_name = run.batch_size, run.study.name.removesuffix("-noise-scale")
    reached = (
        f"reached {pred.target_:.1%} after {pred.steps_:.0f} updates (epoch "
        f"{pred.stop_epoch_:g}, mean of the seeds)"
        if pred.reached_
        else (
            f"did not reach {pred.target_:.1%} in {epochs} epochs: shape only"
            if pred.target_ is not None
            else "no target (give --target or the spec's analysis.target_accuracy): shape only"
        )
    )
    crit = "infinite (noise dominates up to the full batch)"
    crit = crit if not math.isfinite(pred.b_crit_) else f"{pred.b_crit_:.3g}"
    out.print(
        f"short run: batch size {b0}, lr {pred.learning_rate_:g}, {seeds} seeds, {epochs} "
        f"epochs, {run.seconds:.1f} s; {reached}\n"
        f"B_simple: {pred.b_simple_:.3g} ({at}); at init {pred.b_simple_init_:.3g}, "
        f"path {pred.b_simple_path_:.3g}, at the end {pred.b_simple_target_:.3g}\n"
        f"predicted critical batch size: {crit}",
        highlight=False,
    )
    shown = Table(title=f"predicted steps to target, {data_name}")
    for col in ("batch", f"steps / steps at {b0}", "steps", "examples", "regime"):
        shown.add_column(col, justify="left" if col == "regime" else "right")
    for r in table.itertuples():
        shown.add_row(
            str(int(r.batch_size)),
            f"{r.relative_steps:.2f}",
            f"{r.steps:,.0f}" if math.isfinite(r.steps) else "—",
            f"{r.examples:,.0f}" if math.isfinite(r.examples) else "—",
            str(r.regime),
        )
    out.print(shown)


@scratch_app.command("logic")
def scratch_logic(
    epochs: Annotated[int, typer.Option(help="Epochs per flavor.")] = 500,
    plot: Annotated[Path | None, typer.Option(help="Draw the three error curves here.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the initial weights and shuffling.")] = 0,
    hidden: Annotated[int, typer.Option(help="Hidden units.")] = 8,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 1.0,
    momentum: Annotated[float, typer.Option(help="Momentum.")] = 0.9,
):
    """Seed 002: learn AND, OR, XOR, NAND, NOR with batch, stochastic and mini-batch GD."""
    from batchlab.scratch import logic_command

    out.print(
        logic_command(epochs, str(plot) if plot else None, seed, hidden, lr, momentum),
        highlight=False,
        markup=False,
        soft_wrap=True,  # preformatted truth tables: never re-wrap them at the console width
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (2 bad input, 1 internal error)."""
    from batchlab.errors import BatchlabError

    try:
        app(args=argv, prog_name="batchlab")  # usage errors exit 2 by themselves
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BatchlabError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted: the store holds everything up to the last committed chunk")
        return 130
    except Exception:
        traceback.print_exc()
        err.print("internal error: this is a bug in batchlab; please report it with the above")
        return 1
    return 0


def entry() -> None:
    """Console-script entry: ``sys.exit(main())``."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
