"""The cnn2d on MNIST-shaped data: trial-epochs per second, cohorts against Keras ``fit``.

Data: synthetic, in memory (no loader): ``N`` training images (28, 28, 1) and N/4 test
images, 10 classes, float32. Model: ``bl.models.cnn2d()`` (two conv/pool blocks of 16 and
32 channels, a dense layer of 64; about 106k weights). SGD(0.01, momentum 0.9), batch 64,
unshuffled on both sides.

- batchlab: a :class:`batchlab.engine.Cohort` of K trials (seeds 0..K-1), compiled first;
  then ``--epochs`` epochs timed. Each epoch also evaluates the full training and test sets
  (the ``*_end`` and ``test_*`` columns).
- Keras: ``fit`` one model at a time (``validation_data`` = the test set, ``verbose=0``), one
  warm-up epoch (compilation), then ``--epochs`` epochs timed; one model's rate is Keras's
  rate at any K, since ``fit`` trains models one after the other.

Reported: trial-epochs per second (K x epochs / seconds) in steady state, the compile time,
and the ratio cohort / Keras, all from the same invocation.

    python benchmarks/bench_models.py [--k 1 8 32] [--n 2000] [--epochs 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
from _machine import cpu_name, load_average

import batchlab as bl
from batchlab._backend import keras as _keras
from batchlab.data import Dataset
from batchlab.engine import Cohort
from batchlab.study import Trial

BATCH, LR, MOMENTUM = 64, 0.01, 0.9


def mnist_shaped(n: int) -> Dataset:
    rng = np.random.default_rng(0)
    n_test = max(n // 4, 1)
    y = rng.integers(0, 10, n + n_test)
    x = rng.random((n + n_test, 28, 28, 1), dtype=np.float32)
    x[np.arange(n + n_test), 2 * y + 4, 2 * y + 4, 0] += 2.0  # something to learn
    return Dataset("mnist-shaped", x[:n], y[:n], x[n:], y[n:], "classification", 10)


def cohort_rate(ds: Dataset, k: int, epochs: int) -> dict:
    trials = [
        Trial(trial=s, seed=s, batch_size=BATCH, learning_rate=LR, momentum=MOMENTUM)
        for s in range(k)
    ]
    tic = time.perf_counter()
    cohort = Cohort(ds, bl.models.cnn2d(), bl.sgd(momentum=MOMENTUM), BATCH, trials, shuffle=False)
    state = cohort.init_state()
    build_s = time.perf_counter() - tic
    cohort.prepare()
    tic = time.perf_counter()
    state, rows = cohort.run(state, epochs=epochs)
    seconds = time.perf_counter() - tic
    return dict(
        k=k,
        build_s=build_s,
        compile_s=cohort.compile_seconds,
        epochs_s=seconds,
        trial_epochs_per_s=k * epochs / seconds,
        final_train_loss=float(rows[rows.epoch == rows.epoch.max()].train_loss.mean()),
    )


def keras_rate(ds: Dataset, epochs: int) -> dict:
    keras = _keras()
    keras.utils.set_random_seed(0)
    tic = time.perf_counter()
    model = bl.models.cnn2d()(ds.input_shape, ds.n_outputs)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(LR, momentum=MOMENTUM),
        metrics=["accuracy"],
    )
    data = dict(
        x=ds.x_train, y=ds.y_train, batch_size=BATCH, shuffle=False, verbose=0,
        validation_data=(ds.x_test, ds.y_test),
    )  # fmt: skip
    model.fit(epochs=1, **data)  # compiles
    warm_s = time.perf_counter() - tic
    tic = time.perf_counter()
    history = model.fit(epochs=epochs, **data)
    seconds = time.perf_counter() - tic
    return dict(
        first_epoch_s=warm_s,
        epochs_s=seconds,
        trial_epochs_per_s=epochs / seconds,
        final_train_loss=float(history.history["loss"][-1]),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    import jax

    keras = _keras()
    machine = dict(
        python=platform.python_version(),
        cpu=cpu_name(),
        cores=os.cpu_count(),
        device=str(jax.devices()[0]),
        jax=jax.__version__,
        keras=keras.__version__,
        load_average=load_average(),
        date=time.strftime("%Y-%m-%d %H:%M"),
    )
    ds = mnist_shaped(args.n)
    print(json.dumps(machine), flush=True)
    theirs = keras_rate(ds, args.epochs)
    print(
        f"Keras fit, one model: {theirs['trial_epochs_per_s']:.3f} trial-epochs/s "
        f"(first epoch with compile {theirs['first_epoch_s']:.1f} s)",
        flush=True,
    )
    print("   K  trial-epochs/s  ratio vs fit  compile s  epochs s", flush=True)
    ours = []
    for k in args.k:  # printed as they finish: K = 32 is long on a small CPU
        r = cohort_rate(ds, k, args.epochs)
        r["ratio_vs_keras"] = r["trial_epochs_per_s"] / theirs["trial_epochs_per_s"]
        ours.append(r)
        print(
            f"{r['k']:4d}  {r['trial_epochs_per_s']:14.3f}  {r['ratio_vs_keras']:11.2f}x"
            f"  {r['compile_s']:9.1f}  {r['epochs_s']:8.1f}",
            flush=True,
        )
    machine["load_average_after"] = load_average()
    print(json.dumps({"load_average_after": machine["load_average_after"]}), flush=True)
    result = dict(machine=machine, n_train=args.n, batch_size=BATCH, epochs=args.epochs,
                  keras=theirs, cohorts=ours)  # fmt: skip
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
