"""A study with a batch-size schedule, interrupted at a change of batch size, run again: it
ends with exactly the rows of an uninterrupted run (and crosses the next change live). The
same for an adaptive batch size, whose choices a resumed run makes again."""

import pandas as pd
import pytest
from helpers.rows import COMPARED, KEY

from batchlab.run import Progress, StudyInterrupted, run_study
from batchlab.store import Store
from batchlab.study import Study

SPEC = {
    "name": "sched-resume",
    "dataset": "blobs",
    "epochs": 4,
    "model": {"kind": "mlp", "hidden": [8]},
    "optimizer": {"name": "sgd"},
    "schedules": {
        "grow": {"batch_size": {"kind": "step", "epochs": [2, 3], "factor": 5}},
    },
    "sweep": {
        "batch_size": [8],
        "learning_rate": [0.05],
        "momentum": [0.9],
        "seeds": 2,
        "schedule": ["grow"],
    },
}


class StopAt(Progress):
    """Ctrl-C when a cohort finishes ``epoch`` (before that epoch is committed)."""

    def __init__(self, epoch):
        self.at = epoch

    def epoch(self, plan, epoch):
        if epoch == self.at:
            raise KeyboardInterrupt


def history(path):
    with Store(path, create=False) as st:
        h = st.history("sched-resume")
    return h.sort_values(KEY).reset_index(drop=True)[COMPARED]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    path = tmp_path_factory.mktemp("whole") / "s.db"
    run_study(Study.from_dict(SPEC), store=path)
    return history(path)


def test_uninterrupted_rows_record_the_batch_size_in_force(uninterrupted):
    grow = uninterrupted[uninterrupted.cohort == "bs8-sgd-grow"]
    per_epoch = grow.groupby("epoch")["epoch_batch_size"].first().tolist()
    assert per_epoch == [8, 8, 40, 200]
    assert set(grow["batch_size"]) == {8}
    # updates: 63 per epoch at 8 (500 examples), then 13 at 40, then 3 at 200
    assert grow.groupby("epoch")["updates"].first().tolist() == [63, 126, 139, 142]


@pytest.mark.parametrize("stop", [3], ids=["at-the-change"])
def test_resume_across_a_batch_size_change_gives_identical_rows(tmp_path, uninterrupted, stop):
    path = tmp_path / "s.db"
    with pytest.raises(StudyInterrupted):
        run_study(Study.from_dict(SPEC), store=path, commit_seconds=0, progress=StopAt(stop))
    with Store(path, create=False) as st:
        done = st.cohort_epochs_done("sched-resume")
    assert done["bs8-sgd-grow"] == stop - 1
    run_study(Study.from_dict(SPEC), store=path)
    resumed = history(path)
    assert len(resumed) == len(uninterrupted) == 2 * 4
    pd.testing.assert_frame_equal(resumed, uninterrupted)


ADAPTIVE = {
    "name": "adaptive-resume",
    "dataset": "blobs",
    "epochs": 3,
    "model": {"kind": "mlp", "hidden": [8]},
    "schedules": {"adapt": {"batch_size": {"kind": "adaptive", "min": 8, "max": 128}}},
    "sweep": {"batch_size": [8], "learning_rate": [0.05], "seeds": 2, "schedule": ["adapt"]},
}


def adaptive_rows(path):
    with Store(path, create=False) as st:
        h = st.history("adaptive-resume")
    return h.sort_values(KEY).reset_index(drop=True)[COMPARED]


def test_adaptive_batch_sizes_resume_to_the_same_choices(tmp_path):
    """Each trial's batch size follows its own B_simple (a power of 2 in [8, 128], never
    smaller), and a run interrupted after the first choice makes the same choices again."""
    whole = tmp_path / "whole.db"
    run_study(Study.from_dict(ADAPTIVE), store=whole)
    expected = adaptive_rows(whole)
    for _, rows in expected.groupby("trial"):
        sizes = rows.sort_values("epoch")["epoch_batch_size"].tolist()
        assert sizes[0] == 8 and sizes == sorted(sizes)
        assert all(b in (8, 16, 32, 64, 128) for b in sizes)
    path = tmp_path / "s.db"
    with pytest.raises(StudyInterrupted):
        run_study(Study.from_dict(ADAPTIVE), store=path, commit_seconds=0, progress=StopAt(3))
    run_study(Study.from_dict(ADAPTIVE), store=path)
    pd.testing.assert_frame_equal(adaptive_rows(path), expected)
