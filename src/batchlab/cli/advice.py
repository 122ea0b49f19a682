"""``batchlab recommend`` and ``batchlab noise-scale``: which batch size and rate, and why."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from batchlab._format import NA, pct
from batchlab.cli._common import (
    StoreOpt,
    TargetOpt,
    check_count,
    check_fraction,
    check_target,
    err,
    out,
    plural,
)


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

    import batchlab as bl
    from batchlab.analysis import check_goal

    check_target(target)
    check_fraction(min_reached, "--min-reached")
    goal = None if goal is None else check_goal(goal, "--goal")
    recs = bl.recommend(study, goal, store=store, target=target, min_reached=min_reached)
    recs = recs if isinstance(recs, list) else [recs]
    if as_json:
        data = {"study": study, "recommendations": [r.to_dict() for r in recs]}
        typer.echo(json.dumps(data, indent=2, allow_nan=False))
    else:
        typer.echo("\n\n".join(r.text() for r in recs))


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
    check_count(epochs, "--epochs")
    check_count(seeds, "--seeds")
    check_count(batch_size, "--batch-size")
    check_target(target)
    if not as_json:
        err().print(f"short run of {spec}: {plural(epochs, 'epoch')} ...", highlight=False)
    run = short_run(spec, batch_size=batch_size, epochs=epochs, seeds=seeds, store=store)
    target = target if target is not None else run.study.analysis.target_accuracy
    pred = NoiseScalePrediction(target=target, at=at, n_examples=run.n_train)
    pred.fit(run.history, run.diagnostics)
    table = pred.predict(run.sweep_batch_sizes)
    if as_json:
        data = {
            "study": run.study.name.removesuffix("-noise-scale"),
            "short_run": run.to_dict(),
            **pred.to_dict(batch_sizes=run.sweep_batch_sizes),
        }
        typer.echo(json.dumps(data, indent=2, allow_nan=False))
        return
    b0, data_name = run.batch_size, run.study.name.removesuffix("-noise-scale")
    reached = (
        f"reached {pct(pred.target_)} after {pred.steps_:.0f} updates (epoch "
        f"{pred.stop_epoch_:g}, mean of the seeds)"
        if pred.reached_
        else (
            f"did not reach {pct(pred.target_)} in {plural(epochs, 'epoch')}: shape only"
            if pred.target_ is not None
            else "no target (give --target or the spec's analysis.target_accuracy): shape only"
        )
    )
    crit = "infinite (noise dominates up to the full batch)"
    crit = crit if not math.isfinite(pred.b_crit_) else f"{pred.b_crit_:.3g}"
    out().print(
        f"short run: batch size {b0}, lr {pred.learning_rate_:g}, {plural(seeds, 'seed')}, "
        f"{plural(epochs, 'epoch')}, {run.seconds:.1f} s; {reached}\n"
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
            f"{r.steps:,.0f}" if math.isfinite(r.steps) else NA,
            f"{r.examples:,.0f}" if math.isfinite(r.examples) else NA,
            str(r.regime),
        )
    out().print(shown)
