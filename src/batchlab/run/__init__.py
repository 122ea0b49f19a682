"""Planning and running studies: trials -> cohorts -> executor -> store."""

from batchlab.run._runner import (
    EXECUTORS,
    Chunk,
    Progress,
    RunReport,
    run_study,
    spec_difference,
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
    "expand",
    "plan",
    "run_study",
    "spec_difference",
    "train",
    "train_chunks",
    "trials_frame",
]
