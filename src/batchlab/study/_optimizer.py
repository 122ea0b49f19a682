"""The ``[optimizer]`` section, which is also the engine's optimizer: one type for both.

``bl.sgd(momentum=0.9)`` and ``[optimizer] name = "sgd"`` make the same :class:`Optimizer`.
It is pure data (no JAX): the engine turns it into an optax transformation
(:func:`batchlab.engine.optimizer_transform`), with each trial's learning rate and momentum as
traced values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from batchlab.study import _check as c
from batchlab.study._fields import Section, set_field

OPTIMIZERS = ("sgd", "adam")
"""The optimizers a study can use (Keras's update rules)."""


@dataclass(frozen=True, kw_only=True)
class Optimizer(Section):
    """The optimizer every trial of a study uses; its learning rate (and momentum, when the
    sweep gives one) vary per trial. Defaults and update rules are Keras's.

    - SGD (Robbins & Monro 1951; Polyak 1964 heavy ball; Nesterov 1983), as
      ``keras.optimizers.SGD``: ``v <- m v - lr g; w <- w + v`` (Nesterov: ``w <- w + m v -
      lr g``), with ``m`` the trial's momentum.
    - Adam (Kingma & Ba 2015), as ``keras.optimizers.Adam``: ``m <- b1 m + (1 - b1) g``,
      ``v <- b2 v + (1 - b2) g^2``, ``w <- w - lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) +
      eps)`` (epsilon outside the bias correction, as Keras places it), with ``b1`` the trial's
      momentum.

    Build one with :func:`sgd` or :func:`adam`, or from a study file's ``[optimizer]`` table.
    """

    SECTION: ClassVar[str] = "optimizer"

    name: str = "sgd"
    """``"sgd"`` or ``"adam"``."""
    nesterov: bool = False
    """Nesterov momentum for SGD (``keras.optimizers.SGD(nesterov=True)``); SGD only."""
    momentum: float | None = None
    """SGD's momentum for trials whose sweep gives none (``None``: 0, plain SGD); SGD only."""
    beta_1: float = 0.9
    """Adam's first-moment decay; the momentum of Adam trials whose sweep gives none."""
    beta_2: float = 0.999
    """Adam's second-moment decay."""
    epsilon: float = 1e-7
    """Adam's epsilon (Keras's default 1e-7, not optax's 1e-8)."""

    def __post_init__(self) -> None:
        set_field(self, "name", c.choice(self.name, "optimizer.name", OPTIMIZERS))
        set_field(self, "nesterov", c.boolean(self.nesterov, "optimizer.nesterov"))
        for name in ("beta_1", "beta_2", "momentum"):
            value = getattr(self, name)
            if value is None:
                continue
            value = c.number(value, f"optimizer.{name}")
            if not 0.0 <= value < 1.0:
                raise c.fail(f"optimizer.{name}", value, "must be in [0, 1)")
            set_field(self, name, value)
        epsilon = c.number(self.epsilon, "optimizer.epsilon")
        if epsilon <= 0:
            raise c.fail("optimizer.epsilon", epsilon, "must be > 0")
        set_field(self, "epsilon", epsilon)
        if self.nesterov and self.name != "sgd":
            raise c.fail("optimizer.nesterov", True, "Nesterov momentum applies to 'sgd' only")
        if self.momentum is not None and self.name != "sgd":
            raise c.fail(
                "optimizer.momentum", self.momentum, "applies to 'sgd' only (Adam's is beta_1)"
            )

    @property
    def kind(self) -> str:
        """``"sgd"``, ``"nesterov"`` or ``"adam"``: the trials table's ``optimizer`` column."""
        if self.name == "sgd" and self.nesterov:
            return "nesterov"
        return self.name

    @property
    def default_momentum(self) -> float:
        """The momentum of a trial whose sweep gives none: SGD's ``momentum`` (0 when unset),
        Adam's ``beta_1``."""
        if self.name == "adam":
            return self.beta_1
        return 0.0 if self.momentum is None else self.momentum


def sgd(*, momentum: float = 0.0, nesterov: bool = False) -> Optimizer:
    """Keras's SGD: ``bl.sgd(momentum=0.9)`` is ``keras.optimizers.SGD(lr, momentum=0.9)``.

    The learning rate is not an argument: it is swept per trial (``learning_rate=``).

    Example:
        >>> sgd(momentum=0.9).default_momentum
        0.9
    """
    return Optimizer(name="sgd", nesterov=nesterov, momentum=momentum)


def adam(*, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7) -> Optimizer:
    """Keras's Adam (``keras.optimizers.Adam``), epsilon placed as Keras places it.

    Example:
        >>> adam().kind
        'adam'
    """
    return Optimizer(name="adam", beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
