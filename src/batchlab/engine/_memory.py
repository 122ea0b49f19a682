"""Cohorts that fit: how much memory a trial takes, and sub-cohorts when they do not all fit.

A cohort's trials train as one program whose memory grows with the number of trials: each
trial keeps its weights, its initial weights and its optimizer's slots, and the program's
temporaries hold each trial's activations of a batch (training) and of an evaluation chunk.
:func:`trial_bytes` estimates that from the sizes of the weights and of the layers' outputs;
when ``trials x trial_bytes`` exceeds the budget, :func:`split` cuts the cohort into
sub-cohorts of sizes as equal as possible, trained one after the other within each epoch.
Each trial's computation does not depend on the others', so the rows are those of an unsplit
run. On a GPU this is what makes many-trial cohorts safe; on a CPU the default budget (half
the machine's memory) is rarely reached.

The budget: ``$BATCHLAB_MEMORY_BUDGET`` (bytes, or ``"512MB"``, ``"2GB"``), else 70% of the
accelerator's memory, else half of the machine's.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np

from batchlab.errors import SpecError

ENV = "BATCHLAB_MEMORY_BUDGET"
SAFETY = 2.0
"""Factor over the estimate (XLA's buffers, double-buffered loop carries)."""

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20,
          "gib": 2**30}  # fmt: skip


def parse(value) -> int:
    """Bytes from an int or a string like ``"512MB"`` / ``"2GiB"``; a SpecError otherwise."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool) and value > 0:
        return int(value)
    match = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(value))
    unit = match and match.group(2).lower()
    if not match or unit not in _UNITS or float(match.group(1)) <= 0:
        raise SpecError(
            f"memory budget: {value!r} is not valid; give bytes (> 0) or a size such as "
            "'512MB' or '2GB'."
        )
    return int(float(match.group(1)) * _UNITS[unit])


def env_budget() -> int | None:
    """``$BATCHLAB_MEMORY_BUDGET`` in bytes, None when unset; a SpecError naming the variable
    when it is not a size (checked before a run stores anything)."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        return parse(value)
    except SpecError as e:
        raise SpecError(f"${ENV}: {e}") from None


def budget() -> int:
    """The memory the trials of one cohort may take (see the module)."""
    given = env_budget()
    if given is not None:
        return given
    import jax

    device = jax.devices()[0]
    try:
        stats = device.memory_stats() or {}
    except Exception:  # noqa: BLE001  (a backend without memory statistics)
        stats = {}
    if stats.get("bytes_limit"):
        return int(0.7 * stats["bytes_limit"])
    try:
        return int(0.5 * os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def _activations(model) -> int:
    """Numbers one example makes flow through the model (its input and every layer's
    output)."""
    total = 0
    for layer in model._flatten_layers(include_self=False):
        try:
            shape = layer.output.shape
        except Exception:  # noqa: BLE001  (a layer without a symbolic output)
            continue
        total += math.prod(int(d) for d in shape[1:] if d is not None)
    inputs = getattr(model, "inputs", None) or []
    for x in inputs:
        total += math.prod(int(d) for d in x.shape[1:] if d is not None)
    return max(total, 1)


def trial_bytes(cohort) -> int:
    """Estimated bytes one trial of ``cohort`` takes in its epoch program."""
    model = cohort.model
    itemsize = np.dtype(model.trainable_variables[0].dtype).itemsize
    params = sum(math.prod(v.shape) for v in model.trainable_variables) * itemsize
    non_trainable = sum(
        math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in model.non_trainable_variables
    )
    slots = 2 if cohort.optimizer.name == "adam" else 1
    # weights, initial weights, optimizer slots, the gradient and the update
    state = params * (2 + slots + 2) + 2 * non_trainable
    per_example = _activations(model) * itemsize
    n = cohort.dataset.n_train
    training = 3 * cohort.batch_size * per_example  # values, their gradients, the batch
    evaluation = min(max(n, cohort.dataset.n_test), cohort._eval_chunk) * per_example
    orders = 2 * n * 4
    return int(SAFETY * (state + training + evaluation + orders))


def split(n_trials: int, per_trial: int, budget_bytes: int) -> list[int]:
    """Sub-cohort sizes (as equal as possible, larger first) so each fits the budget; one
    trial per sub-cohort at least."""
    fit = max(1, budget_bytes // max(per_trial, 1))
    n_parts = -(-n_trials // fit)
    base, extra = divmod(n_trials, n_parts)
    return [base + 1] * extra + [base] * (n_parts - extra)
