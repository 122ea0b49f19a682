"""A study with a batch-size schedule, interrupted after the batch size changed (and at the
change), run again: it ends with exactly the rows of an uninterrupted run."""

import pytest
from helpers.rows import COMPARED, KEY

from batchlab.run import Progress, StudyInterrupted, run_study
from batchlab.store import Store
from batchlab.study import Study

SPEC = {
    "name": "sched-resume",
    "dataset": "blobs",
    "epochs": 5,
    "model": {"kind": "mlp", "hidden": [8]},
    "optimizer": {"name": "sgd"},
    "schedules": {
        "grow": {"batch_size": {"kind": "step", "epochs": [2, 3], "factor": 5}},
        "decay": {"learning_rate": {"kind": "step", "epochs": [2, 3], "factor": 0.2}},
    },
    "sweep": {
        "batch_size": [8],
        "learning_rate": [0.05],
        "momentum": [0.9],
        "seeds": 2,
        "schedule": ["grow", "decay"],
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
    assert per_epoch == [8, 8, 40, 200, 200]
    assert set(grow["batch_size"]) == {8}
    # updates: 63 per epoch at 8 (500 examples), then 13 at 40, then 3 at 200
    assert grow.groupby("epoch")["updates"].first().tolist() == [63, 126, 139, 142, 145]
    decay = uninterrupted[uninterrupted.cohort == "bs8-sgd-decay"]
    assert set(decay["epoch_batch_size"]) == {8}


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
    assert len(resumed) == len(uninterrupted) == 2 * 2 * 5
    import pandas as pd

    pd.testing.assert_frame_equal(resumed, uninterrupted)
