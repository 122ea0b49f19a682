"""Input checks for the scratch network: each raises SpecError naming the argument, the value
and what is valid. Kept apart so that ``_network.py`` reads as the algorithm alone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np

from batchlab.errors import SpecError


def check_choice(name: str, value, valid: Sequence[str]) -> None:
    if value not in valid:
        raise SpecError(f"{name}={value!r} is not known; valid: {', '.join(valid)}.")


def check_positive_int(name: str, value, extra: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise SpecError(f"{name}={value!r}: must be a positive integer{extra}.")
    return int(value)


def check_weights_or_seed(weights, seed) -> None:
    if weights is not None and seed is not None:
        raise SpecError("MLP: give `weights` or `seed`, not both.")
    if weights is None and seed is None:
        raise SpecError(
            "MLP: give `weights` (initial weights) or `seed` (to draw them); batchlab never "
            "draws weights from a hidden global seed."
        )


def check_sizes(sizes) -> list[int]:
    ok = (
        sizes is not None
        and len(sizes) >= 2
        and all(isinstance(s, int | np.integer) and not isinstance(s, bool) for s in sizes)
        and all(s >= 1 for s in sizes)
    )
    if not ok:
        raise SpecError(
            f"sizes={sizes!r}: give at least two positive integers, inputs first, e.g. [2, 8, 5]."
        )
    return [int(s) for s in sizes]


def as_weights(weights: Sequence, sizes: Sequence[int] | None) -> list:
    """``[(W, b), ...]`` or the flat ``[W, b, W, b, ...]`` -> float64 copies ``[(W, b)]``,
    checking that the shapes chain from layer to layer (and match ``sizes`` if given)."""
    items = list(weights)
    if items and all(isinstance(w, tuple | list) and len(w) == 2 for w in items):
        pairs = items
    elif len(items) % 2 == 0 and len(items) > 0:
        pairs = list(zip(items[0::2], items[1::2], strict=True))
    else:
        raise SpecError(
            f"weights: got {len(items)} arrays; give [(W, b), ...] per layer or the flat "
            "Keras list [W_1, b_1, ..., W_L, b_L]."
        )
    out = []
    for layer, (W, b) in enumerate(pairs, start=1):
        W = np.array(W, dtype=np.float64)
        b = np.array(b, dtype=np.float64)
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise SpecError(
                f"weights: layer {layer} has W of shape {W.shape} and b of shape {b.shape}; "
                "W must be (fan_in, fan_out) and b (fan_out,)."
            )
        if out and out[-1][0].shape[1] != W.shape[0]:
            raise SpecError(
                f"weights: layer {layer} has W of shape {W.shape} but layer {layer - 1} has "
                f"{out[-1][0].shape[1]} outputs; W_{layer} must have that many rows."
            )
        out.append((W, b))
    shape_sizes = [out[0][0].shape[0]] + [W.shape[1] for W, _ in out]
    if sizes is not None and list(sizes) != shape_sizes:
        raise SpecError(
            f"MLP: sizes={list(sizes)!r} but the weights have layer sizes {shape_sizes!r}; "
            "give matching sizes or leave sizes out."
        )
    return out


def check_hidden(hidden, n_hidden: int, valid: Sequence[str]) -> list[str]:
    """One activation name per hidden layer."""
    names = [hidden] * n_hidden if isinstance(hidden, str) else list(hidden)
    if len(names) != n_hidden:
        raise SpecError(
            f"MLP: hidden={hidden!r} names {len(names)} activations but the network has "
            f"{n_hidden} hidden layers; give one name or one per hidden layer."
        )
    for name in names:
        check_choice("hidden", name, valid)
    return names


def check_loss_output(loss: str, output: str, valid_outputs: Sequence[str]) -> None:
    if output not in valid_outputs:
        raise SpecError(
            f"MLP: loss={loss!r} needs output in {tuple(valid_outputs)!r}, got output={output!r}."
        )


def check_x(x, n_in: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != n_in:
        raise SpecError(f"x has shape {x.shape}; this network needs (examples, {n_in}).")
    return x


def check_xy(x, y, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    x = check_x(x, n_in)
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (x.shape[0], n_out):
        raise SpecError(
            f"y has shape {y.shape}; with x of shape {x.shape} this network needs "
            f"({x.shape[0]}, {n_out})."
        )
    return x, y


def check_training(batch_size, n: int, epochs, lr, momentum) -> int:
    """Check train()'s numbers; returns the batch size resolved ("full" -> n, capped at n)."""
    if n == 0:
        raise SpecError("x has no examples; give at least one row.")
    if isinstance(batch_size, str) and batch_size == "full":
        batch_size = n
    batch_size = check_positive_int("batch_size", batch_size, extra=' or "full"')
    check_positive_int("epochs", epochs)
    if isinstance(lr, bool) or not (isinstance(lr, Real) and math.isfinite(lr) and lr > 0):
        raise SpecError(f"lr={lr!r}: the learning rate must be a finite number > 0.")
    if isinstance(momentum, bool) or not (isinstance(momentum, Real) and 0 <= momentum <= 1):
        raise SpecError(f"momentum={momentum!r}: must be a number in [0, 1].")
    return min(batch_size, n)


def check_order(order, shuffle_seed, n: int, epochs: int) -> list[np.ndarray]:
    """An explicit batch order: one permutation of range(n) per epoch."""
    if shuffle_seed is not None:
        raise SpecError("train: give `order` or `shuffle_seed`, not both.")
    perms = [np.asarray(p) for p in order]
    if len(perms) != epochs:
        raise SpecError(
            f"order has {len(perms)} permutations but epochs={epochs}; give one per epoch."
        )
    for i, p in enumerate(perms):
        is_int = np.issubdtype(p.dtype, np.integer)
        if not is_int or p.shape != (n,) or not np.array_equal(np.sort(p), np.arange(n)):
            raise SpecError(
                f"order[{i}] is not a permutation of range({n}); every epoch's order must "
                f"hold each index 0..{n - 1} once, as integers."
            )
    return perms
