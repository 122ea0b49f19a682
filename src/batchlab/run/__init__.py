"""Planning and running studies: trials -> cohorts -> executor -> store."""

from batchlab.run._runner import Progress, RunReport, run_study, spec_difference
from batchlab.run.plan import MAX_TRIALS, CohortPlan, Trial, expand, plan, trials_frame

__all__ = [
    "MAX_TRIALS",
    "CohortPlan",
    "Progress",
    "RunReport",
    "Trial",
    "expand",
    "plan",
    "run_study",
    "spec_difference",
    "trials_frame",
]
