"""How close does the noise-scale prediction come to a measured sweep, and what does it cost?

For each dataset (blobs, digits, MNIST-1D; MLPs, SGD with momentum 0.9):

1. the short run (``batchlab noise-scale``): a few epochs at the sweep's median batch size,
   every rate the sweep gives it, 2 seeds (``--short-seeds``), B_simple measured after every
   epoch, then the prediction ``S(B) = S_0 (1 + B_simple (1/B - 1/n))`` of steps to the
   target for every batch size of the sweep, with B_simple taken both ways (``path`` and
   ``target``);
2. the measured sweep (batch sizes x 2 rates x seeds) run into a temporary store; per batch
   size the rate with the fewest updates to the target (every seed reaching it), and
   ``ScalingFit`` (S_min, B_crit with a 95% interval) on those points.

It prints, per dataset, the measured B_crit against the predicted one (B_simple, and its
finite-pool equivalent B_simple / (1 - B_simple/n)); per batch size the measured and predicted
steps and their ratio; and the wall-clock of both (the short run runs first, cold: building,
compiling, training and measuring all count; so do the sweep's). Markdown on stdout.

    python benchmarks/bench_noise_scale.py [--datasets blobs digits mnist1d] [--seeds 3]
        [--short-seeds 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

CASES = {
    # dataset -> the sweep; target accuracies sit below every batch size's plateau, so that
    # each reaches them within the epochs, and far enough above the start that the small
    # batches need more than an epoch or two (steps to target are counted in whole epochs)
    "blobs": dict(
        hidden=[50],
        batch_size=[4, 8, 16, 32, 64, 128, 256, 500],
        learning_rate=[0.01, 0.03],
        epochs=100,
        target=0.75,
        short_epochs=10,
    ),
    "digits": dict(
        hidden=[50],
        batch_size=[8, 16, 32, 64, 128, 256, 512],
        learning_rate=[0.03, 0.1],
        epochs=40,
        target=0.95,
        short_epochs=6,
    ),
    "mnist1d": dict(
        hidden=[100, 100],
        batch_size=[16, 32, 64, 128, 256, 512],
        learning_rate=[0.03, 0.1],
        epochs=60,
        target=0.6,
        short_epochs=10,
    ),
}


def study_for(name: str, seeds: int):
    from batchlab.study import Study

    case = CASES[name]
    return Study.from_dict(
        {
            "name": f"bench-ns-{name}",
            "dataset": name,
            "epochs": case["epochs"],
            "model": {"kind": "mlp", "hidden": case["hidden"]},
            "optimizer": {"name": "sgd"},
            "sweep": {
                "batch_size": case["batch_size"],
                "learning_rate": case["learning_rate"],
                "momentum": [0.9],
                "seeds": seeds,
            },
            "analysis": {"target_accuracy": case["target"]},
        }
    )


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def bench(name: str, seeds: int, short_seeds: int = 2) -> dict:
    from batchlab.analysis.noise_scale import NoiseScalePrediction, measured_scaling
    from batchlab.data import load_dataset
    from batchlab.run import run_study
    from batchlab.run.noise_scale import short_run
    from batchlab.store import load

    case = CASES[name]
    study = study_for(name, seeds)
    load_dataset(name)  # generated / cached before either clock starts

    run = short_run(study, epochs=case["short_epochs"], seeds=short_seeds)
    predictions = {
        at: NoiseScalePrediction(target=case["target"], at=at, n_examples=run.n_train).fit(
            run.history, run.diagnostics
        )
        for at in ("path", "target")
    }

    with tempfile.TemporaryDirectory() as tmp:
        report = run_study(study, store=Path(tmp) / "sweep.db")
        history = load(study.name, store=Path(tmp) / "sweep.db").history
    points, fit, target, _ = measured_scaling(history, case["target"])

    rows = []
    measured = points.set_index("batch_size")
    b0 = run.batch_size
    s_b0 = measured.loc[b0, "updates_to_target_mean"] if b0 in measured.index else math.nan
    for b in run.sweep_batch_sizes:
        row = {"batch_size": int(b)}
        steps = measured.loc[b, "updates_to_target_mean"] if b in measured.index else math.nan
        row["measured_steps"] = _num(steps)
        rate = measured.loc[b, "learning_rate"] if b in measured.index else math.nan
        row["measured_rate"] = _num(rate)
        row["measured_regime"] = (
            str(measured.loc[b, "regime"]) if b in measured.index and fit is not None else None
        )
        for at, pred in predictions.items():
            p = pred.predict([b]).iloc[0]
            row[f"{at}_steps"] = _num(p["steps"])
            row[f"{at}_ratio"] = _num(p["steps"] / steps)
            # the shape alone: S(B)/S(B0) predicted against measured
            row[f"{at}_shape_ratio"] = _num(p["relative_steps"] / (steps / s_b0))
            row[f"{at}_regime"] = str(p["regime"])
        rows.append(row)
    return {
        "dataset": name,
        "n_train": run.n_train,
        "model": f"mlp {case['hidden']}",
        "sweep": {
            "batch_sizes": case["batch_size"],
            "learning_rates": case["learning_rate"],
            "seeds": seeds,
            "epochs": case["epochs"],
            "trials": study.n_trials,
            "seconds": report.seconds,
        },
        "short_run": {
            "batch_size": b0,
            "epochs": case["short_epochs"],
            "seeds": short_seeds,
            "learning_rates": case["learning_rate"],
            "seconds": run.seconds,
        },
        "target": target,
        "cost_ratio": run.seconds / report.seconds,
        "measured_fit": None
        if fit is None
        else {
            "s_min": fit.s_min_,
            "b_crit": fit.b_crit_,
            "b_crit_ci": [_num(v) for v in fit.b_crit_ci_],
            "e_min": fit.e_min_,
            "points": int(fit.n_points_),
        },
        "prediction": {at: pred.as_dict() for at, pred in predictions.items()},
        "b_simple_by_epoch": predictions["path"]
        .trajectory_[["epoch", "b_simple_mean"]]
        .round(2)
        .values.tolist(),
        "rows": rows,
    }


def _f(v, fmt="{:.3g}") -> str:
    return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else fmt.format(v)


def markdown(result: dict) -> str:
    fit, path = result["measured_fit"], result["prediction"]["path"]
    sweep, short = result["sweep"], result["short_run"]
    lines = [
        f"### {result['dataset']} ({result['model']}, n = {result['n_train']}, target "
        f"{result['target']:.0%} test accuracy)",
        "",
        f"- sweep: batch sizes {sweep['batch_sizes']} x rates {sweep['learning_rates']} x "
        f"{sweep['seeds']} seeds, {sweep['epochs']} epochs ({sweep['trials']} trials): "
        f"{sweep['seconds']:.1f} s",
        f"- short run: batch size {short['batch_size']}, {short['epochs']} epochs, rates "
        f"{short['learning_rates']} x {short['seeds']} seeds: {short['seconds']:.1f} s "
        f"(**{result['cost_ratio']:.0%} of the sweep**); read at lr {path['learning_rate']:g}, "
        + (
            f"target reached at epoch {path['stop_epoch']:g}"
            if path["reached"]
            else "target not reached (shape only)"
        ),
        "- measured: "
        + (
            "no fit"
            if fit is None
            else f"S_min = {fit['s_min']:.3g}, **B_crit = {fit['b_crit']:.3g}** (95% CI "
            f"{_f(fit['b_crit_ci'][0])}–{_f(fit['b_crit_ci'][1])}), E_min = {fit['e_min']:.3g}"
        ),
    ]
    for at in ("path", "target"):
        p = result["prediction"][at]
        lines.append(
            f"- predicted ({at}): B_simple = {p['b_simple']:.3g}, finite-pool B_crit = "
            f"{_f(p['b_crit'])}"
            + (
                f" (**{p['b_crit'] / fit['b_crit']:.2g}x the measured**)"
                if fit and p["b_crit"]
                else ""
            )
        )
    for at in ("path", "target"):
        ratios = [
            r[f"{at}_ratio"]
            for r in result["rows"]
            if r["batch_size"] != short["batch_size"] and r[f"{at}_ratio"] is not None
        ]
        if ratios:
            lines.append(
                f"- predicted / measured steps ({at}, the anchor batch size left out): geometric "
                f"mean {math.exp(np.mean(np.log(ratios))):.2f}, from {min(ratios):.2f} to "
                f"{max(ratios):.2f}"
            )
    lines.append(
        f"- B_simple by epoch (mean of the {result['short_run']['seeds']} seeds): "
        + ", ".join(f"{int(e)}: {b:.3g}" for e, b in result["b_simple_by_epoch"])
    )
    lines += [
        "",
        "| batch | measured steps (lr) | regime | path: steps | ratio | regime |"
        " target: steps | ratio | regime |",
        "|---:|---:|---|---:|---:|---|---:|---:|---|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['batch_size']} | {_f(r['measured_steps'], '{:.0f}')} "
            f"({_f(r['measured_rate'], '{:g}')}) | {r['measured_regime'] or '—'} | "
            f"{_f(r['path_steps'], '{:.0f}')} | {_f(r['path_ratio'], '{:.2f}')} | "
            f"{r['path_regime']} | "
            f"{_f(r['target_steps'], '{:.0f}')} | {_f(r['target_ratio'], '{:.2f}')} | "
            f"{r['target_regime']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the measured sweep")
    parser.add_argument("--short-seeds", type=int, default=2, help="seeds of the short run")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    import jax

    from batchlab._backend import keras  # selects Keras's JAX backend

    keras = keras()

    start = time.perf_counter()
    results = [bench(name, args.seeds, args.short_seeds) for name in args.datasets]
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{len(__import__('os').sched_getaffinity(0))} cores",
        "python": platform.python_version(),
        "jax": jax.__version__,
        "keras": keras.__version__,
        "total_seconds": time.perf_counter() - start,
    }
    print(
        f"Noise-scale prediction against measured sweeps — {meta['date']}, {meta['machine']}, "
        f"Python {meta['python']}, JAX {meta['jax']}, Keras {meta['keras']}; whole benchmark "
        f"{meta['total_seconds']:.0f} s\n"
    )
    for result in results:
        print(markdown(result) + "\n")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))


if __name__ == "__main__":
    main()
