"""Seed 003's grid: batchlab's cohorts against Keras ``fit`` as the seed runs it.

The grid: blobs, seed 003's MLP, SGD(lr=0.01, momentum=0.9), batch sizes 4..450, 200 epochs.

- batchlab: all 8 batch sizes x N seeds (default 10) with ``bl.train``, in a fresh process,
  cold: the time counts the import of batchlab (JAX, Keras), model building, every cohort's
  compilation and the training. Reported with its breakdown.
- Keras: the seed's ``fit_model`` loop (validation data, ``verbose=0``), K seeds (default 1),
  in a fresh process on Keras's JAX backend; the ratio is per seed.

Both run on this machine in the same invocation, one after the other; ratios are what to read.

    python benchmarks/bench_engine.py [--seeds 10] [--keras-seeds 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import textwrap
import time

from _machine import cpu_name

BATCHLAB = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    import batchlab as bl
    from batchlab.run import Progress
    t_import = time.perf_counter() - t0
    seeds = int(sys.argv[1])
    sizes = [4, 8, 16, 32, 64, 128, 256, 450]

    class Compiles(Progress):
        seconds = 0.0
        def cohort_done(self, plan, compile_seconds, train_seconds):
            Compiles.seconds += compile_seconds

    t1 = time.perf_counter()
    r = bl.train("blobs", bl.models.mlp([50]), bl.sgd(momentum=0.9), batch_size=sizes,
                 learning_rate=0.01, seeds=seeds, epochs=200, progress=Compiles())
    t_train = time.perf_counter() - t1
    compile_s = Compiles.seconds
    fit_s = float(r.history.groupby("cohort").wall_seconds.max().sum())
    acc = r.final().groupby("batch_size").test_accuracy.mean().round(4).to_dict()
    print(json.dumps(dict(import_s=t_import, train_call_s=t_train, compile_s=compile_s,
                          epochs_s=fit_s, total_s=time.perf_counter() - t0,
                          test_accuracy={int(k): v for k, v in acc.items()})))
    """
)

KERAS = textwrap.dedent(
    """
    import json, os, sys, time
    os.environ["KERAS_BACKEND"] = "jax"
    t0 = time.perf_counter()
    import keras
    from sklearn.datasets import make_blobs
    X, y = make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2)
    y = keras.utils.to_categorical(y)
    trainX, testX, trainy, testy = X[:500], X[500:], y[:500], y[500:]
    acc = {}
    for seed in range(int(sys.argv[1])):
        for n_batch in [4, 8, 16, 32, 64, 128, 256, 450]:
            keras.utils.set_random_seed(seed)
            model = keras.Sequential([keras.Input(shape=(2,)),
                keras.layers.Dense(50, activation="relu", kernel_initializer="he_uniform"),
                keras.layers.Dense(3, activation="softmax")])
            model.compile(loss="categorical_crossentropy", metrics=["accuracy"],
                          optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9))
            model.fit(trainX, trainy, validation_data=(testX, testy), epochs=200, verbose=0,
                      batch_size=n_batch)
            acc.setdefault(n_batch, []).append(model.evaluate(testX, testy, verbose=0)[1])
    print(json.dumps(dict(total_s=time.perf_counter() - t0,
                          test_accuracy={k: sum(v) / len(v) for k, v in acc.items()})))
    """
)


def run(code: str, arg: int) -> dict:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    out = subprocess.run(
        [sys.executable, "-c", code, str(arg)], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--keras-seeds", type=int, default=1)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    import jax

    from batchlab._backend import keras as _keras

    keras = _keras()
    machine = dict(
        python=platform.python_version(),
        cpu=cpu_name(),
        cores=os.cpu_count(),
        jax=jax.__version__,
        keras=keras.__version__,
        date=time.strftime("%Y-%m-%d"),
    )
    ours = run(BATCHLAB, args.seeds)
    theirs = run(KERAS, args.keras_seeds)
    per_seed_keras = theirs["total_s"] / args.keras_seeds
    result = dict(
        machine=machine,
        batchlab=ours,
        keras=theirs,
        keras_per_seed_s=per_seed_keras,
        speedup_vs_keras=per_seed_keras * args.seeds / ours["total_s"],
        seeds=args.seeds,
    )
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
