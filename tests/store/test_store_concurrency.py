"""Two processes writing two studies into one store at the same time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from batchlab.store import Store

CHUNKS = 25

WRITER = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path

    import numpy as np
    sys.path.insert(0, sys.argv[3])
    from store_helpers import add_study, checkpoint, diagnostics_rows, history_rows, tiny_study
    from batchlab.store import Store

    path, name, chunks = sys.argv[1], sys.argv[2], int(sys.argv[4])
    # start writing together: each announces it is ready and waits for the other
    ready = Path(path).parent / f"ready-{name}"
    ready.touch()
    deadline = time.monotonic() + 60
    while len(list(Path(path).parent.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    with Store(path) as store:
        add_study(store, tiny_study(name, epochs=chunks))
        big = {"w": np.random.default_rng(0).standard_normal((2, 20_000))}
        for epoch in range(1, chunks + 1):
            for cohort, trials in (("bs2-sgd", [0, 1]), ("bs10-sgd", [2, 3])):
                store.commit_chunk(name, cohort, history_rows(trials, [epoch]), big, epoch,
                                   diagnostics=diagnostics_rows(trials, epoch),
                                   done=epoch == chunks)
    print("ok", name)
    """
)


def test_two_processes_write_two_studies(tmp_path):
    path = tmp_path / "shared.db"
    Store(path).close()  # both writers open an existing store (creation is also race-safe)
    here = str(Path(__file__).parent)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, here, str(CHUNKS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "database is locked" not in err
    with Store(path) as store:
        assert store.study_names() == ["left", "right"]
        for name in ("left", "right"):
            assert len(store.history(name)) == 4 * CHUNKS
            assert len(store.diagnostics(name)) == 3 * 4 * CHUNKS
            assert store.get_study(name)["status"] == "done"
            assert store.cohort_epochs_done(name) == {"bs2-sgd": CHUNKS, "bs10-sgd": CHUNKS}
