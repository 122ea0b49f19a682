"""The ``[analysis]`` and ``[diagnostics]`` sections: what is reported and what is measured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from batchlab._columns import METRIC_KINDS, X_AXES
from batchlab._target import check_target
from batchlab.study import _check as c
from batchlab.study._fields import Section, axis, set_field


@dataclass(frozen=True, kw_only=True)
class Analysis(Section):
    """What the analysis reports: the target accuracy and the axes to compare on."""

    SECTION: ClassVar[str] = "analysis"

    target_accuracy: float | None = None
    """Test accuracy that counts as "learned", in (0, 1]. ``None``: 95% of the best mean final
    test accuracy over the study's settings (computed by the analysis)."""
    metrics: tuple[str, ...] = ("accuracy", "loss")
    """Metrics to plot and tabulate: ``accuracy``, ``loss``."""
    x_axes: tuple[str, ...] = ("epochs", "updates", "examples", "seconds")
    """Axes on which speed is compared: ``epochs``, ``updates``, ``examples``, ``seconds``."""

    def __post_init__(self) -> None:
        if self.target_accuracy is not None:
            target = c.number(self.target_accuracy, "analysis.target_accuracy")
            set_field(self, "target_accuracy", check_target(target, "analysis.target_accuracy"))
        for name, valid in (("metrics", METRIC_KINDS), ("x_axes", tuple(X_AXES))):
            path = f"analysis.{name}"
            values = axis(
                getattr(self, name), path, lambda v, p, ok=valid: c.choice(v, p, ok), "value"
            )
            set_field(self, name, values)


@dataclass(frozen=True, kw_only=True)
class Diagnostics(Section):
    """Gradient statistics recorded during training (seed 004), on a schedule of epochs."""

    SECTION: ClassVar[str] = "diagnostics"

    enabled: bool = False
    """Record the statistics at all."""
    epochs: tuple[int, ...] = (0,)
    """Epochs after which to measure (0 = at initialization), each <= the study's epochs."""
    batch_sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128)
    """Batch sizes at which mini-batch gradient norms are sampled (<= the training set)."""
    n_batches: int = 100
    """Mini-batches drawn per batch size for the mean and spread of the gradient norm."""
    sample_size: int | None = None
    """Examples used to estimate tr(Sigma), the per-example gradient covariance trace
    (``None`` = the whole training set)."""
    quantities: tuple[str, ...] | None = None
    """The statistics to record (names of ``batchlab.quantities``, e.g. ``["b_simple",
    "trace_cov", "full_grad_norm_sq"]``); ``None`` = all of them but the costly ones a study
    names to get (``sharpness``). Checked against the registry when the study starts."""

    def __post_init__(self) -> None:
        set_field(self, "enabled", c.boolean(self.enabled, "diagnostics.enabled"))
        set_field(
            self,
            "epochs",
            axis(
                self.epochs, "diagnostics.epochs", lambda v, p: c.integer(v, p, minimum=0), "epoch"
            ),
        )
        set_field(
            self,
            "batch_sizes",
            axis(
                self.batch_sizes,
                "diagnostics.batch_sizes",
                lambda v, p: c.integer(v, p, minimum=1),
                "batch size",
            ),
        )
        set_field(self, "n_batches", c.integer(self.n_batches, "diagnostics.n_batches", minimum=1))
        if self.quantities is not None:
            names = axis(self.quantities, "diagnostics.quantities", c.string, "quantity")
            set_field(self, "quantities", names)
        if self.sample_size is not None:
            set_field(
                self,
                "sample_size",
                c.integer(self.sample_size, "diagnostics.sample_size", minimum=1),
            )
