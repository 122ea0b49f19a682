"""A study on the local executor against the same study on Ray, on this machine.

Each side runs ``batchlab run STUDY`` in a fresh process into a fresh store (cold: imports,
model building, compilation, training, commits; for Ray also starting a local Ray and its
workers, which import JAX and Keras themselves). Ray runs one task per cohort, as many at once
as the machine has CPUs; the local executor trains the cohorts one after the other while the
next ones compile in a background thread. Both write the same rows (checked here).

    python benchmarks/bench_ray.py [--study seed003-grid] [--seeds 5] [--epochs 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(study: str, seeds: int, epochs: int, store: Path, executor: str) -> float:
    cmd = [sys.executable, "-m", "batchlab.cli", "run", study, "--store", str(store)]
    cmd += ["--seeds", str(seeds), "--epochs", str(epochs), "--quiet", "--no-report"]
    cmd += ["--executor", executor]
    tic = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - tic


def rows(store: Path) -> list[tuple]:
    with sqlite3.connect(store) as con:
        return con.execute(
            "SELECT trial, epoch, train_loss, test_accuracy FROM history ORDER BY trial, epoch"
        ).fetchall()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", default="seed003-grid")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import ray

    out = dict(
        study=args.study,
        seeds=args.seeds,
        epochs=args.epochs,
        machine=f"{platform.machine()}, {os.cpu_count()} cores",
        python=platform.python_version(),
        ray=ray.__version__,
        date=time.strftime("%Y-%m-%d"),
        runs=[],
    )
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            local, remote = Path(tmp) / f"local{i}.db", Path(tmp) / f"ray{i}.db"
            t_local = run(args.study, args.seeds, args.epochs, local, "local")
            t_ray = run(args.study, args.seeds, args.epochs, remote, "ray")
            assert rows(local) == rows(remote), "the executors wrote different rows"
            out["runs"].append(dict(local_s=t_local, ray_s=t_ray, ratio=t_ray / t_local))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
