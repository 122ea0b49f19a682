"""The planner: grid expansion order, learning-rate rules, cohorts, the trials table."""

from __future__ import annotations

import itertools
import math
import time
import tracemalloc

import pytest

from batchlab.errors import SpecError
from batchlab.run.plan import CohortPlan, expand, plan, trials_frame
from batchlab.store.schema import TRIALS
from batchlab.study import Study, Trial, load_study


def grid(**sweep) -> Study:
    return Study(name="g", dataset="blobs", epochs=4, sweep=sweep)


def test_expand_order_is_batch_rate_momentum_seed():
    study = grid(batch_size=[8, "full"], learning_rate=[0.1, 0.01], momentum=[0.0, 0.9], seeds=2)
    trials = expand(study, n_train=500)
    assert len(trials) == study.n_trials == 16
    assert [t.trial for t in trials] == list(range(16))
    expected = itertools.product([8, 500], [0.1, 0.01], [0.0, 0.9], [0, 1])
    got = [(t.batch_size, t.learning_rate, t.momentum, t.seed) for t in trials]
    assert got == list(expected)
    assert {t.optimizer for t in trials} == {"sgd"}
    assert {t.epochs for t in trials} == {4}


def test_expand_explicit_seeds_and_points():
    study = load_study("seed003-flavors").replace(seeds=[5, 9])
    trials = expand(study, n_train=500)
    got = [(t.batch_size, t.learning_rate, t.seed) for t in trials]
    assert got == [
        (500, 0.01, 5),
        (500, 0.01, 9),
        (1, 0.01, 5),
        (1, 0.01, 9),
        (1, 0.001, 5),
        (1, 0.001, 9),
        (32, 0.01, 5),
        (32, 0.01, 9),
    ]
    assert {t.momentum for t in trials} == {0.9}


def test_linear_and_sqrt_rules_by_hand():
    study = grid(batch_size=[8, 128, "full"], learning_rate=[0.1])
    linear = study.replace(lr_rule={"rule": "linear", "reference_batch_size": 32})
    rates = [t.learning_rate for t in expand(linear, n_train=512)]
    assert rates == pytest.approx([0.1 * 8 / 32, 0.1 * 128 / 32, 0.1 * 512 / 32])
    assert rates == pytest.approx([0.025, 0.4, 1.6])
    root = study.replace(lr_rule={"rule": "sqrt", "reference_batch_size": 32, "warmup_epochs": 2})
    trials = expand(root, n_train=512)
    assert [t.learning_rate for t in trials] == pytest.approx([0.05, 0.2, 0.4])
    assert {t.base_learning_rate for t in trials} == {0.1}
    assert {t.warmup_epochs for t in trials} == {2.0}
    none = expand(study, n_train=512)
    assert [t.learning_rate for t in none] == [0.1, 0.1, 0.1]
    assert math.isclose(linear.lr_rule.factor(64), 2.0)


def test_optimizer_kinds_and_adam_momentum():
    adam = grid(batch_size=[8], learning_rate=[0.001]).replace(optimizer={"name": "adam"})
    (trial,) = expand(adam, n_train=100)
    assert trial.optimizer == "adam" and trial.momentum == 0.9
    nesterov = grid(batch_size=[8], learning_rate=[0.1], momentum=[0.9])
    nesterov = nesterov.replace(optimizer={"nesterov": True})
    assert expand(nesterov, n_train=100)[0].optimizer == "nesterov"


def test_expand_checks_the_training_set_and_max_trials():
    study = grid(batch_size=[8, 1024], learning_rate=[0.1])
    with pytest.raises(SpecError, match=r"sweep\.batch_size\[1\] = 1024"):
        expand(study, n_train=500)
    big = grid(batch_size=[1, 2, 3], learning_rate=[0.1, 0.2], seeds=3)
    with pytest.raises(SpecError, match=r"18 trials .* more than max_trials = 10"):
        expand(big, n_train=500, max_trials=10)
    assert len(expand(big, n_train=500, max_trials=18)) == 18


def test_a_huge_grid_is_refused_at_once_naming_the_axes():
    # Issue 12: seeds = 10**9 used to build the whole grid (24 GB) before max_trials.
    study = grid(batch_size=[8, 16, "full"], learning_rate=[0.1], seeds=10**9)
    tracemalloc.start()
    tic = time.perf_counter()
    try:
        assert study.n_trials == 3 * 10**9
        with pytest.raises(SpecError) as caught:
            plan(study, n_train=500)
        seconds = time.perf_counter() - tic
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "3000000000 trials" in message and "max_trials = 10000" in message
    assert "3 batch sizes x 1 learning rate x 1 momentum x 1000000000 seeds" in message
    assert seconds < 1.0 and peak < 1_000_000, (seconds, peak)


def test_plan_groups_by_batch_size():
    study = load_study("seed003-flavors")
    cohorts = plan(study, n_train=500)
    assert [(c.cohort, c.batch_size, c.optimizer, c.size) for c in cohorts] == [
        ("bs500-sgd", 500, "sgd", 5),
        ("bs1-sgd", 1, "sgd", 10),
        ("bs32-sgd", 32, "sgd", 5),
    ]
    bs1 = cohorts[1]
    assert {t.learning_rate for t in bs1.trials} == {0.01, 0.001}
    for cohort in cohorts:
        assert {t.cohort_key for t in cohort.trials} == {(cohort.batch_size, "sgd", 200, "")}
    all_ids = sorted(i for c in cohorts for i in c.trial_ids)
    assert all_ids == list(range(study.n_trials))


def test_plan_splits_large_cohorts_evenly():
    study = grid(batch_size=[8, 16], learning_rate=[0.1, 0.01], seeds=5)  # 10 per batch size
    cohorts = plan(study, n_train=100, max_cohort_size=4)
    assert [(c.cohort, c.size) for c in cohorts] == [
        ("bs8-sgd-0", 4),
        ("bs8-sgd-1", 3),
        ("bs8-sgd-2", 3),
        ("bs16-sgd-0", 4),
        ("bs16-sgd-1", 3),
        ("bs16-sgd-2", 3),
    ]
    assert [t.trial for c in cohorts for t in c.trials] == list(range(20))
    assert [c.cohort for c in plan(study, 100, max_cohort_size=10)] == ["bs8-sgd", "bs16-sgd"]
    with pytest.raises(SpecError, match="max_cohort_size = 0"):
        plan(study, 100, max_cohort_size=0)


def test_trials_frame_matches_the_schema():
    study = load_study("seed003-flavors")
    cohorts = plan(study, n_train=500, max_cohort_size=4)
    frame = trials_frame(cohorts, study.name)
    assert list(frame.columns) == list(TRIALS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        c: ("str" if t == "str" else t) for c, t in TRIALS.items()
    }
    assert frame["trial"].tolist() == list(range(20))
    assert set(frame["status"]) == {"pending"}
    assert set(frame["study"]) == {study.name}
    by_trial = {t.trial: c.cohort for c in cohorts for t in c.trials}
    assert frame["cohort"].tolist() == [by_trial[i] for i in range(20)]
    plain = trials_frame(expand(study, 500), study.name)
    assert set(plain["cohort"]) == {"bs500-sgd", "bs1-sgd", "bs32-sgd"}


def test_dataclasses_are_frozen():
    trial = expand(grid(batch_size=[8], learning_rate=[0.1]), 100)[0]
    assert isinstance(trial, Trial)
    with pytest.raises(AttributeError):
        trial.seed = 3  # type: ignore[misc]
    cohort = plan(grid(batch_size=[8], learning_rate=[0.1]), 100)[0]
    assert isinstance(cohort, CohortPlan)
    with pytest.raises(AttributeError):
        cohort.cohort = "x"  # type: ignore[misc]
