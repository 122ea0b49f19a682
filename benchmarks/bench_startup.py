"""How long the commands that only read take to start and finish, in a fresh process each.

Issue 12 measured about 5 s for every command (the CLI imported JAX and Keras up front); the
target is under 1 s for ``--help``, ``ls``, ``show``, ``export`` and ``studies``. Each command
runs ``--repeat`` times as ``python -m batchlab.cli ...``: the median and least wall time,
and the median CPU time (user + system; on a busy shared machine the wall time mostly measures
the wait for a CPU), against two baselines measured in the same run: ``python -c pass`` (the
interpreter alone) and ``python -c 'import batchlab'``. The store holds seed003-flavors
trained for 2 epochs and 5 seeds (made first, untimed): ``show`` then gives Student-t
intervals, as it does for any study with 5 or more seeds.

    python benchmarks/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import cpu_name, load_average


def timed(cmd: list[str], cwd: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (user + system, of the child) of each run. On a shared,
    busy machine the wall time waits for the CPU; the CPU time much less so."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        tic = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        walls.append(time.perf_counter() - tic)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return walls, cpus


def machine() -> str:
    cpu, load = cpu_name(), load_average()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.machine()}, Python "
        f"{platform.python_version()}, load average {load:.1f} at the start"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    cli = [py, "-m", "batchlab.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        setup = [*cli, "run", "seed003-flavors", "--epochs", "2", "--seeds", "5", "-q"]
        subprocess.run([*setup, "--no-report"], cwd=folder, check=True, capture_output=True)
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "python -c 'import batchlab'": [py, "-c", "import batchlab"],
            "batchlab --help": [*cli, "--help"],
            "batchlab --version": [*cli, "--version"],
            "batchlab ls": [*cli, "ls"],
            "batchlab show seed003-flavors": [*cli, "show", "seed003-flavors"],
            "batchlab export seed003-flavors -o h.csv": [
                *cli, "export", "seed003-flavors", "-o", "h.csv"
            ],
            "batchlab export seed003-flavors -o h.parquet": [
                *cli, "export", "seed003-flavors", "-o", "h.parquet"
            ],
            "batchlab studies": [*cli, "studies"],
            "batchlab studies show seed003-grid": [*cli, "studies", "show", "seed003-grid"],
        }  # fmt: skip
        print(f"machine: {machine()}")
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, median of {args.repeat}\n")
        print("| command | wall, median (s) | wall, min (s) | CPU, median (s) |")
        print("|---|---:|---:|---:|")
        for name, cmd in cases.items():
            walls, cpus = timed(cmd, folder, args.repeat)
            print(
                f"| `{name}` | {statistics.median(walls):.2f} | {min(walls):.2f} "
                f"| {statistics.median(cpus):.2f} |"
            )
        print(f"\nload average {load_average():.1f} at the end")


if __name__ == "__main__":
    main()
