"""``batchlab watch``: the terminal view of a running study.

In-process against a store that a thread fills, and end to end: ``batchlab run`` in one
process, ``batchlab watch`` in another; watch exits 0 when the study ends, having printed its
final numbers.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import time

from helpers.runner import filler
from rich.console import Console

from batchlab._format import pct
from batchlab.cli import main
from batchlab.live import read_view, render, watch
from batchlab.store import Store


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    return rc, out.getvalue(), err.getvalue()


def test_watch_follows_a_store_being_written_and_returns_when_done(tmp_path):
    path = tmp_path / "s.db"
    thread = filler(path)
    console = Console(record=True, width=160, force_terminal=False)
    thread.start()
    try:
        view = watch("w", path, refresh=0.02, console=console)
    finally:
        thread.join()
    assert view.done and view.trial_epochs_done == 20
    text = console.export_text()
    assert "20/20 trial-epochs (100%)" in text and "ETA done" in text
    assert "trial 1 (batch 2, lr 0.1, seed 1) diverged at epoch 3" in text
    with Store(path) as st:
        assert read_view(st, "w") == view


def test_render_shows_every_cohort_and_batch_size(tmp_path):
    path = tmp_path / "s.db"
    thread = filler(path, pause=0)
    thread.start()
    thread.join()
    with Store(path) as st:
        view = read_view(st, "w")
    console = Console(record=True, width=160)
    console.print(render(view))
    text = console.export_text()
    for cohort in ("bs2-sgd", "bs10-sgd"):
        assert re.search(rf"{cohort}\s+2\s+5/5\s+done", text), text
    for curve in view.curves:
        assert re.search(
            rf"^\s*{curve.batch_size}\s+0.1\s+2\s+5\s+{re.escape(pct(curve.last))}", text, re.M
        ), text


def test_watch_an_absent_study_is_bad_input(tmp_path):
    path = tmp_path / "s.db"
    filler(path)  # study 'w', never run
    rc, out, err = cli("watch", "ww", "--store", path, "--wait", "0.3")
    assert rc == 2 and "no study 'ww'" in err and "w" in err
    # while it waits it says so, once, and for what (not a silent hang)
    assert " ".join(out.split()).count("waiting up to 0.3 s for study 'ww' (no study 'ww'") == 1
    rc, out, err = cli("watch", "w", "--store", tmp_path / "none.db", "--wait", "0.3")
    assert rc == 2 and "no store at" in err
    assert "waiting up to 0.3 s for study 'w' (no store at" in " ".join(out.split())
    rc, out, err = cli("watch", "w", "--store", path, "--refresh", "0")
    assert rc == 2 and "--refresh" in err


def test_watch_a_study_run_by_another_process(runner, tmp_path):
    run = runner("live-watch", epochs=30, batch_sizes=[8, 64], seeds=2)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "batchlab.cli",
            "watch",
            "live-watch",
            "--store",
            str(run.store),
            "--refresh",
            "0.3",
            "--wait",
            "240",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr + run.output()
    run.finish()
    assert time.monotonic() - started < 300
    with Store(run.store) as st:
        final = read_view(st, "live-watch")
    assert final.done and final.trial_epochs_done == 4 * 30
    out = done.stdout
    assert "study live-watch  done  120/120 trial-epochs (100%)  ETA done" in out, out
    for curve in final.curves:  # the final numbers, as the store has them
        line = next(
            row for row in out.splitlines() if re.match(rf"\s*{curve.batch_size}\s+0.01\s", row)
        )
        cells = line.split()
        assert cells[2:7] == ["2", "30", pct(curve.last), pct(curve.best), str(curve.best_epoch)]
