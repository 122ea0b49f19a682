"""How long the commands that only read take to start and finish, in a fresh process each.

Issue 12 measured about 5 s for every command (the CLI imported JAX and Keras up front); the
target is under 1 s for ``--help``, ``ls``, ``show``, ``export`` and ``studies``. Each command
runs ``--repeat`` times as ``python -m batchlab.cli ...``: the median and least wall time,
and the median CPU time (user + system; on a busy shared machine the wall time mostly measures
the wait for a CPU), against two baselines measured in the same run: ``python -c pass`` (the
interpreter alone) and ``python -c 'import batchlab'``. The store holds seed003-flavors
trained for 2 epochs and 5 seeds (made first, untimed): ``show`` then gives Student-t
intervals, as it does for any study with 5 or more seeds.

    python benchmarks/bench_startup.py [--repeat 5] [--before DIR]

``--before DIR`` (the ``src`` folder of another checkout, e.g. a ``git worktree`` of an older
commit) times that code too, interleaved with this one run by run, so both see the same
machine; the table then adds its CPU median and the ratio now / before.
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


def timed_once(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, of the child) of one run. On a shared,
    busy machine the wall time waits for the CPU; the CPU time much less so."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    tic = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - tic
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def machine() -> str:
    cpu, load = cpu_name(), load_average()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.machine()}, Python "
        f"{platform.python_version()}, load average {load:.1f} at the start"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", type=Path, help="the src folder of the code to compare with")
    args = parser.parse_args()
    envs = {"now": dict(os.environ)}
    if args.before is not None:
        if not (args.before / "batchlab" / "__init__.py").is_file():
            raise SystemExit(f"--before {args.before}: not a src folder holding batchlab/")
        envs["before"] = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
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
        extra = " CPU before, median (s) | now / before |" if "before" in envs else ""
        print(f"| command | wall, median (s) | wall, min (s) | CPU, median (s) |{extra}")
        print("|---|---:|---:|---:|" + ("---:|---:|" if extra else ""))
        for name, cmd in cases.items():
            runs = {key: [] for key in envs}
            for _ in range(args.repeat):  # interleaved: both see the same moments of the machine
                for key, env in envs.items():
                    runs[key].append(timed_once(cmd, folder, env))
            walls = [w for w, _ in runs["now"]]
            cpu = statistics.median(c for _, c in runs["now"])
            row = f"| `{name}` | {statistics.median(walls):.2f} | {min(walls):.2f} | {cpu:.2f} |"
            if "before" in envs:
                cpu_before = statistics.median(c for _, c in runs["before"])
                row += f" {cpu_before:.2f} | {cpu / cpu_before:.2f} |"
            print(row)
        print(f"\nload average {load_average():.1f} at the end")


if __name__ == "__main__":
    main()
