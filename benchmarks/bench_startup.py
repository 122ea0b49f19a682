"""How long the commands that only read take to start and finish, in a fresh process each.

Issue 12 measured about 5 s for every command (the CLI imported JAX and Keras up front); the
target is under 1 s for ``--help``, ``ls``, ``show``, ``export`` and ``studies``. Each command
runs ``--repeat`` times (median reported) as ``python -m batchlab.cli ...``, against two
baselines measured in the same run: ``python -c pass`` (the interpreter alone) and
``python -c 'import batchlab'``. The store holds seed003-flavors trained for 2 epochs, 1 seed
(made first, untimed).

    python benchmarks/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str], cwd: Path, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        tic = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - tic)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return times


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
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
        setup = [*cli, "run", "seed003-flavors", "--epochs", "2", "--seeds", "1", "-q"]
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
        print("| command | median (s) | min (s) | max (s) | minus `python -c pass` (s) |")
        print("|---|---:|---:|---:|---:|")
        base = None
        for name, cmd in cases.items():
            times = wall(cmd, folder, args.repeat)
            median = statistics.median(times)
            base = median if base is None else base
            extra = median - base
            print(
                f"| `{name}` | {median:.2f} | {min(times):.2f} | {max(times):.2f} | {extra:.2f} |"
            )


if __name__ == "__main__":
    main()
