"""The commands that only read (``--help``, ``ls``, ``show``, ``export``, ``studies``) start
at once: they never import JAX, Keras, matplotlib, SciPy or scikit-learn (issue 12: every command
took 5 s to start). A structural check; the times are in benchmarks/bench_startup.py.

One fresh interpreter runs the commands one after another and notes, after each, which heavy
libraries are loaded: the first command that imports one is named."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers.cli import env
from helpers.runner import filler

HEAVY = ("jax", "keras", "matplotlib", "scipy", "sklearn", "tensorflow", "torch")

PROBE = """
import contextlib, io, json, sys
from batchlab.cli import main
heavy = set(json.loads(sys.argv[2]))
for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        rc = main(argv)
    loaded = sorted({m.split(".")[0] for m in sys.modules} & heavy)
    print(json.dumps({"argv": argv, "rc": rc, "heavy": loaded}))
"""


def probe(commands: list[list[str]]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(commands), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        env=env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.strip().splitlines()]


def test_reading_commands_import_no_heavy_library(tmp_path):
    store = str(tmp_path / "s.db")
    filler(store, epochs=3, pause=0).run()  # a finished study 'w', made without training
    commands = [
        ["--help"],
        ["--version"],
        ["ls", "--store", store],
        ["show", "w", "--store", store],
        ["export", "w", "--store", store, "-o", f"{tmp_path}/h.csv"],
        ["export", "w", "--store", store, "-o", f"{tmp_path}/h.parquet"],
        ["export", "w", "--store", store, "-o", f"{tmp_path}/h.json"],
        ["studies"],
        ["studies", "show", "seed003-grid"],
        ["run", "--help"],
        ["plot", "--help"],
        ["ls", "--store", f"{tmp_path}/missing.db"],  # bad inputs: exit 2
        ["show", "nope", "--store", store],
    ]
    seen = probe(commands)
    assert [s["argv"] for s in seen] == commands
    for s in seen:
        bad = s["argv"][-1].endswith("missing.db") or "nope" in s["argv"]
        assert s["rc"] == (2 if bad else 0), s
        assert s["heavy"] == [], f"`batchlab {' '.join(s['argv'])}` imported {s['heavy']}"


def test_the_probe_sees_a_heavy_import(tmp_path):
    # The check can fail: `plot` draws, so it imports matplotlib.
    store = str(tmp_path / "s.db")
    filler(store, epochs=2, pause=0).run()
    seen = probe(
        [
            ["ls", "--store", store],
            ["plot", "w", "--kind", "curves", "-o", f"{tmp_path}/c.png", "--store", store],
        ]
    )
    assert seen[0]["heavy"] == []
    assert seen[1]["rc"] == 0 and "matplotlib" in seen[1]["heavy"], seen
