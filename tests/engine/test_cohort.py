"""Cohort behaviour: vmap changes nothing, divergence stays put, state round-trips."""

import numpy as np
import pytest

import batchlab as bl
from batchlab._columns import EPOCH_METRICS as METRICS
from batchlab.engine import Cohort
from batchlab.study import Trial


@pytest.fixture(scope="module")
def blobs():
    return bl.data.load_dataset("blobs")


def as_trials(values, batch_size):
    """Trials of one batch size from dicts of their values (seed, learning_rate, ...)."""
    return [Trial(trial=i, batch_size=batch_size, **v) for i, v in enumerate(values)]


def cohort(ds, trials, batch_size=7, optimizer=None, **kw):
    optimizer = optimizer or bl.sgd(momentum=0.9)
    model = bl.models.mlp([50])
    return Cohort(ds, model, optimizer, batch_size, as_trials(trials, batch_size), **kw)


@pytest.mark.parametrize(("precision", "rtol"), [("float64", 1e-10), ("float32", 1e-4)])
def test_a_trial_in_a_cohort_gets_the_numbers_it_gets_alone(blobs, request, precision, rtol):
    # float64 shows the computation is the same; in float32 a batched matmul may round
    # differently from a single one, and 4 epochs of SGD amplify that to ~1e-5.
    if precision == "float64":
        request.getfixturevalue("float64")
    trials = [
        dict(seed=s, learning_rate=lr, momentum=m)
        for s, lr, m in [(0, 0.01, 0.9), (1, 0.05, 0.0), (2, 0.001, 0.5), (3, 0.02, 0.9)]
    ]
    big = cohort(blobs, trials)
    state, rows = big.run(big.init_state(), 4)
    for k in (1, 3):
        alone = cohort(blobs, [trials[k]])
        s1, r1 = alone.run(alone.init_state(), 4)
        mine = rows[rows.trial == k].reset_index(drop=True)
        for name in METRICS:
            np.testing.assert_allclose(mine[name], r1[name], rtol=rtol, err_msg=name)
        for a, b in zip(state.params, s1.params, strict=True):
            np.testing.assert_allclose(np.asarray(a[k]), np.asarray(b[0]), rtol=rtol, atol=rtol)


def regression_cohort(ds, trials, batch_size):
    # Linear outputs under MSE: an absurd rate makes the weights overflow to inf, then NaN
    # (Keras's clipped cross-entropy stays finite, so it would not show divergence quickly).
    model = bl.models.mlp([50], output="linear")
    trials = as_trials(trials, batch_size)
    return Cohort(ds, model, bl.sgd(momentum=0.9), batch_size, trials, loss="mse")


def test_divergence_is_isolated(blobs):
    trials = [
        dict(seed=0, learning_rate=0.001, momentum=0.9),
        dict(seed=0, learning_rate=1e6, momentum=0.9),  # absurd: blows up
    ]
    c = regression_cohort(blobs, trials, batch_size=32)
    _, rows = c.run(c.init_state(), 3)
    bad = rows[rows.trial == 1]
    assert bad.diverged.all()
    assert bad[list(METRICS)].isna().all().all()
    good = rows[rows.trial == 0].reset_index(drop=True)
    assert not good.diverged.any()
    alone = regression_cohort(blobs, [trials[0]], batch_size=32)
    _, ref = alone.run(alone.init_state(), 3)
    np.testing.assert_allclose(good.test_accuracy, ref.test_accuracy, rtol=1e-6)


def test_divergence_marks_from_its_epoch_on(blobs):
    # Batch GD at a rate that is finite for the first epochs, then blows up.
    trials = [dict(seed=0, learning_rate=lr, momentum=0.9) for lr in (0.001, 0.5)]
    c = regression_cohort(blobs, trials, batch_size=500)
    _, rows = c.run(c.init_state(), 30)
    bad = rows[rows.trial == 1].sort_values("epoch")
    first = int(bad.epoch[bad.diverged].min())
    assert first > 1  # it was fine at first ...
    assert bad.diverged[bad.epoch >= first].all()  # ... and diverged from that epoch on
    assert bad.test_loss[bad.epoch < first].notna().all()
    assert bad.test_loss[bad.epoch >= first].isna().all()
    assert not rows[rows.trial == 0].diverged.any()


def test_state_round_trips_and_resumes_exactly(blobs):
    trials = [dict(seed=s, learning_rate=0.01, momentum=0.9) for s in (0, 1)]
    c = cohort(blobs, trials, optimizer=bl.adam())
    full_state, full = c.run(c.init_state(), 3)
    s2, first = c.run(c.init_state(), 2)
    arrays = c.state_arrays(s2)
    assert all(isinstance(a, np.ndarray) for a in arrays.values())
    again = cohort(blobs, trials, optimizer=bl.adam())  # a fresh process would do this
    s3, last = again.run(again.load_state(arrays), 1)
    resumed = np.concatenate([first[list(METRICS)].to_numpy(), last[list(METRICS)].to_numpy()])
    np.testing.assert_array_equal(resumed, full[list(METRICS)].to_numpy())
    assert last.epoch.tolist() == [3, 3]
    for a, b in zip(s3.params, full_state.params, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_load_state_rejects_another_cohorts_checkpoint(blobs):
    c = cohort(blobs, [dict(seed=0, learning_rate=0.01)])
    arrays = c.state_arrays(c.init_state())
    other = cohort(blobs, [dict(seed=s, learning_rate=0.01) for s in (0, 1)])
    with pytest.raises(bl.SpecError, match="checkpoint"):
        other.load_state(arrays)


def test_ragged_batches_count_every_example_once(blobs):
    # 500 = 71 * 7 + 3: 72 updates per epoch, examples_seen 500 per epoch.
    c = cohort(blobs, [dict(seed=0, learning_rate=0.01)], batch_size=7)
    _, rows = c.run(c.init_state(), 2)
    assert c.steps_per_epoch == 72
    assert rows.updates.tolist() == [72, 144]
    assert rows.examples_seen.tolist() == [500, 1000]


def test_shuffling_depends_on_seed_and_epoch_only(blobs):
    a = cohort(blobs, [dict(seed=4, learning_rate=0.01)], batch_size=16)
    b = cohort(blobs, [dict(seed=4, learning_rate=0.01)], batch_size=16)
    _, ra = a.run(a.init_state(), 2)
    _, rb = b.run(b.init_state(), 2)
    np.testing.assert_array_equal(ra[list(METRICS)].to_numpy(), rb[list(METRICS)].to_numpy())
    c = cohort(blobs, [dict(seed=4, learning_rate=0.01)], batch_size=16, shuffle=False)
    _, rc = c.run(c.init_state(), 2)
    assert not np.array_equal(ra.train_loss.to_numpy(), rc.train_loss.to_numpy())


def test_warmup_ramps_the_rate(blobs):
    # With warmup over many epochs the first epoch moves the weights less.
    trials = [dict(seed=0, learning_rate=0.05, momentum=0.0, warmup_epochs=w) for w in (0, 10)]
    c = cohort(blobs, trials, batch_size=500, optimizer=bl.sgd())
    s0 = c.init_state()
    s1, _ = c.run(s0, 1)
    moved = [
        np.sqrt(
            sum(
                float(np.sum((np.asarray(a[k]) - np.asarray(b[k])) ** 2))
                for a, b in zip(s1.params, s0.params, strict=True)
            )
        )
        for k in (0, 1)
    ]
    # Batch GD: one update per epoch; warmup's first update uses lr * 1/10.
    assert moved[1] == pytest.approx(moved[0] / 10, rel=1e-4)


def test_multilabel_logic_with_mse():
    r = bl.train(
        "logic",
        bl.models.mlp([8], activation="sigmoid", init="glorot_uniform", output="sigmoid"),
        bl.sgd(momentum=0.9),
        batch_size="full",
        learning_rate=1.0,
        seeds=1,
        epochs=300,
        loss="mse",
    )
    final = r.final()
    assert final.train_accuracy_end.iloc[0] == 1.0  # all 5 functions on all 4 rows


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (dict(batch_size=0), "batch_size"),
        (dict(batch_size=501), "batch_size"),
        (dict(learning_rate=[0.01, -1.0]), "learning_rate"),
        (dict(learning_rate=float("nan")), "learning_rate"),
        (dict(seeds=[1, 1]), "seeds"),
        (dict(seeds=[-1]), "seeds"),
        (dict(epochs=0), "epochs"),
        (dict(momentum=[1.5]), "momentum"),
        (dict(loss="hinge"), "loss"),
        (dict(optimizer="sgd"), "optimizer"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    args = dict(dataset="blobs", seeds=1, epochs=1) | kwargs
    with pytest.raises(bl.BatchlabError, match=field):
        bl.train(**args)


def test_model_with_wrong_output_width_is_refused(blobs):
    with pytest.raises(bl.BatchlabError, match="3"):
        bl.train("blobs", lambda: bl.models.mlp([4])((2,), 5), seeds=1, epochs=1)
