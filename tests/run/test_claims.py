"""The same study run twice at once on one store: every cohort is trained once.

A run claims the unfinished cohorts that no live run holds (batchlab.store._claims); the
claims of a process that is gone (kill -9) are taken over at once, and those whose heartbeat
is older than STALE_S whoever holds them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
import pytest
from helpers.cli import spawn
from helpers.rows import COMPARED, KEY, rows

from batchlab.errors import StoreError
from batchlab.run import run_study
from batchlab.store import Store
from batchlab.store._claims import HOST, STALE_S, Owner

SPEC = """
name = "twice"
dataset = "blobs"
epochs = 5

[model]
kind = "mlp"
hidden = [16]

[sweep]
batch_size = [16, "full"]
learning_rate = [0.05]
seeds = 2
"""
COHORTS = ["bs16-sgd", "bs500-sgd"]


def test_two_processes_run_one_study_each_cohort_once(tmp_path):
    spec = tmp_path / "twice.toml"
    spec.write_text(SPEC)
    store = tmp_path / "s.db"
    procs = [spawn("run", spec, "--store", store, "--no-report", "-q") for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    for proc, (_out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "error" not in err and "Traceback" not in err, err
    # one of them found the other training (it names its pid) and left it the cohorts
    told = [err for _out, err in results if "also being run by another process" in err]
    assert len(told) == 1, results
    other = procs[1] if told[0] == results[0][1] else procs[0]
    assert f"pid {other.pid} on this host" in told[0]
    reference = tmp_path / "once.db"
    run_study(spec, store=reference)
    twice = rows(store, "twice")
    assert not twice.duplicated(KEY).any()
    pd.testing.assert_frame_equal(twice[COMPARED], rows(reference, "twice")[COMPARED])
    with Store(store) as st:
        assert st.studies().status.tolist() == ["done"]
        assert st.claims("twice") == {}  # released at the end


def _claimed(store: Store, cohort: str, *, host=HOST, pid, heartbeat=None) -> None:
    """A claims row as another run would leave it."""
    with store.transaction() as st:
        st._con.execute(
            "INSERT INTO claims (study, cohort, host, pid, token, heartbeat) "
            "VALUES ('twice', ?, ?, ?, 'their-token', ?)",
            (cohort, host, pid, time.time() if heartbeat is None else heartbeat),
        )


@pytest.fixture
def registered(tmp_path):
    """The study registered in a store, nothing trained."""
    from batchlab.run import plan, trials_frame
    from batchlab.study import Study

    study = Study.from_dict(__import__("tomllib").loads(SPEC))
    with Store(tmp_path / "s.db") as st:
        plans = plan(study, 500)
        st.create_study(study.to_dict(), study.spec_hash, trials_frame(plans, study.name))
        yield st


def test_claims_of_a_gone_process_or_with_an_old_heartbeat_are_taken_over(registered):
    st = registered
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _claimed(st, "bs16-sgd", pid=int(gone.stdout))  # killed: its pid is gone
        _claimed(st, "bs500-sgd", pid=sleeper.pid)  # alive, beating
        me = Owner()
        me.start()
        try:
            others = st.claim("twice", COHORTS, me)
        finally:
            me.stop()
        assert list(others) == ["bs500-sgd"] and str(others["bs500-sgd"]) == (
            f"pid {sleeper.pid} on this host"
        )
        assert {c: claim.token for c, claim in st.claims("twice").items()} == {
            "bs16-sgd": me.token,
            "bs500-sgd": "their-token",
        }
        # a chunk of a cohort another live run holds is refused
        st.claimant = me
        with pytest.raises(StoreError, match=f"another run \\(pid {sleeper.pid}"):
            st.commit_chunk("twice", "bs500-sgd", None, None, 1)
        st.commit_chunk("twice", "bs16-sgd", None, None, 1)
        # this process's own claims, of a run no longer going on, are stale too
        assert st.claims("twice", live=True).keys() == {"bs500-sgd"}
        # as is a claim whose heartbeat is old, whoever holds it
        with st.transaction() as s:
            s._con.execute("UPDATE claims SET heartbeat = ?", (time.time() - STALE_S - 1,))
        assert st.claims("twice", live=True) == {}
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_claim_from_another_host_lives_as_long_as_its_heartbeat(registered):
    st = registered
    _claimed(st, "bs16-sgd", host="elsewhere", pid=os.getpid())
    _claimed(st, "bs500-sgd", host="elsewhere", pid=1, heartbeat=time.time() - STALE_S - 1)
    live = st.claims("twice", live=True)
    assert list(live) == ["bs16-sgd"] and str(live["bs16-sgd"]) == (
        f"pid {os.getpid()} on host 'elsewhere'"
    )
    with st.transaction() as s:  # its run is 'running' as long as the claim lives
        s._con.execute("UPDATE studies SET status = 'running'")
    assert st.studies().status.tolist() == ["running"]
    with st.transaction() as s:
        s._con.execute("UPDATE claims SET heartbeat = 0")
    assert st.studies().status.tolist() == ["interrupted"]
