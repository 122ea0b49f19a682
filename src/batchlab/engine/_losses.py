"""Per-example losses and hits for the two tasks, as Keras computes them.

A head maps a model output to per-example values; the engine averages them over a batch
with a weight mask (``sum(mask * l) / sum(mask)``: Keras's ``sum_over_batch_size`` on the
real examples of a ragged last batch).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp

from batchlab._backend import keras
from batchlab.errors import SpecError
from batchlab.study import LOSSES


@dataclass(frozen=True)
class Head:
    """How outputs are scored: the loss and the accuracy of one example."""

    task: str
    """``"classification"`` (integer labels) or ``"multilabel"`` (0/1 targets)."""
    loss: str
    """``"crossentropy"``, ``"binary_crossentropy"`` or ``"mse"``."""
    n_outputs: int
    """Width of the model's output."""
    from_logits: bool
    """The model outputs logits (no softmax/sigmoid on its last layer)."""

    def example_loss(self, y_pred, y):
        """Per-example loss, shape ``y_pred.shape[:-1]`` (Keras's loss functions)."""
        k = keras()
        target = self._target(y, y_pred.dtype)
        if self.loss == "crossentropy":
            return k.losses.categorical_crossentropy(target, y_pred, from_logits=self.from_logits)
        if self.loss == "binary_crossentropy":
            return k.losses.binary_crossentropy(target, y_pred, from_logits=self.from_logits)
        return k.losses.mean_squared_error(target, y_pred)

    def example_hits(self, y_pred, y):
        """Per-example accuracy in [0, 1]: Keras's categorical or binary accuracy."""
        if self.task == "classification":
            return (jnp.argmax(y_pred, axis=-1) == y).astype(y_pred.dtype)
        threshold = 0.0 if self.from_logits else 0.5
        return jnp.mean((y_pred > threshold).astype(y_pred.dtype) == y, axis=-1)

    def _target(self, y, dtype):
        if self.task == "classification":
            return jnp.eye(self.n_outputs, dtype=dtype)[y]  # (..., n_outputs) one-hot
        return y.astype(dtype)


def make_head(task: str, loss: str, n_outputs: int, output_activation: str) -> Head:
    """Choose the loss for a task and a model's last activation.

    ``loss="auto"``: cross-entropy for classification, binary cross-entropy for multi-label.
    ``output_activation`` is the name of the last layer's activation (``"softmax"``,
    ``"sigmoid"``, ``"linear"``...): anything but softmax/sigmoid is treated as logits.
    """
    if loss not in LOSSES:
        raise SpecError(f"loss: {loss!r} is not valid; use one of {', '.join(LOSSES)}.")
    if loss == "auto":
        loss = "crossentropy" if task == "classification" else "binary_crossentropy"
    if task == "classification" and loss == "binary_crossentropy":
        raise SpecError(
            "loss: 'binary_crossentropy' needs a multi-label dataset (0/1 target vectors); "
            "this dataset has class labels: use 'crossentropy' or 'mse'."
        )
    if task == "multilabel" and loss == "crossentropy":
        raise SpecError(
            "loss: 'crossentropy' needs class labels; this dataset is multi-label: use "
            "'binary_crossentropy' or 'mse'."
        )
    from_logits = output_activation not in ("softmax", "sigmoid")
    if loss == "crossentropy" and output_activation == "sigmoid":
        raise SpecError(
            "loss: cross-entropy over classes needs a softmax (or linear) output layer; "
            "the model's last activation is sigmoid."
        )
    return Head(task=task, loss=loss, n_outputs=n_outputs, from_logits=from_logits)


def output_activation(model) -> str:
    """Name of the activation applied last by a Keras model (``"linear"`` if none)."""
    k = keras()
    last = model.layers[-1]
    fn = getattr(last, "activation", None)
    if fn is None:
        return "linear"
    name = getattr(fn, "__name__", "")
    if name == "softmax" or isinstance(last, k.layers.Softmax):
        return "softmax"
    return name or "linear"
