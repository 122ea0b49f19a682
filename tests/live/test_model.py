"""The live view is a pure function of the store's tables: its numbers against plain loops,
and against a store as chunks are committed to it."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from batchlab.live import live_view, read_view, sparkline
from batchlab.run.plan import plan, trials_frame
from batchlab.store import Store
from batchlab.study import Study

N_TRAIN = 10


def study() -> Study:
    """2 batch sizes x 2 rates x 2 seeds, 6 epochs: cohorts bs2-sgd (trials 0..3) and
    bs10-sgd (4..7)."""
    return Study(
        name="live",
        description="<b>not bold</b>",
        dataset="blobs",
        epochs=6,
        sweep={"batch_size": [2, "full"], "learning_rate": [0.1, 0.01], "seeds": 2},
    )


def rows(trials: pd.DataFrame, epochs, rng, diverge: dict[int, int] | None = None):
    """Engine-like history rows; ``diverge``: trial -> the epoch it diverges at."""
    out = []
    for t in trials.trial:
        for e in epochs:
            gone = diverge is not None and t in diverge and e >= diverge[t]
            out.append(
                dict(
                    trial=t,
                    epoch=e,
                    updates=e * 5,
                    examples_seen=e * N_TRAIN,
                    train_loss=0.5,
                    train_accuracy=0.5,
                    train_loss_end=0.5,
                    train_accuracy_end=0.5,
                    test_loss=math.nan if gone else 0.5,
                    test_accuracy=math.nan if gone else float(rng.uniform(0.3, 0.9)),
                    wall_seconds=0.5 * e,
                    diverged=gone,
                )
            )
    return pd.DataFrame(out)


def brute_force(trials: pd.DataFrame, history: pd.DataFrame):
    """Per batch size: (best rate, epochs, mean curve, best) by plain loops."""
    out = {}
    for b in sorted(set(trials.batch_size)):
        best = None
        for lr in sorted(set(trials[trials.batch_size == b].learning_rate)):
            ids = list(trials[(trials.batch_size == b) & (trials.learning_rate == lr)].trial)
            reached = min(
                (int(history[history.trial == t].epoch.max()) if (history.trial == t).any() else 0)
                for t in ids
            )
            curve = []
            for e in range(1, reached + 1):
                at = history[history.epoch == e].set_index("trial").test_accuracy
                values = [float(at[t]) for t in ids]
                curve.append(sum(values) / len(values))
            finite = [v for v in curve if not math.isnan(v)]
            top = max(finite) if finite else -math.inf
            if best is None or top > best[3]:
                best = (lr, list(range(1, reached + 1)), curve, top)
        out[b] = best
    return out


def test_the_view_follows_the_store_chunk_by_chunk(tmp_path):
    s = study()
    rng = np.random.default_rng(0)
    with Store(tmp_path / "s.db") as st:
        cohorts = plan(s, N_TRAIN)
        st.create_study(s.to_dict(), s.spec_hash, trials_frame(cohorts, s.name))
        trials = st.trials("live")
        view = read_view(st, "live")
        assert view.status == "pending" and view.trial_epochs_done == 0 and view.eta_seconds is None
        assert [c.epochs_done for c in view.cohorts] == [0, 0]
        assert all(c.epochs == () for c in view.curves)
        steps = [("bs2-sgd", range(1, 4)), ("bs2-sgd", range(4, 7)), ("bs10-sgd", range(1, 3))]
        for cohort, epochs in steps:
            members = trials[trials.cohort == cohort]
            done = epochs[-1] == 6
            chunk = rows(members, epochs, rng, diverge={1: 5})
            st.commit_chunk("live", cohort, chunk, None, epochs[-1], done=done)
            view = read_view(st, "live")
            history = st.history("live")
            assert view.trial_epochs_done == len(history)
            assert {c.cohort: c.epochs_done for c in view.cohorts} == {
                c: int(history[history.cohort == c].epoch.max())
                if (history.cohort == c).any()
                else 0
                for c in ("bs2-sgd", "bs10-sgd")
            }
            expected = brute_force(trials, history)
            for curve in view.curves:
                lr, xs, ys, top = expected[curve.batch_size]
                assert curve.learning_rate == lr
                assert list(curve.epochs) == xs
                np.testing.assert_allclose(curve.test_accuracy, ys)
                assert (curve.best == pytest.approx(top)) if xs else math.isnan(curve.best)
        assert view.status == "running"
        # trial 1 (batch 2, lr 0.1... or 0.01, seed 1) diverged at epoch 5
        assert [(d.trial, d.epoch) for d in view.divergences] == [(1, 5)]
        assert view.curves[0].diverged == 1 and view.curves[1].diverged == 0
        # ETA: bs10 has 4 epochs left; 8 epochs done by the two cohorts in 3 + 1 seconds
        assert view.eta_seconds == pytest.approx(4 * (3.0 + 1.0) / (6 + 2))
        st.commit_chunk(
            "live",
            "bs10-sgd",
            rows(trials[trials.cohort == "bs10-sgd"], range(3, 7), rng),
            None,
            6,
            done=True,
        )
        view = read_view(st, "live")
        assert view.done and view.eta_seconds == 0.0 and view.fraction == 1.0


def test_json_of_a_view_is_plain_and_keeps_names_as_text():
    trials = pd.DataFrame(
        {
            "trial": [0, 1],
            "cohort": "c",
            "seed": [0, 1],
            "batch_size": 4,
            "learning_rate": 0.1,
            "epochs": 3,
        }
    )
    history = pd.DataFrame(
        {
            "trial": [0, 1],
            "epoch": 1,
            "test_accuracy": [math.nan, math.nan],
            "wall_seconds": 1.0,
            "diverged": True,
        }
    )
    cohorts = pd.DataFrame({"cohort": ["c"], "epochs_done": [1], "status": ["running"]})
    spec = {"name": "x", "description": "<script>alert(1)</script>"}
    view = live_view(spec, trials, history, cohorts, "running")
    data = json.loads(json.dumps(view.to_dict(), allow_nan=False))
    assert data["description"] == "<script>alert(1)</script>"
    assert data["curves"][0]["best"] is None and data["curves"][0]["test_accuracy"] == [None]
    assert data["curves"][0]["best_epoch"] is None
    assert [d["trial"] for d in data["divergences"]] == [0, 1]


def test_a_seed_ahead_of_the_others_does_not_move_the_mean():
    trials = pd.DataFrame(
        {
            "trial": [0, 1],
            "cohort": "c",
            "seed": [0, 1],
            "batch_size": 4,
            "learning_rate": 0.1,
            "epochs": 3,
        }
    )
    history = pd.DataFrame(
        {
            "trial": [0, 0, 1],
            "epoch": [1, 2, 1],
            "test_accuracy": [0.5, 0.9, 0.7],
            "wall_seconds": 1.0,
            "diverged": False,
        }
    )
    cohorts = pd.DataFrame({"cohort": ["c"], "epochs_done": [1], "status": ["running"]})
    curve = live_view({"name": "x"}, trials, history, cohorts, "running").curves[0]
    assert curve.epochs == (1,) and curve.test_accuracy == pytest.approx((0.6,))


def test_sparkline_against_a_loop():
    values = [0.2, 0.4, 0.6, 0.8, 1.0, 0.6]
    line = sparkline(values)
    assert len(line) == 6 and line[0] == "▁" and line[4] == "█"
    # 100 points in 10 stretches: the means 4.5, 14.5, ... 94.5, evenly spaced
    assert sparkline(list(range(100)), width=10) == "".join(
        "▁▂▃▄▅▆▇█"[round(i / 9 * 7)] for i in range(10)
    )
    assert sparkline([math.nan, None]) == "  "
