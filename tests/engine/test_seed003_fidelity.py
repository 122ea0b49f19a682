"""Fidelity to seed 003: batchlab lands where Keras ``fit`` lands, over seeds.

Both sides start from the same initial weights per seed (``set_random_seed(s)`` then the model);
they differ in the shuffling (Keras's own RNG vs batchlab's per-(seed, epoch) permutation), so
the comparison is of means over seeds. The issue's bar: within 0.03 over 10 seeds. Under
``CI=true`` fewer seeds (and, for the costly batch-size-1 runs, fewer epochs) are run; the bar
is then the wider of 0.03 and three standard errors of the difference of the two means, so a
shrunk run is not a coin toss. The full-size run asserts the 0.03 bar itself.
"""

import math

import numpy as np
import pytest
from helpers.env import CI
from helpers.seed003 import BATCH_SIZES, FLAVORS, fit_model, keras_grid, steps_per_execution

import batchlab as bl

N_SEEDS = 3 if CI else 10


def tolerance(ours: np.ndarray, theirs: np.ndarray) -> float:
    if not CI:
        return 0.03
    se = math.sqrt(ours.var(ddof=1) / len(ours) + theirs.var(ddof=1) / len(theirs))
    return max(0.03, 3 * se)


@pytest.mark.slow
def test_eight_batch_sizes_match_keras_fit():
    seeds = list(range(N_SEEDS))
    result = bl.train(
        "blobs",
        bl.models.mlp([50]),
        bl.sgd(momentum=0.9),
        batch_size=BATCH_SIZES,
        learning_rates=0.01,
        seeds=seeds,
        epochs=200,
    )
    final = result.final().pivot_table(index="batch_size", columns="seed", values="test_accuracy")
    ours = final.loc[BATCH_SIZES].to_numpy()  # (sizes, seeds)
    theirs = keras_grid(seeds)
    lines = []
    for i, b in enumerate(BATCH_SIZES):
        diff = abs(ours[i].mean() - theirs[i].mean())
        tol = tolerance(ours[i], theirs[i])
        lines.append(f"batch {b}: batchlab {ours[i].mean():.3f} keras {theirs[i].mean():.3f}")
        assert diff <= tol, "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "batch_size", "lr", "reported"), FLAVORS)
def test_the_four_runs_land_where_keras_fit_lands(name, batch_size, lr, reported):
    epochs = 40 if CI and batch_size == 1 else 200
    seeds = list(range(2 if CI and batch_size == 1 else N_SEEDS))
    result = bl.train(
        "blobs",
        bl.models.mlp([50]),
        bl.sgd(momentum=0.9),
        batch_size=batch_size,
        learning_rates=lr,
        seeds=seeds,
        epochs=epochs,
    )
    ours = result.final().sort_values("seed").test_accuracy.to_numpy()
    theirs = np.array(
        [fit_model(s, batch_size, lr, epochs, steps_per_execution(batch_size))[1] for s in seeds]
    )
    assert abs(ours.mean() - theirs.mean()) <= tolerance(ours, theirs), (ours, theirs)
    # The seed printed one run of each: our typical run (the median over seeds, robust to the
    # occasional seed that sticks on a plateau) lands within 0.05 of it. The seed's unstable
    # run (SGD at lr 0.01) reproduces as instability: far below the stable runs.
    if name == "stochastic lr=0.01":
        assert np.median(ours) < 0.75, ours
    else:
        assert abs(np.median(ours) - reported["test"]) <= 0.05, (ours, reported)
