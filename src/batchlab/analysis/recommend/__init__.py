"""Which batch size and learning rate to use for a goal, and why.

:class:`Recommender` turns a study's history into one choice of (batch size, learning rate)
for one of four goals (:data:`GOALS`), with the numbers behind it:

- ``"fewest_epochs"``: reach the target test accuracy in the fewest passes over the data;
- ``"fewest_updates"``: in the fewest optimizer steps (what matters when steps run in parallel
  hardware and each step costs the same whatever the batch);
- ``"least_seconds"``: in the least wall-clock time on the machine that ran the study, from
  the throughput measured per batch size (see "Seconds" below);
- ``"best_accuracy"``: the highest mean final test accuracy.

The choice is a pure function of the tables (the same study gives the same answer, whatever
the order of its rows). It ranks the rows of the study's :class:`~batchlab.analysis.Summary`
(the means and Student-t intervals over seeds are the summary's), as :mod:`.ranking`
describes: eligible points, ranked by the goal's mean, near ties decided by a second measure.

**The rule behind the rate** (``rule_``): ``"linear"`` or ``"sqrt"`` when the study's
``lr_rule`` derived the rate from a base rate at its reference batch size (or, without a spec,
when the rates per batch size follow that law exactly); ``"tuned"`` when the study tried several
rates at the chosen batch size and this one ranked best; ``"fixed"`` when it was the only rate
tried (nothing says a better one does not exist).

**Regime** (``regime_``): the chosen batch size's place on the fitted curve of updates to target
against batch size, ``S(B) = S_min (1 + B_crit / B)`` (:class:`ScalingFit`, McCandlish et al.
2018), fitted to the fewest updates per batch size over the eligible points
(:func:`steps_to_target_table`). It needs three or more batch sizes (a residual degree of
freedom); otherwise it is None and ``regime_reason_`` says why.

**Seconds.** ``wall_seconds`` is the cumulative training time of a trial's *cohort*: the
``K`` trials of one batch size that were trained together as one vectorized program (compile
time excluded; the per-epoch evaluation passes included). The seconds a practitioner pays for
ONE model are not measured. The recommendation uses the amortized cost, cohort seconds / K
(the summary's ``model_seconds_to_target``): what one model costs when trained as the study
trained it, K at a time. A model trained alone would take somewhere between that and the full
cohort seconds: near cohort / K where arithmetic dominates (large batches), near the full
cohort time where the fixed cost of each step dominates (small batches on a CPU, where
vmapping K trials costs little more than one). So the amortized seconds favour small batches
more than a lone run would; the reasons say so, with K. ``throughput_`` lists, per batch size,
the measured seconds per epoch, updates per second and training examples per second (all the
cohort's trials together, which equals the amortized per-model rate).

Modules: :mod:`.goals` (the goals and measures), :mod:`.ranking` (pure functions of the
tables), :mod:`.explain` (the sentences), :mod:`.recommender` (the estimator).
"""

from batchlab.analysis.recommend.goals import GOAL_ALIASES, GOALS, check_goal
from batchlab.analysis.recommend.recommender import Recommender

__all__ = ["GOALS", "GOAL_ALIASES", "Recommender", "check_goal"]
