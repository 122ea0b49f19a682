"""Models with state besides their weights, against Keras ``fit`` itself.

BatchNorm (moving mean and variance), dropout and Keras's random preprocessing layers
(RandomFlip, RandomTranslation, RandomCrop inside the model) keep state in non-trainable
variables: the statistics, and each layer's ``SeedGenerator`` state. The cohort carries them
per trial in its vmapped state and threads them through ``stateless_call`` as ``fit`` does, so:

- BatchNorm: the statistics move in training steps only and are what evaluation uses; weights
  and statistics equal ``fit``'s to float32 tolerance.
- Dropout and the random layers are compared EXACTLY, not statistically: a trial's seed
  generators start from the state Keras gives them for its seed
  (``set_random_seed(seed)`` then building the model) and advance once per training step, so
  the cohort replays Keras's own random stream and draws the same masks, flips and shifts.
  The seed-generator states after training equal ``fit``'s bit for bit, and the weights equal
  ``fit``'s to float32 tolerance.

Unshuffled, as in ``test_keras_exactness.py``, with a ragged last batch (28 = 2 * 12 + 4): a
BatchNorm batch must hold exactly the real examples, as ``fit``'s shorter last batch does.
"""

import numpy as np

import batchlab as bl
from batchlab._backend import keras as _keras
from batchlab.data import Dataset
from batchlab.engine import Cohort
from batchlab.study import Trial

keras = _keras()
EPOCHS, BATCH, LR, MOMENTUM = 2, 12, 0.05, 0.9  # 28 = 2 * 12 + 4: a ragged last batch
SEEDS = (0, 1)  # a cohort of two; Keras trains the second


def tiny_images():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 3, 40)
    return Dataset("tiny-images", x[:28], y[:28], x[28:], y[28:], "classification", 3)


def batchnorm_model(input_shape, n_outputs):
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(4, 3),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.Flatten(),
            keras.layers.Dense(n_outputs, activation="softmax"),
        ]
    )


def random_model(input_shape, n_outputs):
    """BatchNorm + dropout + the three random augmentation layers."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.RandomFlip("horizontal"),
            keras.layers.RandomTranslation(0.2, 0.2),
            keras.layers.RandomCrop(6, 6),
            keras.layers.Conv2D(4, 3),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            # Keras's RandomCrop crops in training only: pooling takes both sizes.
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dropout(0.4),
            keras.layers.Dense(n_outputs, activation="softmax"),
        ]
    )


def dense_model(input_shape, n_outputs):
    """BatchNorm and dropout on a small dense network (quick to compile)."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(8),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(n_outputs, activation="softmax"),
        ]
    )


def cohort_and_fit(build):
    ds = tiny_images()
    trials = [
        Trial(trial=i, seed=s, batch_size=BATCH, learning_rate=LR, momentum=MOMENTUM)
        for i, s in enumerate(SEEDS)
    ]
    cohort = Cohort(ds, build, bl.sgd(momentum=MOMENTUM), BATCH, trials, shuffle=False)
    state, rows = cohort.run(cohort.init_state(), epochs=EPOCHS)

    keras.utils.set_random_seed(SEEDS[1])
    model = build(ds.input_shape, ds.n_outputs)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(LR, momentum=MOMENTUM),
        metrics=["accuracy"],
    )
    history = model.fit(
        ds.x_train, ds.y_train, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0
    )
    test_loss, test_accuracy = model.evaluate(ds.x_test, ds.y_test, verbose=0)
    mine = rows[rows.trial == 1].sort_values("epoch")
    return cohort, state, mine, model, history.history, (test_loss, test_accuracy)


def assert_close(ours, theirs, rtol=1e-5, atol=1e-6):
    for a, v in zip(ours, theirs, strict=True):
        ours = np.asarray(a[1])
        np.testing.assert_allclose(ours, v.numpy(), rtol=rtol, atol=atol, err_msg=v.path)


def test_batchnorm_statistics_match_fit():
    cohort, state, mine, model, history, test = cohort_and_fit(batchnorm_model)
    assert [v.name for v in model.non_trainable_variables] == ["moving_mean", "moving_variance"]
    assert_close(state.params, model.trainable_variables)
    assert_close(state.non_trainable, model.non_trainable_variables)
    # Training moved the statistics; evaluation used them (fit's evaluate gives the same loss).
    assert not np.allclose(np.asarray(state.non_trainable[1][1]), 1.0)
    np.testing.assert_allclose(mine.train_loss, history["loss"], rtol=1e-5)
    np.testing.assert_allclose(mine.test_loss.iloc[-1], test[0], rtol=1e-5)
    np.testing.assert_allclose(mine.test_accuracy.iloc[-1], test[1], atol=1e-6)


def test_dropout_and_random_layers_replay_keras_stream_exactly():
    cohort, state, mine, model, history, test = cohort_and_fit(random_model)
    seeds = [v for v in model.non_trainable_variables if "seed_generator" in v.path]
    assert len(seeds) == 4  # flip, translation, crop, dropout
    steps = EPOCHS * cohort.steps_per_epoch
    # The random streams: the same starting states and the same number of draws as fit.
    for ours, theirs in zip(state.non_trainable, model.non_trainable_variables, strict=True):
        if "seed_generator" in theirs.path:
            np.testing.assert_array_equal(np.asarray(ours[1]), theirs.numpy())
            assert int(theirs.numpy()[1]) in (steps, 2 * steps)  # RandomCrop draws twice
            assert int(np.asarray(ours[0])[0]) != int(theirs.numpy()[0])  # trial 0: its own
    assert_close(state.params, model.trainable_variables)
    assert_close(state.non_trainable, model.non_trainable_variables)
    np.testing.assert_allclose(mine.train_loss, history["loss"], rtol=1e-5)
    np.testing.assert_allclose(mine.train_accuracy, history["accuracy"], atol=1e-6)
    np.testing.assert_allclose(mine.test_loss.iloc[-1], test[0], rtol=1e-5)


def test_a_resumed_cohort_continues_the_random_stream():
    """The checkpoint holds the statistics and the seed-generator states (uint32): one epoch,
    a checkpoint, one more epoch ends where two epochs in a row end."""
    ds = tiny_images()
    trials = [Trial(trial=0, seed=3, batch_size=BATCH, learning_rate=LR)]
    cohort = Cohort(ds, dense_model, bl.sgd(), BATCH, trials, shuffle=False)
    straight, _ = cohort.run(cohort.init_state(), epochs=2)
    half, _ = cohort.run(cohort.init_state(), epochs=1)
    arrays = cohort.state_arrays(half)
    assert any(a.dtype == np.uint32 for a in arrays.values())
    resumed, _ = cohort.run(cohort.load_state(arrays), epochs=1)
    ours = resumed.params + resumed.non_trainable
    for a, b in zip(ours, straight.params + straight.non_trainable, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
