"""One training run with every value resolved: the one trial type of batchlab.

The planner (:func:`batchlab.run.plan`) makes them from a study; the engine trains them
(a cohort is a sequence of trials that share array shapes); the trials table stores them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Trial:
    """One training run, every value resolved.

    Example:
        >>> Trial(trial=0, seed=3, batch_size=32, learning_rate=0.01).cohort_key
        (32, 'sgd', None, '')
    """

    trial: int
    """Trial id, unique within the study: the position in grid order (0-based)."""
    seed: int
    """Seed of the initial weights (``keras.utils.set_random_seed(seed)``) and the shuffling."""
    batch_size: int
    """Examples per update (``"full"`` resolved to the training-set size)."""
    learning_rate: float
    """The (peak) learning rate actually used: ``base_learning_rate`` after the lr rule."""
    momentum: float = 0.0
    """SGD momentum (0 for plain SGD); Adam's beta_1 for Adam."""
    warmup_epochs: float = 0.0
    """Linear warmup length in epochs (0 = none)."""
    base_learning_rate: float | None = None
    """The sweep's learning rate (the rate at the reference batch size under a rule); None
    when no rule applies (it equals ``learning_rate``)."""
    optimizer: str = "sgd"
    """``"sgd"``, ``"nesterov"`` or ``"adam"``."""
    epochs: int | None = None
    """Epochs planned (None: set by whoever trains it)."""
    schedule: str = ""
    """The name of the trial's schedule (``[schedules.NAME]``; ``""``: none, constant rate
    after warmup and constant batch size)."""

    @property
    def cohort_key(self) -> tuple[int, str, int | None, str]:
        """What fixes the arrays' shapes and programs: (batch_size, optimizer, epochs,
        schedule); the batch size is the initial one under a batch-size schedule."""
        return (self.batch_size, self.optimizer, self.epochs, self.schedule)
