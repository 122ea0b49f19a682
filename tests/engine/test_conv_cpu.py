"""Convolutions on the CPU (engine/_conv.py): gradients in the standard layout equal JAX's,
and a conv cohort trained one trial after another gives the vmapped cohort's rows."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from batchlab._backend import keras
from batchlab.data import Dataset
from batchlab.engine import Cohort
from batchlab.engine._conv import canonical_convs, conv_mode, has_conv
from batchlab.models import cnn1d, mlp
from batchlab.study import Trial, sgd

CASES = [  # spatial dims, dimension numbers, padding, strides, rhs dilation, input size, kernel
    (1, ("NWC", "WIO", "NWC"), "SAME", (2,), (1,), (40,), (5,)),
    (1, ("NWC", "WIO", "NWC"), "VALID", (3,), (2,), (41,), (5,)),
    (1, ("NCW", "OIW", "NCW"), ((2, 1),), (1,), (1,), (17,), (4,)),
    (2, ("NHWC", "HWIO", "NHWC"), "SAME", (2, 2), (1, 1), (12, 11), (3, 3)),
    (2, ("NCHW", "OIHW", "NCHW"), "VALID", (1, 2), (2, 1), (9, 10), (3, 2)),
]


@pytest.mark.parametrize("nd, dn, padding, strides, dilation, size, kernel", CASES)
def test_standard_layout_gradients_equal_jax(nd, dn, padding, strides, dilation, size, kernel):
    rng = np.random.default_rng(nd)
    channels_first = dn[0][1] == "C"
    x_shape = (4, 3, *size) if channels_first else (4, *size, 3)
    w_shape = (6, 3, *kernel) if channels_first else (*kernel, 3, 6)
    x = rng.normal(size=x_shape).astype(np.float32)
    w = rng.normal(size=w_shape).astype(np.float32)

    def f(x, w):
        y = lax.conv_general_dilated(
            x, w, strides, padding, rhs_dilation=dilation, dimension_numbers=dn
        )
        return jnp.sum(jnp.sin(y))

    assert f(x, w) == canonical_convs(f)(x, w)
    want = jax.grad(f, (0, 1))(x, w)
    got = jax.grad(canonical_convs(f), (0, 1))(x, w)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5 * float(jnp.max(jnp.abs(b))))


def _dataset(input_shape, n_train=48, n_test=16, classes=3):
    rng = np.random.default_rng(0)
    y = rng.integers(0, classes, n_train + n_test).astype(np.int32)
    x = rng.normal(size=(n_train + n_test, *input_shape)).astype(np.float32)
    x += y.reshape(-1, *([1] * len(input_shape))) * 0.5
    return Dataset(
        "conv", x[:n_train], y[:n_train], x[n_train:], y[n_train:], "classification", classes
    )


def _cnn2d(input_shape, n_outputs):
    k = keras()
    return k.Sequential(
        [
            k.Input(input_shape),
            k.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
            k.layers.Conv2D(5, (2, 3), padding="valid", activation="relu"),
            k.layers.Flatten(),
            k.layers.Dense(n_outputs, activation="softmax"),
        ]
    )


@pytest.mark.parametrize(
    "builder, shape",
    [(cnn1d(filters=(4, 5), kernel_size=3), (12,)), (_cnn2d, (6, 6, 2))],
    ids=["cnn1d", "cnn2d"],
)
def test_a_conv_cohort_one_trial_after_another_gives_the_vmapped_rows(builder, shape):
    ds = _dataset(shape)
    trials = [
        Trial(trial=i, seed=i, batch_size=10, learning_rate=lr)
        for i, lr in enumerate([0.05, 0.1, 0.02])
    ]
    rows = {}
    for mode in ("map", "vmap"):
        cohort = Cohort(ds, builder, sgd(momentum=0.9), 10, trials)
        cohort.mode = mode
        _, rows[mode] = cohort.run(cohort.init_state(), 1)
    cols = [
        "train_loss",
        "train_accuracy",
        "train_loss_end",
        "train_accuracy_end",
        "test_loss",
        "test_accuracy",
    ]
    np.testing.assert_allclose(
        rows["map"][cols].to_numpy(), rows["vmap"][cols].to_numpy(), rtol=1e-5, atol=1e-6
    )
    assert (rows["map"].trial.to_numpy() == rows["vmap"].trial.to_numpy()).all()


def test_only_conv_models_on_the_cpu_map_their_trials():
    k = keras()
    assert has_conv(cnn1d()((40,), 10)) and has_conv(_cnn2d((6, 6, 1), 3))
    assert not has_conv(mlp()((2,), 3))
    assert conv_mode(mlp()((2,), 3)) == "vmap"
    expected = "map" if jax.default_backend() == "cpu" else "vmap"
    assert conv_mode(cnn1d()((40,), 10)) == expected
    del k
