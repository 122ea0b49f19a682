"""Fixed costs and peers, measured in ONE run: batchlab cold, cache-warm and warm in-process
against Keras ``fit``, a PyTorch loop and a hand-written JAX floor, on seed 003's grid.

    python benchmarks/bench_perf.py [--quick] [--json out.json] [--only grid,keras,...]

Parts (each in its own fresh Python process, one after the other, so ratios share the load):

- ``grid``: seed 003's grid (blobs, MLP [50], SGD lr 0.01 momentum 0.9, batch sizes 4..450,
  200 epochs) x 10 seeds with ``bl.train``: a process with an EMPTY compilation cache (cold),
  then a second process on the cache the first wrote (cache-warm); in each, the same call a
  second time (warm in-process). Per phase: import, model set-up (initial weights), lowering,
  compiling (both in a background thread while the previous cohort trains), training, store.
- ``keras``: the seed's own code (``Sequential``, ``fit`` with validation data), 1 seed, on
  Keras's JAX backend; scaled x10 for the ratio.
- ``torch``: an idiomatic PyTorch loop (``nn.Sequential``, ``torch.optim.SGD``, a shuffled
  index per epoch, train and test accuracy every epoch), 1 seed, scaled x10.
- ``floor``: a hand-written JAX program: each batch size's whole training in one ``scan``,
  the 10 seeds vmapped, train and test accuracy every epoch (the same initial weights and
  batch orders as batchlab); timed once compiled.
- ``scaling``: trial-epochs per second of one cohort of K = 1, 4, 16, 64, 256 trials at batch
  4 and 64 on blobs (MLP [50]) and mnist1d (MLP [100, 100]).
- ``flops``: achieved FLOP/s of the mnist1d MLP cohort at K = 64, batch 128, against the
  attainable matmul FLOP/s measured here.
- ``conv``: the mnist1d 1-D CNN, K = 1 and 8, batchlab against Keras ``fit`` (trial-epochs/s).
- ``threads``: two compiled cohorts one after the other against the two on two threads.
- ``study``: the 400-trial study (8 batch sizes x 5 rates x 10 seeds, blobs, 200 epochs)
  end to end in a new process (import, checks, store, compile from an empty cache, train).

The final test accuracies of every peer are checked per batch size against batchlab's (within
0.03). ``--quick`` shrinks the epochs, seeds and populations (a smoke run, not the numbers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import cpu_name

SIZES = [4, 8, 16, 32, 64, 128, 256, 450]
PARTS = ("grid", "keras", "torch", "floor", "study", "flops", "threads", "scaling", "conv")


# -- parts, each run in a fresh process ---------------------------------------------------


def part_grid(cfg) -> dict:
    """bl.train on the grid twice in this process, with phase timings."""
    t0 = time.perf_counter()
    import batchlab as bl

    t_import = time.perf_counter() - t0
    from batchlab.engine import _cohort, _weights
    from batchlab.run import _runner

    phases = {"model_setup": 0.0, "lowering": 0.0, "compiling": 0.0, "store": 0.0}
    cohorts = []

    def timed(fn, name):
        def wrapper(*a, **k):
            tic = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                phases[name] += time.perf_counter() - tic

        return wrapper

    _cohort.initial_weights = timed(_weights.initial_weights, "model_setup")
    _weights.InitialWeights.__call__ = timed(_weights.InitialWeights.__call__, "model_setup")
    _runner.Chunk.commit = timed(_runner.Chunk.commit, "store")
    original_init = _cohort.Cohort.__init__

    def init(self, *a, **k):
        original_init(self, *a, **k)
        cohorts.append(self)

    _cohort.Cohort.__init__ = init

    def call():
        for k in phases:
            phases[k] = 0.0
        cohorts.clear()
        tic = time.perf_counter()
        r = bl.train(
            "blobs",
            bl.models.mlp([50]),
            bl.sgd(momentum=0.9),
            batch_size=SIZES,
            learning_rate=0.01,
            seeds=cfg["seeds"],
            epochs=cfg["epochs"],
        )
        total = time.perf_counter() - tic
        tic = time.perf_counter()
        final = r.final()
        phases["store"] += time.perf_counter() - tic
        out = dict(phases)
        out["lowering"] = sum(c.lower_seconds for c in cohorts)
        out["compiling"] = sum(c.compile_seconds for c in cohorts)
        out["training"] = float(r.history.groupby("cohort").wall_seconds.max().sum())
        acc = final.groupby("batch_size").test_accuracy.mean()
        seed0 = final[final.seed == 0].groupby("batch_size").test_accuracy.mean()
        return dict(
            call_s=total,
            phases=out,
            test_accuracy={int(k): float(v) for k, v in acc.items()},
            seed0_test_accuracy={int(k): float(v) for k, v in seed0.items()},
        )

    first = call()
    first["process_s"] = time.perf_counter() - t0
    second = call()
    return dict(import_s=t_import, first=first, second=second)


def part_keras(cfg) -> dict:
    os.environ["KERAS_BACKEND"] = "jax"
    t0 = time.perf_counter()
    import keras
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2)
    y = keras.utils.to_categorical(y)
    trainx, testx, trainy, testy = x[:500], x[500:], y[:500], y[500:]
    acc = {}
    for n_batch in SIZES:
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input(shape=(2,)),
                keras.layers.Dense(50, activation="relu", kernel_initializer="he_uniform"),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )
        model.compile(
            loss="categorical_crossentropy",
            metrics=["accuracy"],
            optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
        )
        model.fit(
            trainx,
            trainy,
            validation_data=(testx, testy),
            epochs=cfg["epochs"],
            verbose=0,
            batch_size=n_batch,
        )
        acc[n_batch] = float(model.evaluate(testx, testy, verbose=0)[1])
    return dict(process_s=time.perf_counter() - t0, test_accuracy=acc)


def part_torch(cfg) -> dict:
    t0 = time.perf_counter()
    import torch
    from sklearn.datasets import make_blobs
    from torch import nn

    x, y = make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2)
    x = torch.tensor(x, dtype=torch.float32)
    y = torch.tensor(y, dtype=torch.long)
    trainx, testx, trainy, testy = x[:500], x[500:], y[:500], y[500:]
    acc = {}
    for n_batch in SIZES:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 50), nn.ReLU(), nn.Linear(50, 3))
        nn.init.kaiming_uniform_(model[0].weight, nonlinearity="relu")  # he_uniform
        nn.init.zeros_(model[0].bias)
        nn.init.xavier_uniform_(model[2].weight)  # glorot_uniform
        nn.init.zeros_(model[2].bias)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        for _ in range(cfg["epochs"]):
            model.train()
            order = torch.randperm(500)
            for i in range(0, 500, n_batch):
                idx = order[i : i + n_batch]
                opt.zero_grad()
                loss = loss_fn(model(trainx[idx]), trainy[idx])
                loss.backward()
                opt.step()
            model.eval()
            with torch.no_grad():  # what fit reports each epoch: train and test accuracy
                (model(trainx).argmax(1) == trainy).float().mean()
                test_acc = (model(testx).argmax(1) == testy).float().mean()
        acc[n_batch] = float(test_acc)
    return dict(
        process_s=time.perf_counter() - t0,
        test_accuracy=acc,
        threads=torch.get_num_threads(),
        version=torch.__version__,
    )


def part_floor(cfg) -> dict:
    """The hand-written JAX floor: one scan per batch size over all epochs, seeds vmapped."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    import batchlab as bl
    from batchlab.engine._orders import EpochOrders
    from batchlab.engine._weights import initial_weights

    ds = bl.data.load_dataset("blobs")
    n, epochs, seeds = ds.n_train, cfg["epochs"], list(range(cfg["seeds"]))
    weights = initial_weights(bl.models.mlp([50]), ds.input_shape, ds.n_outputs)
    params0 = [
        jnp.asarray(np.stack(ws)) for ws in zip(*(weights(s)[1] for s in seeds), strict=True)
    ]
    orders_of = EpochOrders(n)
    x, y = jnp.asarray(ds.x_train), jnp.asarray(ds.y_train)
    xt, yt = jnp.asarray(ds.x_test), jnp.asarray(ds.y_test)

    def logits(p, xb):
        w1, b1, w2, b2 = p
        return jax.nn.relu(xb @ w1 + b1) @ w2 + b2

    def train_one(p, orders, b):  # orders: (epochs, n)
        steps = -(-n // b)
        pad = steps * b - n

        def epoch(carry, order):
            p, v = carry
            idx = jnp.concatenate([order, jnp.zeros(pad, order.dtype)]).reshape(steps, b)
            mask = (jnp.arange(steps * b) < n).reshape(steps, b).astype(jnp.float32)

            def step(carry, batch):
                p, v = carry
                ib, mb = batch

                def loss(p):
                    lp = jax.nn.log_softmax(logits(p, x[ib]))
                    nll = -jnp.take_along_axis(lp, y[ib][:, None], 1)[:, 0]
                    return jnp.sum(nll * mb) / jnp.sum(mb)

                g = jax.grad(loss)(p)
                v = [0.9 * vi - 0.01 * gi for vi, gi in zip(v, g, strict=True)]
                return ([pi + vi for pi, vi in zip(p, v, strict=True)], v), None

            (p, v), _ = jax.lax.scan(step, (p, v), (idx, mask))
            train_acc = jnp.mean(jnp.argmax(logits(p, x), 1) == y)
            test_acc = jnp.mean(jnp.argmax(logits(p, xt), 1) == yt)
            return (p, v), jnp.stack([train_acc, test_acc])

        v0 = [jnp.zeros_like(pi) for pi in p]
        _, acc = jax.lax.scan(epoch, (p, v0), orders)
        return acc  # (epochs, 2)

    out, total, compile_s = {}, 0.0, 0.0
    for b in SIZES:
        orders = np.stack([[orders_of(s, e) for e in range(epochs)] for s in seeds])
        fn = jax.jit(jax.vmap(lambda p, o, b=b: train_one(p, o, b)))
        tic = time.perf_counter()
        compiled = fn.lower(params0, orders).compile()
        compile_s += time.perf_counter() - tic
        tic = time.perf_counter()
        acc = compiled(params0, orders).block_until_ready()
        total += time.perf_counter() - tic
        out[b] = float(np.asarray(acc)[:, -1, 1].mean())
    return dict(train_s=total, compile_s=compile_s, test_accuracy=out)


def _cohort_speed(ds, builder, batch_size, k, budget_s, mode=None):
    """Trial-epochs per second of one compiled cohort of k trials (after a warm-up epoch)."""
    from batchlab import sgd
    from batchlab.engine import Cohort
    from batchlab.study import Trial

    trials = [Trial(trial=i, seed=i, batch_size=batch_size, learning_rate=0.01) for i in range(k)]
    cohort = Cohort(ds, builder, sgd(momentum=0.9), batch_size, trials)
    if mode is not None:
        cohort.mode = mode
    state, _ = cohort.run(cohort.init_state(), 1)
    epochs, tic = 0, time.perf_counter()
    while True:
        state, _ = cohort.run(state, 1)
        epochs += 1
        elapsed = time.perf_counter() - tic
        if elapsed >= budget_s:
            return k * epochs / elapsed, cohort


def part_scaling(cfg) -> dict:
    import batchlab as bl

    out = {}
    for name, builder in (("blobs", bl.models.mlp([50])), ("mnist1d", bl.models.mlp([100, 100]))):
        ds = bl.data.load_dataset(name)
        for b in (4, 64):
            for k in cfg["populations"]:
                speed, _ = _cohort_speed(ds, builder, b, k, cfg["budget_s"])
                out[f"{name} b{b} K{k}"] = speed
                print(f"  {name} batch {b} K={k}: {speed:.1f} trial-epochs/s", file=sys.stderr)
    return out


def part_flops(cfg) -> dict:
    import jax
    import jax.numpy as jnp
    import numpy as np

    import batchlab as bl

    ds = bl.data.load_dataset("mnist1d")
    k, b = cfg["flops_k"], 128
    speed, cohort = _cohort_speed(ds, bl.models.mlp([100, 100]), b, k, cfg["budget_s"])
    dims = [ds.input_shape[0], 100, 100, ds.n_outputs]
    macs = sum(a * c for a, c in zip(dims[:-1], dims[1:], strict=False))  # per example
    # training: forward + backward (2 + 4 FLOPs per MAC and example); then the train and test
    # sets' full passes after the epoch (2 FLOPs per MAC and example)
    per_trial_epoch = 6 * macs * ds.n_train + 2 * macs * (ds.n_train + ds.n_test)
    achieved = speed * per_trial_epoch
    size = 1024
    a = jnp.asarray(np.random.default_rng(0).normal(size=(size, size)), jnp.float32)
    mm = jax.jit(lambda a: a @ a)
    mm(a).block_until_ready()
    reps, tic = 0, time.perf_counter()
    while time.perf_counter() - tic < cfg["budget_s"]:
        mm(a).block_until_ready()
        reps += 1
    attainable = reps * 2 * size**3 / (time.perf_counter() - tic)
    return dict(
        k=k,
        batch=b,
        trial_epochs_per_s=speed,
        flops_per_trial_epoch=per_trial_epoch,
        achieved_flops=achieved,
        attainable_matmul_flops=attainable,
        fraction=achieved / attainable,
        mode=cohort.mode,
    )


def part_conv(cfg) -> dict:
    import batchlab as bl
    from batchlab._backend import keras

    ds = bl.data.load_dataset("mnist1d")
    out = {}
    for k in cfg["conv_k"]:
        speed, cohort = _cohort_speed(ds, bl.models.cnn1d(), 32, k, cfg["budget_s"])
        out[f"batchlab K{k} ({cohort.mode})"] = speed
        if k <= 8 and cohort.mode != "vmap":  # the plain vmapped program, for the record
            speed, _ = _cohort_speed(ds, bl.models.cnn1d(), 32, k, cfg["budget_s"], "vmap")
            out[f"batchlab K{k} (vmap)"] = speed
    kr = keras()
    kr.utils.set_random_seed(0)
    model = bl.models.cnn1d()(ds.input_shape, ds.n_outputs)
    model.compile(
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        optimizer=kr.optimizers.SGD(learning_rate=0.01, momentum=0.9),
    )
    model.fit(ds.x_train, ds.y_train, epochs=1, batch_size=32, verbose=0)
    tic = time.perf_counter()
    n = cfg["conv_keras_epochs"]
    model.fit(
        ds.x_train,
        ds.y_train,
        validation_data=(ds.x_test, ds.y_test),
        epochs=n,
        batch_size=32,
        verbose=0,
    )
    out["keras fit"] = n / (time.perf_counter() - tic)
    return out


def part_threads(cfg) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    import batchlab as bl
    from batchlab.engine import Cohort
    from batchlab.study import Trial

    ds = bl.data.load_dataset("blobs")
    cohorts = []
    for b in (8, 16):
        trials = [Trial(trial=i, seed=i, batch_size=b, learning_rate=0.01) for i in range(10)]
        c = Cohort(ds, bl.models.mlp([50]), bl.sgd(momentum=0.9), b, trials)
        c.run(c.init_state(), 1)
        cohorts.append(c)
    epochs = cfg["thread_epochs"]

    def train(c):
        c.run(c.init_state(), epochs)

    tic = time.perf_counter()
    for c in cohorts:
        train(c)
    one_after = time.perf_counter() - tic
    tic = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(train, cohorts))
    two_threads = time.perf_counter() - tic
    return dict(sequential_s=one_after, two_threads_s=two_threads)


def part_study(cfg) -> dict:
    t0 = time.perf_counter()
    import batchlab as bl
    from batchlab.study import load_study

    t_import = time.perf_counter() - t0
    study = load_study("seed003-grid").replace(
        name="study400",
        epochs=cfg["epochs"],
        seeds=cfg["seeds"],
        learning_rate=[0.003, 0.01, 0.03, 0.1, 0.3],
    )
    with tempfile.TemporaryDirectory() as d:
        report = bl.run_study(study, store=Path(d) / "s.db")
    return dict(
        process_s=time.perf_counter() - t0,
        import_s=t_import,
        run_s=report.seconds,
        trials=len(SIZES) * 5 * cfg["seeds"],
    )


# -- the driver -----------------------------------------------------------------------------


def _config(quick: bool) -> dict:
    if quick:
        return dict(
            epochs=10,
            seeds=3,
            populations=[1, 4, 16],
            budget_s=0.3,
            flops_k=16,
            conv_k=[1, 4],
            conv_keras_epochs=1,
            thread_epochs=5,
        )
    return dict(
        epochs=200,
        seeds=10,
        populations=[1, 4, 16, 64, 256],
        budget_s=1.0,
        flops_k=64,
        conv_k=[1, 8, 32],
        conv_keras_epochs=1,
        thread_epochs=50,
    )


def _spawn(part: str, cfg: dict, cache: str) -> dict:
    env = dict(os.environ, PYTHONUNBUFFERED="1", BATCHLAB_COMPILE_CACHE=cache)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, __file__, "--part", part, "--config", json.dumps(cfg)]
    tic = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"part {part} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - tic
    return result


def _machine() -> dict:
    import jax

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    cpu = cpu_name()
    return dict(
        cpu=cpu,
        cores=os.cpu_count(),
        python=platform.python_version(),
        jax=jax.__version__,
        backend=jax.default_backend(),
        date=time.strftime("%Y-%m-%d %H:%M"),
        load_before=load,
    )


def _check_accuracy(name, theirs: dict, ours: dict, tol=0.03) -> dict:
    diffs = {
        int(b): abs(float(theirs[str(b)] if str(b) in theirs else theirs[b]) - ours[b])
        for b in ours
    }
    worst = max(diffs.values())
    return dict(peer=name, worst_abs_diff=worst, within=worst <= tol)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--only", default=",".join(PARTS), help="parts to run, comma-separated")
    ap.add_argument("--part", help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.part:  # a child process
        cfg = json.loads(args.config)
        print(json.dumps(globals()[f"part_{args.part}"](cfg)))
        return

    cfg = _config(args.quick)
    parts = [p for p in args.only.split(",") if p]
    res: dict = dict(machine=_machine(), config=cfg, quick=args.quick)
    with tempfile.TemporaryDirectory() as cache:
        for part in parts:
            print(f"[{time.strftime('%H:%M:%S')}] {part} ...", file=sys.stderr, flush=True)
            try:
                if part == "grid":
                    res["grid_cold"] = _spawn("grid", cfg, cache)  # empty cache
                    res["grid_cache_warm"] = _spawn("grid", cfg, cache)
                elif part == "study":
                    with tempfile.TemporaryDirectory() as empty:
                        res["study"] = _spawn("study", cfg, empty)
                else:
                    res[part] = _spawn(part, cfg, cache)
            except RuntimeError as exc:  # one part failing does not lose the others
                res[part] = dict(error=str(exc)[-500:])
                print(f"  {part} failed: {str(exc)[-500:]}", file=sys.stderr)
            if args.json:  # what is measured so far, in case the run is cut short
                Path(args.json).write_text(json.dumps(dict(results=res), indent=2))
    res["machine"]["load_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(json.dumps(_summary(res, cfg), indent=2))
    if args.json:
        Path(args.json).write_text(
            json.dumps(dict(results=res, summary=_summary(res, cfg)), indent=2)
        )


def _summary(res: dict, cfg: dict) -> dict:
    s: dict = {"machine": res["machine"], "quick": res["quick"]}
    seeds = cfg["seeds"]
    if "grid_cold" in res:
        cold, warm = res["grid_cold"], res["grid_cache_warm"]
        s["grid"] = {
            "cold process s": cold["first"]["process_s"],
            "cache-warm process s": warm["first"]["process_s"],
            "warm in-process call s": min(cold["second"]["call_s"], warm["second"]["call_s"]),
            "import s (cold, warm)": [cold["import_s"], warm["import_s"]],
            "phases cold first call": cold["first"]["phases"],
            "phases cache-warm first call": warm["first"]["phases"],
            "phases warm second call": warm["second"]["phases"],
        }
        ours = {int(k): v for k, v in cold["first"]["test_accuracy"].items()}
        ours0 = {int(k): v for k, v in cold["first"]["seed0_test_accuracy"].items()}
        if "process_s" in res.get("keras", {}):
            keras10 = res["keras"]["process_s"] * seeds
            s["grid"][f"keras fit x{seeds} s"] = keras10
            s["grid"]["cold vs keras"] = keras10 / cold["first"]["process_s"]
            s["grid"]["cache-warm vs keras"] = keras10 / warm["first"]["process_s"]
            s["grid"]["keras accuracy (seed 0)"] = _check_accuracy(
                "keras", res["keras"]["test_accuracy"], ours0
            )
        if "process_s" in res.get("torch", {}):
            torch10 = res["torch"]["process_s"] * seeds
            s["grid"][f"torch x{seeds} s"] = torch10
            s["grid"]["cold vs torch"] = torch10 / cold["first"]["process_s"]
            s["grid"]["torch accuracy (1 seed vs our mean)"] = _check_accuracy(
                "torch", res["torch"]["test_accuracy"], ours
            )
        if "train_s" in res.get("floor", {}):
            warm_call = s["grid"]["warm in-process call s"]
            s["grid"]["jax floor train s"] = res["floor"]["train_s"]
            s["grid"]["warm in-process / floor"] = warm_call / res["floor"]["train_s"]
            s["grid"]["floor accuracy"] = _check_accuracy(
                "floor", res["floor"]["test_accuracy"], ours
            )
    for part in ("scaling", "flops", "conv", "threads", "study"):
        if part in res:
            s[part] = res[part]
    return s


if __name__ == "__main__":
    main()
