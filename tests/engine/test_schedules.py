"""Learning-rate and batch-size schedules in the engine, against hand computation and Keras.

- the rate each update applies (read back from the optimizer state) equals the schedule
  computed by hand (warmup ramp x cosine / linear / step multiplier);
- a step-decay run equals a run stitched from two constant-rate pieces (momentum 0.9);
- a step-decay run with plain SGD equals Keras ``fit`` with ``PiecewiseConstantDecay``;
- a batch-size schedule (32 -> 100 at epoch 2) with momentum equals Keras ``fit`` called
  twice, at each batch size, carrying its optimizer state.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import batchlab as bl
from batchlab._backend import keras as _keras
from batchlab.engine import Cohort, PhasedCohort, Shared
from batchlab.engine._state import trial_params
from batchlab.study import Trial
from batchlab.study._schedule import RateSchedule

keras = _keras()
DS = bl.data.load_dataset("blobs")  # 500 training examples


def seed003_model(*_):
    model = keras.Sequential()
    model.add(keras.Input(shape=(2,)))
    model.add(keras.layers.Dense(50, activation="relu", kernel_initializer="he_uniform"))
    model.add(keras.layers.Dense(3, activation="softmax"))
    return model


def trials(batch_size, rate, momentum=0.0, seeds=(0, 1), warmup=0.0):
    return [
        Trial(
            trial=i,
            seed=s,
            batch_size=batch_size,
            learning_rate=rate,
            momentum=momentum,
            warmup_epochs=warmup,
        )
        for i, s in enumerate(seeds)
    ]


def cohort(batch_size, rate, optimizer, schedule=None, epochs=4, warmup=0.0, shared=None):
    return Cohort(
        DS,
        seed003_model,
        optimizer,
        batch_size,
        trials(batch_size, rate, optimizer.default_momentum, warmup=warmup),
        shuffle=False,
        rate_schedule=schedule,
        total_epochs=epochs,
        shared=shared,
    )


def hand_rate(kind, epoch, i, steps, *, peak, warmup_steps, total, floor=0.0, bounds=(), f=1.0):
    """The rate of update ``i`` of ``epoch``, written out from the definitions."""
    count = epoch * steps + i
    ramp = min(1.0, (count + 1) / warmup_steps) if warmup_steps > 0 else 1.0
    t = (epoch + i / steps) / total
    if kind == "cosine":
        mult = floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t))
    elif kind == "linear":
        mult = 1 + (floor - 1) * t
    else:
        mult = f ** sum(epoch >= b for b in bounds)
    return peak * ramp * mult


@pytest.mark.parametrize(
    "schedule",
    [
        RateSchedule("cosine", floor=0.1),
        RateSchedule("linear", floor=0.0),
        RateSchedule("step", (1, 3), 0.5),
    ],
    ids=lambda s: s.kind,
)
def test_each_update_applies_the_hand_computed_rate(schedule):
    """Every update's rate equals the schedule written out by hand, warmup over the first
    1.5 epochs included; for the cosine schedule also the rate the optimizer applied (its
    state's ``learning_rate`` after the last update of each epoch)."""
    c = cohort(100, 0.2, bl.sgd(momentum=0.9), schedule, epochs=4, warmup=1.5)
    steps = c.steps_per_epoch  # 5

    def theirs(epoch, i):
        return hand_rate(
            schedule.kind,
            epoch,
            i,
            steps,
            peak=0.2,
            warmup_steps=1.5 * steps,
            total=4,
            floor=schedule.floor,
            bounds=schedule.epochs,
            f=schedule.factor,
        )

    values = jax.tree.map(lambda v: v[0], c.values)
    for epoch in range(4):
        for i in range(steps):
            ours = float(c._rate(values, jnp.int32(epoch), jnp.int32(i)))
            assert ours == pytest.approx(theirs(epoch, i), rel=1e-6), (epoch, i)
    if schedule.kind != "cosine":
        return
    state = c.init_state()
    for epoch in range(2):
        state, _ = c.run(state, 1)
        applied = np.asarray(state.opt_state.hyperparams["learning_rate"])
        np.testing.assert_allclose(applied, theirs(epoch, steps - 1), rtol=1e-6)


def test_step_decay_equals_constant_rate_pieces_stitched():
    """Momentum 0.9, rate 0.1 divided by 5 at epoch 2: the same weights and rows as 2
    epochs at 0.1, then the state loaded into a cohort at 0.02 for 2 more epochs."""
    shared = Shared()
    scheduled = cohort(
        32, 0.1, bl.sgd(momentum=0.9), RateSchedule("step", (2,), 0.2), 4, shared=shared
    )
    state, rows = scheduled.run(scheduled.init_state(), 4)
    first = cohort(32, 0.1, bl.sgd(momentum=0.9), shared=shared)
    s1, rows1 = first.run(first.init_state(), 2)
    second = cohort(32, 0.1 * 0.2, bl.sgd(momentum=0.9), shared=shared)
    s2, rows2 = second.run(second.load_state(first.state_arrays(s1)), 2)
    for ours, theirs in zip(state.params, s2.params, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
    metrics = ["train_loss", "train_accuracy", "test_loss", "test_accuracy", "updates"]
    stitched = np.concatenate([rows1[metrics].to_numpy(), rows2[metrics].to_numpy()])
    np.testing.assert_allclose(rows[metrics].to_numpy(), stitched, rtol=1e-5)


def keras_model(seed, optimizer):
    keras.utils.set_random_seed(seed)
    model = seed003_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer)
    return model


def weights(model):
    return [v.numpy() for v in model.trainable_variables]


def rel_error(ours, theirs):
    num = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(ours, theirs, strict=True)))
    return num / np.sqrt(sum(np.sum(b**2) for b in theirs))


def test_step_decay_equals_keras_fit_with_piecewise_constant_decay():
    """Plain SGD at 0.1, times 0.2 from epoch 2 (update 2 * 16 on, batch 32):
    ``keras.optimizers.schedules.PiecewiseConstantDecay`` (its value at the update count)."""
    c = cohort(32, 0.1, bl.sgd(), RateSchedule("step", (2,), 0.2), 3)
    state, _ = c.run(c.init_state(), 3)
    steps = c.steps_per_epoch
    decay = keras.optimizers.schedules.PiecewiseConstantDecay([2 * steps - 1], [0.1, 0.02])
    model = keras_model(1, keras.optimizers.SGD(decay))
    model.fit(DS.x_train, DS.y_train, batch_size=32, epochs=3, shuffle=False, verbose=0)
    ours = trial_params(c.state_arrays(state), 1)
    assert rel_error(ours, weights(model)) < 1e-5


def phased(sizes_at, optimizer, rate, initial=32):
    shared = Shared()

    def make(b):
        ts = trials(b, rate, optimizer.default_momentum)
        return Cohort(DS, seed003_model, optimizer, b, ts, shuffle=False, shared=shared)

    return PhasedCohort(make, sizes_at, initial)


def test_batch_size_schedule_equals_keras_fit_at_each_batch_size():
    """Batch 32 for 2 epochs, then 100 (momentum 0.9, rate 0.05): Keras ``fit`` for 2
    epochs at 32, then ``fit(initial_epoch=2)`` at 100 -- the velocity carried over."""
    c = phased(lambda e: 32 if e < 2 else 100, bl.sgd(momentum=0.9), 0.05)
    state, rows = c.run(c.init_state(), 3)
    model = keras_model(1, keras.optimizers.SGD(0.05, momentum=0.9))
    model.fit(DS.x_train, DS.y_train, batch_size=32, epochs=2, shuffle=False, verbose=0)
    model.fit(
        DS.x_train, DS.y_train, batch_size=100, epochs=3, initial_epoch=2, shuffle=False, verbose=0
    )
    assert rel_error(trial_params(c.state_arrays(state), 1), weights(model)) < 1e-5
    mine = rows[rows.trial == 1]
    assert mine["epoch_batch_size"].tolist() == [32, 32, 100]
    assert mine["batch_size"].tolist() == [32, 32, 32]
    assert mine["updates"].tolist() == [16, 32, 37]  # ceil(500/32) = 16, then 500/100 = 5
    assert mine["examples_seen"].tolist() == [500, 1000, 1500]


def test_the_adaptive_policy_by_hand():
    from batchlab.engine._adaptive import choose, nearest_power_of_2

    assert [nearest_power_of_2(v) for v in (0.7, 3.0, 5.9, 6.1, 100.0)] == [1, 4, 8, 8, 128]
    assert nearest_power_of_2(float("nan")) is None and nearest_power_of_2(-1.0) is None
    assert choose(16, 100.0, 8, 64) == 64  # 128, clipped to the max
    assert choose(16, 3.0, 8, 64) == 16  # 4 -> the min 8 -> never below the current 16
    assert choose(16, 40.0, 8, 64) == 32
    assert choose(32, float("nan"), 8, 64) == 32  # a diverged trial keeps its size
