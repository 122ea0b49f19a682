"""Synthetic ``history`` and ``trials`` tables that follow ``docs/schema.md`` exactly.

The learning curves are made, not trained, so a test knows the answers in advance:

- every trial's test accuracy first reaches ``target`` at a chosen epoch (``reach``), even with
  noise: the noisy curve is clipped below the target before that epoch and at or above it from
  that epoch on; ``reach=None`` (or an epoch past the end) gives a curve that never reaches it;
- ``noise`` (std of Gaussian noise on the accuracies, per epoch) can depend on the batch size;
- ``diverge`` makes chosen trials diverge at a chosen epoch: from that epoch on their metrics
  are NaN and ``diverged`` is True, as the runner records it;
- ``wall_seconds`` is the cumulative time of the trial's cohort (all trials with one batch size).

Every knob is a constant, a mapping, or a callable of ``(batch_size, learning_rate, seed)``
(``noise``, ``final``, ``gap`` and ``seconds_per_update`` may also be a callable of the batch size
alone). Randomness comes only from ``random_state``.

Example::

    from helpers.synthetic import SyntheticStudy
    study = SyntheticStudy(batch_sizes=(4, 32, 500), seeds=(0, 1, 2), epochs=40,
                           reach={4: 3, 32: 10, 500: None}, noise=0.01)
    history, trials = study.history(), study.trials()
    study.reach_epoch(32, 0.01, 1)   # -> 10
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: history columns, in the order of docs/schema.md
HISTORY_COLUMNS = (
    "study",
    "trial",
    "cohort",
    "seed",
    "batch_size",
    "learning_rate",
    "momentum",
    "epoch",
    "updates",
    "examples_seen",
    "train_loss",
    "train_accuracy",
    "train_loss_end",
    "train_accuracy_end",
    "test_loss",
    "test_accuracy",
    "wall_seconds",
    "diverged",
)
#: trials columns, in the order of docs/schema.md
TRIALS_COLUMNS = (
    "study",
    "trial",
    "cohort",
    "seed",
    "batch_size",
    "learning_rate",
    "momentum",
    "optimizer",
    "warmup_epochs",
    "epochs",
    "status",
)
#: the metric columns (NaN from the epoch a trial diverges)
METRIC_COLUMNS = (
    "train_loss",
    "train_accuracy",
    "train_loss_end",
    "train_accuracy_end",
    "test_loss",
    "test_accuracy",
)

_INT = ("trial", "seed", "batch_size", "epoch", "updates", "examples_seen")


def _default_reach(batch_size: int, learning_rate: float, seed: int) -> int:
    """Smaller batches reach the target in fewer epochs: 4 -> 3, 32 -> 12, 500 -> 24."""
    return int(round(3 + 3 * math.log2(max(batch_size, 4) / 4)))


def _resolve(knob: Any, batch_size: int, learning_rate: float, seed: int) -> Any:
    """A knob's value for one trial: constant, mapping or callable."""
    if callable(knob):
        n = len(inspect.signature(knob).parameters)
        return knob(batch_size) if n == 1 else knob(batch_size, learning_rate, seed)
    if isinstance(knob, Mapping):
        for key in ((batch_size, learning_rate, seed), (batch_size, learning_rate), batch_size):
            if key in knob:
                return knob[key]
        return knob.get("default")
    return knob


def _loss(accuracy: np.ndarray) -> np.ndarray:
    """A smooth decreasing stand-in for cross-entropy: 1/3 -> 1.65, 0.85 -> 0.24."""
    return -1.5 * np.log(np.clip(accuracy, 1e-3, 1.0))


@dataclass(frozen=True)
class SyntheticStudy:
    """A made-up study whose curves reach ``target`` at known epochs."""

    batch_sizes: Sequence[int] = (4, 32, 500)
    """Batch sizes of the grid (examples per update)."""
    learning_rates: Sequence[float] = (0.01,)
    """Learning rates of the grid."""
    seeds: Sequence[int] = (0, 1, 2)
    """Seeds of the grid."""
    epochs: int = 30
    """Epochs per trial."""
    n_train: int = 500
    """Training examples (for ``updates`` and ``examples_seen``)."""
    target: float = 0.8
    """The test accuracy that each curve first reaches at ``reach``."""
    reach: Any = _default_reach
    """Epoch (1-based) at which the test accuracy first is >= ``target``; None = never."""
    start: float = 1 / 3
    """Test accuracy at epoch 1 (when the target is not reached at epoch 1)."""
    final: Any = 0.86
    """Accuracy the curve tends to (must be >= target when the target is reached)."""
    seed_spread: float = 0.01
    """Std of a per-seed offset of ``final`` (kept on the right side of ``target``)."""
    gap: Any = 0.02
    """train_accuracy_end - test_accuracy (the generalization gap)."""
    noise: Any = 0.0
    """Std of Gaussian noise added to the accuracies at every epoch."""
    diverge: Any = None
    """Epoch at which a trial diverges (metrics NaN from then on); None = never."""
    seconds_per_update: Any = 1e-3
    """Seconds per optimizer step, for ``wall_seconds``."""
    seconds_per_epoch: float = 0.05
    """Fixed seconds per epoch (evaluation), for ``wall_seconds``."""
    momentum: float = 0.9
    optimizer: str = "sgd"
    study: str | None = "synthetic"
    """Study name; None leaves the ``study`` column out (as in ``bl.train`` results)."""
    random_state: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Extra constant columns added to both tables (e.g. a second grid axis)."""

    # ------------------------------------------------------------------ per-trial facts
    def grid(self) -> list[tuple[int, float, int]]:
        """(batch_size, learning_rate, seed) in trial order: batch size, then rate, then seed."""
        return [
            (b, lr, s) for b in self.batch_sizes for lr in self.learning_rates for s in self.seeds
        ]

    def steps_per_epoch(self, batch_size: int) -> int:
        return math.ceil(self.n_train / batch_size)

    def reach_epoch(self, batch_size: int, learning_rate: float, seed: int) -> int | None:
        """The epoch at which the trial's test accuracy first is >= target (None: never).

        A trial that diverges at or before its reach epoch never reaches the target.
        """
        reach = _resolve(self.reach, batch_size, learning_rate, seed)
        if reach is None or reach > self.epochs:
            return None
        div = self.diverge_epoch(batch_size, learning_rate, seed)
        if div is not None and div <= reach:
            return None
        return int(reach)

    def diverge_epoch(self, batch_size: int, learning_rate: float, seed: int) -> int | None:
        if self.diverge is None:
            return None
        div = _resolve(self.diverge, batch_size, learning_rate, seed)
        return None if div is None or div > self.epochs else int(div)

    def cohort(self, batch_size: int) -> str:
        return f"bs{batch_size}-e{self.epochs}"

    # ------------------------------------------------------------------ curves
    def _test_curve(self, b: int, lr: float, s: int, rng: np.random.Generator) -> np.ndarray:
        e = np.arange(1, self.epochs + 1, dtype=float)  # (epochs,)
        reach = _resolve(self.reach, b, lr, s)
        reach = None if reach is None or reach > self.epochs else int(reach)
        final = float(_resolve(self.final, b, lr, s)) + rng.normal(0.0, self.seed_spread)
        noise = float(_resolve(self.noise, b, lr, s) or 0.0)
        below = self.target - 1e-3
        if reach is None:
            top = min(final, self.target - 0.02)
            acc = self.start + (top - self.start) * (1 - np.exp(-e / max(self.epochs / 4, 1)))
            acc = acc + rng.normal(0.0, noise, e.shape)
            return np.clip(acc, 0.0, below)
        final = max(final, self.target + 0.005)
        if final > 1:
            raise ValueError("final accuracy must be <= 1")
        acc = np.empty_like(e)
        pre = e < reach
        if reach > 1:
            frac = (e[pre] - 1) / (reach - 1)
            acc[pre] = self.start + (self.target - 0.02 - self.start) * frac**0.7
        tau = max((self.epochs - reach) / 4, 1.0)
        acc[~pre] = self.target + (final - self.target) * (1 - np.exp(-(e[~pre] - reach + 1) / tau))
        acc = acc + rng.normal(0.0, noise, e.shape)
        acc[pre] = np.clip(acc[pre], 0.0, below)
        acc[~pre] = np.clip(acc[~pre], self.target, 1.0)
        return acc

    # ------------------------------------------------------------------ tables
    def history(self) -> pd.DataFrame:
        """One row per (trial, epoch), columns and dtypes as in docs/schema.md."""
        rng = np.random.default_rng(self.random_state)
        frames = []
        for trial, (b, lr, s) in enumerate(self.grid()):
            test = self._test_curve(b, lr, s, rng)  # (epochs,)
            gap = float(_resolve(self.gap, b, lr, s))
            train_end = np.clip(test + gap, 0.0, 1.0)
            # Keras' running accuracy lags the end-of-epoch figure: mean of before and after.
            before = np.concatenate([[self.start], train_end[:-1]])
            train_fit = (before + train_end) / 2
            e = np.arange(1, self.epochs + 1)
            spu = float(_resolve(self.seconds_per_update, b, lr, s))
            per_epoch = self.steps_per_epoch(b) * spu + self.seconds_per_epoch
            frame = pd.DataFrame(
                {
                    "trial": trial,
                    "cohort": self.cohort(b),
                    "seed": s,
                    "batch_size": b,
                    "learning_rate": float(lr),
                    "momentum": float(self.momentum),
                    "epoch": e,
                    "updates": e * self.steps_per_epoch(b),
                    "examples_seen": e * self.n_train,
                    "train_loss": _loss(train_fit),
                    "train_accuracy": train_fit,
                    "train_loss_end": _loss(train_end),
                    "train_accuracy_end": train_end,
                    "test_loss": _loss(test),
                    "test_accuracy": test,
                    "wall_seconds": e * per_epoch,
                    "diverged": False,
                }
            )
            div = self.diverge_epoch(b, lr, s)
            if div is not None:
                gone = frame["epoch"] >= div
                frame.loc[gone, list(METRIC_COLUMNS)] = np.nan
                frame.loc[gone, "diverged"] = True
            frames.append(frame)
        history = pd.concat(frames, ignore_index=True)
        return self._finish(history, HISTORY_COLUMNS)

    def trials(self) -> pd.DataFrame:
        """One row per trial, columns and dtypes as in docs/schema.md (status ``done``)."""
        rows = [
            {
                "trial": trial,
                "cohort": self.cohort(b),
                "seed": s,
                "batch_size": b,
                "learning_rate": float(lr),
                "momentum": float(self.momentum),
                "optimizer": self.optimizer,
                "warmup_epochs": 0.0,
                "epochs": self.epochs,
                "status": "done",
            }
            for trial, (b, lr, s) in enumerate(self.grid())
        ]
        return self._finish(pd.DataFrame(rows), TRIALS_COLUMNS)

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(trials, history)."""
        return self.trials(), self.history()

    def _finish(self, frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
        if self.study is not None:
            frame.insert(0, "study", self.study)
        for col in _INT + ("epochs",):
            if col in frame:
                frame[col] = frame[col].astype("int64")
        if "diverged" in frame:
            frame["diverged"] = frame["diverged"].astype(bool)
        keep = [c for c in columns if c in frame]
        frame = frame[keep]
        for name, value in self.extra.items():
            frame = frame.assign(**{name: value})
        return frame.reset_index(drop=True)


def make_history(**kwargs: Any) -> pd.DataFrame:
    """``SyntheticStudy(**kwargs).history()``."""
    return SyntheticStudy(**kwargs).history()


def make_trials(**kwargs: Any) -> pd.DataFrame:
    """``SyntheticStudy(**kwargs).trials()``."""
    return SyntheticStudy(**kwargs).trials()


def hand_history(
    curves: Mapping[tuple[int, float, int], Sequence[float]],
    *,
    n_train: int = 100,
    train_gap: float = 0.0,
    seconds_per_epoch: float = 1.0,
    study: str = "hand",
) -> pd.DataFrame:
    """A history from hand-written test-accuracy curves, for checking numbers by hand.

    ``curves`` maps (batch_size, learning_rate, seed) to the test accuracy per epoch; a NaN
    marks divergence (that epoch and all later ones become NaN, ``diverged`` True).
    train_accuracy_end = test_accuracy + train_gap; train_accuracy equals it;
    losses are 1 - accuracy; wall_seconds = epoch * seconds_per_epoch * batch-size cohort.
    """
    frames = []
    for trial, ((b, lr, s), values) in enumerate(curves.items()):
        test = np.asarray(values, dtype=float)
        bad = ~np.isfinite(test)
        if bad.any():
            test[int(np.argmax(bad)) :] = np.nan
        diverged = np.isnan(test)
        e = np.arange(1, len(test) + 1)
        train = test + train_gap
        frames.append(
            pd.DataFrame(
                {
                    "study": study,
                    "trial": trial,
                    "cohort": f"bs{b}",
                    "seed": s,
                    "batch_size": b,
                    "learning_rate": float(lr),
                    "momentum": 0.0,
                    "epoch": e,
                    "updates": e * math.ceil(n_train / b),
                    "examples_seen": e * n_train,
                    "train_loss": 1 - train,
                    "train_accuracy": train,
                    "train_loss_end": 1 - train,
                    "train_accuracy_end": train,
                    "test_loss": 1 - test,
                    "test_accuracy": test,
                    "wall_seconds": e * seconds_per_epoch,
                    "diverged": diverged,
                }
            )
        )
    history = pd.concat(frames, ignore_index=True)
    for col in _INT:
        history[col] = history[col].astype("int64")
    return history[list(HISTORY_COLUMNS)]
