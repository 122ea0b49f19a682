"""The goals a recommendation serves and the measures it ranks them by, defined once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from batchlab._suggest import did_you_mean
from batchlab.analysis.summary import MODEL_SECONDS
from batchlab.errors import SpecError

MEASURES = {
    "epochs": "epochs_to_target",
    "updates": "updates_to_target",
    "examples": "examples_to_target",
    "seconds": MODEL_SECONDS,
    "cohort_seconds": "seconds_to_target",
    "final_test_accuracy": "final_test_accuracy",
}
"""What a recommendation measures a grid point by (the keys of ``expected_``), and the
:class:`~batchlab.analysis.Summary` statistic behind each: ``seconds`` are one model's (the
cohort's seconds over the trials it trained together), ``cohort_seconds`` the cohort's."""


def column(measure: str, stat: str) -> str:
    """The summary column of a measure's statistic: ``column("updates", "lo")`` is
    ``updates_to_target_lo``."""
    return f"{MEASURES[measure]}_{stat}"


def lower_is_better(measure: str) -> bool:
    """Costs are better low, accuracy high."""
    return measure != "final_test_accuracy"


@dataclass(frozen=True)
class Goal:
    """What a goal ranks by, how it reads, and the other names it goes by."""

    name: str
    """The goal's name: ``fewest_epochs``, ``fewest_updates``, ``least_seconds``,
    ``best_accuracy``."""
    measure: str
    """The measure (of :data:`MEASURES`) whose mean over seeds ranks the grid points."""
    tie_break: str
    """The measure that decides between near ties (see :mod:`.ranking`)."""
    words: str
    """What the goal asks for, in a sentence: ``the fewest epochs``."""
    title: str
    """A heading: ``Fewest epochs``."""
    aliases: tuple[str, ...] = ()
    """Other names accepted for the goal (hyphens are read as underscores)."""

    @property
    def speed(self) -> bool:
        """Whether the goal is a speed to the target (every goal but the best accuracy)."""
        return self.name != "best_accuracy"


GOAL_TABLE = {
    goal.name: goal
    for goal in (
        Goal(
            "fewest_epochs",
            "epochs",
            "updates",
            "the fewest epochs",
            "Fewest epochs",
            aliases=("epochs",),
        ),
        Goal(
            "fewest_updates",
            "updates",
            "examples",
            "the fewest updates",
            "Fewest updates",
            aliases=("updates", "steps", "fewest_steps"),
        ),
        Goal(
            "least_seconds",
            "seconds",
            "final_test_accuracy",
            "the least time",
            "Least wall-clock time",
            aliases=("seconds", "time", "wall_clock", "fewest_seconds"),
        ),
        Goal(
            "best_accuracy",
            "final_test_accuracy",
            "seconds",
            "the highest test accuracy",
            "Best test accuracy",
            aliases=("accuracy",),
        ),
    )
}
"""Every goal, in the order the CLI and the report show them."""

GOALS = tuple(GOAL_TABLE)
"""The goals a recommendation can serve: ``fewest_epochs``, ``fewest_updates``,
``least_seconds``, ``best_accuracy``."""

GOAL_ALIASES = {alias: goal.name for goal in GOAL_TABLE.values() for alias in goal.aliases}
"""Other names accepted for the goals, and the goal each names."""


def check_goal(goal: Any, name: str = "goal") -> str:
    """The goal's canonical name (``"fewest-updates"`` and ``"updates"`` -> ``"fewest_updates"``).

    Raises SpecError naming ``name``, the value and the valid goals.

    Example:
        >>> check_goal("fewest-updates"), check_goal("seconds")
        ('fewest_updates', 'least_seconds')
    """
    if isinstance(goal, str):
        key = goal.strip().lower().replace("-", "_")
        if key in GOALS:
            return key
        if key in GOAL_ALIASES:
            return GOAL_ALIASES[key]
    valid = [g.replace("_", "-") for g in GOALS]
    hint = did_you_mean(str(goal).strip().replace("_", "-"), valid)
    raise SpecError(f"{name}: {goal!r} is not a goal; use one of {', '.join(valid)}{hint or '.'}")
