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
from batchlab.run.plan import MAX_TRIALS, CohortPlan, Trial, expand, plan, trials_frame

__all__ = [
    "EXECUTORS",
    "MAX_TRIALS",
    "Chunk",
    "CohortPlan",
    "Progress",
    "RunReport",
    "Trial",
    "expand",
    "plan",
    "run_study",
    "spec_difference",
    "train_chunks",
    "trials_frame",
]
