"""The ``[lr_rule]`` section: how a trial's learning rate follows its batch size; warmup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from batchlab._laws import LR_RULES, lr_factor
from batchlab.study import _check as c
from batchlab.study._fields import Section, set_field


@dataclass(frozen=True, kw_only=True)
class LRRule(Section):
    """How a trial's learning rate depends on its batch size, and the warmup.

    With ``rule = "linear"`` a trial at batch size B gets ``base * B / reference_batch_size``
    (Goyal et al. 2017, "Accurate, Large Minibatch SGD"); with ``"sqrt"``
    ``base * sqrt(B / reference_batch_size)`` (Krizhevsky 2014; Hoffer et al. 2017). The
    sweep's learning rates are then the rates *at the reference batch size*.
    """

    SECTION: ClassVar[str] = "lr_rule"

    rule: str = "none"
    """``"none"`` (the sweep's rates as given), ``"linear"`` or ``"sqrt"``."""
    reference_batch_size: int = 32
    """The batch size at which the sweep's learning rates hold (Keras's default batch)."""
    warmup_epochs: float = 0.0
    """Linear warmup from 0 to the trial's rate over this many epochs (0 = none)."""

    def __post_init__(self) -> None:
        set_field(self, "rule", c.choice(self.rule, "lr_rule.rule", LR_RULES))
        set_field(
            self,
            "reference_batch_size",
            c.integer(self.reference_batch_size, "lr_rule.reference_batch_size", minimum=1),
        )
        warmup = c.number(self.warmup_epochs, "lr_rule.warmup_epochs")
        if warmup < 0:
            raise c.fail("lr_rule.warmup_epochs", warmup, "must be >= 0")
        set_field(self, "warmup_epochs", warmup)

    def factor(self, batch_size: int) -> float:
        """The multiplier applied to a base learning rate at ``batch_size``."""
        return lr_factor(self.rule, batch_size, self.reference_batch_size)

    def rate(self, base_rate: float, batch_size: int) -> float:
        """The learning rate a trial at ``batch_size`` uses, from the sweep's ``base_rate``."""
        return base_rate * self.factor(batch_size)
