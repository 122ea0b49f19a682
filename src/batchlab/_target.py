"""The one rule for a target test accuracy, wherever it is given (``--target``,
``analysis.target_accuracy``, ``Summary(target=...)``, ``result.summary(target=...)``): a
finite fraction in (0, 1]. A leaf module (the standard library only), so the CLI can check
its options before importing anything heavy."""

from __future__ import annotations

import math
import numbers

from batchlab.errors import SpecError


def check_target(target: object, name: str = "target") -> float | None:
    """``target`` as a float in (0, 1], None as None; a SpecError naming ``name`` and the
    value otherwise (90 for 90% is the usual slip).

    Example:
        >>> check_target(0.9), check_target(None)
        (0.9, None)
    """
    if target is None:
        return None
    ok = isinstance(target, numbers.Real) and not isinstance(target, bool)
    if not (ok and math.isfinite(target) and 0 < target <= 1):
        raise SpecError(
            f"{name} = {target!r}: a target test accuracy is a fraction in (0, 1], e.g. 0.9 for 90%"
        )
    return float(target)
