"""Studies whose trials follow schedules: each schedule's curves, and schedules compared.

Pure functions of the trials and history tables. The summary (:mod:`.summary`) groups trials
by their batch size and learning rate; under a schedule those are the trial's *initial* batch
size and *peak* rate, so the summary pools the schedules of one (batch size, rate) setting
(it never fails on them, and says what it pools). What tells the schedules apart is here:
the trials table's ``schedule`` column groups them, and the findings compare them.

The comparison of Smith, Kindermans, Ying & Le (2018): a schedule that grows the batch size
and one that decays the rate at the same epochs should give the same test accuracy per epoch;
"the same" is judged against the seeds' spread -- at each epoch, the difference of the two
mean curves against the larger of the two ranges over seeds (lowest to highest).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from batchlab._format import num, pct, plural, pts
from batchlab.analysis.findings import Finding

SETTING = ["batch_size", "learning_rate", "momentum"]
"""A schedule is compared with the others of the same initial setting."""


def with_schedule(trials: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """History rows with the trial's ``schedule`` (``""`` where there is none)."""
    if "schedule" in history.columns:
        return history
    if trials is None or "schedule" not in getattr(trials, "columns", ()):
        return history.assign(schedule="")
    names = trials.set_index("trial")["schedule"]
    return history.assign(schedule=history["trial"].map(names).fillna("").astype(str))


def schedule_curves(trials: pd.DataFrame, history: pd.DataFrame, metric: str = "test_accuracy"):
    """Per (setting, schedule, epoch): the mean, lowest and highest ``metric`` over the seeds
    (diverged trials left out), the seeds counted, the updates made (mean) and the batch
    size in force."""
    h = with_schedule(trials, history)
    h = h[~h["diverged"].astype(bool) & h[metric].notna()]
    keys = [*SETTING, "schedule", "epoch"]
    g = h.groupby(keys, sort=True)
    out = g[metric].agg(["mean", "min", "max", "count"])
    out["updates"] = g["updates"].mean()
    size = "epoch_batch_size" if "epoch_batch_size" in h.columns else "batch_size"
    out["epoch_batch_size"] = g[size].max()
    return out.reset_index()


def _changes(curves: pd.DataFrame, schedule: str) -> str:
    """``"batch"`` when the schedule's batch size changes, ``"rate"`` otherwise."""
    sizes = curves.loc[curves["schedule"] == schedule, "epoch_batch_size"]
    return "batch" if sizes.nunique() > 1 else "rate"


def schedule_findings(trials: pd.DataFrame, history: pd.DataFrame) -> list[Finding]:
    """The findings of a study with two or more schedules (none otherwise):

    - ``schedules``: each schedule's final test accuracy (mean and range over seeds) and the
      updates it made;
    - ``schedules_agree``: for each schedule that grows the batch size and each that does not,
      of one setting, the largest difference of their mean test-accuracy curves per epoch, the
      epochs at which it is within the seeds' spread, and the ratio of their updates.
    """
    if trials is None or "schedule" not in trials.columns or trials["schedule"].nunique() < 2:
        return []
    curves = schedule_curves(trials, history)
    if curves.empty:
        return []
    out = []
    for setting, block in curves.groupby(SETTING, sort=True):
        names = list(dict.fromkeys(block["schedule"]))
        if len(names) < 2:
            continue
        where = f"batch size {int(setting[0])}, rate {setting[1]:g}"
        last = block[block["epoch"] == block["epoch"].max()].set_index("schedule")
        parts, nums = [], {}
        for name in names:
            if name not in last.index:
                continue
            r = last.loc[name]
            parts.append(
                f"{name or 'none'} {pct(r['mean'])} ({pct(r['min'])}–{pct(r['max'])}, "
                f"{int(r['count'])} seeds, {num(r['updates'])} updates)"
            )
            nums[f"{name}_final_test_accuracy"] = float(r["mean"])
            nums[f"{name}_updates"] = float(r["updates"])
        out.append(
            Finding(
                "schedules",
                f"Schedules at {where}",
                f"Final test accuracy by schedule at {where} (mean, lowest–highest over "
                f"seeds, updates made): {'; '.join(parts)}. The summary table groups trials "
                "by their initial batch size and peak rate, so it pools these schedules; "
                "this finding and the next tell them apart.",
                nums,
            )
        )
        batch = [n for n in names if _changes(block, n) == "batch"]
        rate = [n for n in names if n not in batch]
        for a in batch:
            for b in rate:
                found = _compare(block, a, b, where)
                if found is not None:
                    out.append(found)
    return out


def _compare(block: pd.DataFrame, a: str, b: str, where: str) -> Finding | None:
    ca = block[block["schedule"] == a].set_index("epoch")
    cb = block[block["schedule"] == b].set_index("epoch")
    epochs = ca.index.intersection(cb.index)
    if len(epochs) == 0:
        return None
    ca, cb = ca.loc[epochs], cb.loc[epochs]
    diff = (ca["mean"] - cb["mean"]).abs()
    spread = np.maximum(ca["max"] - ca["min"], cb["max"] - cb["min"])
    within = int((diff <= spread).sum())
    worst = int(diff.idxmax())
    final = int(epochs.max())
    ua, ub = float(ca.loc[final, "updates"]), float(cb.loc[final, "updates"])
    d_final = float(ca.loc[final, "mean"] - cb.loc[final, "mean"])
    agree = within == len(epochs)
    text = (
        f"At {where}, {a} against {b}: the mean test-accuracy curves per epoch differ by at "
        f"most {pts(float(diff.max()))} (epoch {worst}); at {within} of {len(epochs)} epochs the "
        "difference is within the seeds' spread (the larger range over seeds of the two). "
        f"After {plural(int(final), 'epoch')} {a} is at {pct(float(ca.loc[final, 'mean']))} "
        f"and {b} at "
        f"{pct(float(cb.loc[final, 'mean']))} ({'+' if d_final >= 0 else '−'}"
        f"{pts(abs(d_final))}), with {num(ua)} updates against {num(ub)} "
        f"({ua / ub:.2f} times as many). "
        + (
            "The curves agree within the seeds' spread throughout."
            if agree
            else "The curves do not agree within the seeds' spread at every epoch."
        )
    )
    return Finding(
        "schedules_agree",
        f"{a} vs {b}",
        text,
        {
            "max_difference": float(diff.max()),
            "epoch_of_max_difference": worst,
            "epochs_within_spread": within,
            "epochs": len(epochs),
            f"{a}_updates": ua,
            f"{b}_updates": ub,
            "updates_ratio": ua / ub,
            "final_difference": d_final,
        },
    )
