"""Planning and running studies: trials -> cohorts -> executor -> store."""

from batchlab.run._register import spec_difference
from batchlab.run._runner import (
    EXECUTORS,
    Chunk,
    Progress,
    RunReport,
    StudyInterrupted,
    run_study,
    train_chunks,
)
from batchlab.run._train import train
from batchlab.run.plan import MAX_TRIALS, CohortPlan, expand, plan, trials_frame

__all__ = [
    "EXECUTORS",
    "MAX_TRIALS",
    "Chunk",
    "CohortPlan",
    "Progress",
    "RunReport",
    "StudyInterrupted",
    "expand",
    "plan",
    "run_study",
    "spec_difference",
    "train",
    "train_chunks",
    "trials_frame",
]
