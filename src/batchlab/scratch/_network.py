"""A multilayer perceptron and gradient descent in plain NumPy, to be read top to bottom.

This is the readable reference network (seed 002) and the oracle that batchlab's JAX engine
is tested against. Everything is float64. Its conventions are Keras's, so that a Keras model
with the same initial weights, trained on the same batches, ends with the same weights:

* a layer computes ``z = a @ W + b`` with ``W`` of shape ``(fan_in, fan_out)`` (a Keras
  ``Dense`` kernel) and ``b`` of shape ``(fan_out,)``;
* the loss of a batch is the MEAN over its examples of the per-example loss;
* SGD with momentum is ``keras.optimizers.SGD``'s update.

Checked against ``keras.Model.fit`` (Keras 3.15.1, JAX backend, floatx float64, 3 layers, 4
epochs, batch sizes 1, 3 and 10 of 10): weights agree to 1e-15 with ReLU hidden units, softmax
outputs and categorical cross-entropy. With tanh units, MSE or binary cross-entropy they agree
to only ~1e-7, because Keras computes ``ops.tanh`` and ``ops.mean`` in float32 even under
float64 (``keras.src.backend.common.dtypes`` maps float64 to float32 on JAX).

Notation used in the comments: ``B`` examples in a batch, ``L`` layers, ``n_l`` units in
layer ``l`` (``n_0`` inputs, ``n_L`` outputs), ``a_l`` the output of layer ``l`` (``a_0 = x``,
``a_L = p`` the prediction), ``z_l`` its input before the activation.

The file reads in four parts:

1. activations and their derivatives,
2. losses and their derivatives,
3. the network: initialisation, forward pass, backpropagation,
4. gradient descent: SGD with momentum, batches, and the three flavors (batch, stochastic,
   mini-batch).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from batchlab.errors import SpecError
from batchlab.scratch._checks import (
    as_weights,
    check_choice,
    check_hidden,
    check_loss_output,
    check_order,
    check_positive_int,
    check_sizes,
    check_training,
    check_weights_or_seed,
    check_x,
    check_xy,
)

# --------------------------------------------------------------------------------------------
# 1. Activations.
#
# Each activation is a pair: ``f(z) -> a`` and ``backward(a, da) -> dz``, the gradient of the
# loss with respect to z given the gradient with respect to a = f(z). Every derivative below can
# be written with the output a alone, so the forward pass only has to keep the a's.
# --------------------------------------------------------------------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + exp(-z)), written as (1 + tanh(z / 2)) / 2 so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_j = exp(z_j) / sum_k exp(z_k) along the last axis; (B, n) -> (B, n)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # subtracting the max changes nothing but
    return e / e.sum(axis=-1, keepdims=True)  # keeps exp from overflowing


_FORWARD = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "softmax": softmax,
}

_BACKWARD = {
    # sigma'(z) = sigma(z) (1 - sigma(z)) = a (1 - a)
    "sigmoid": lambda a, da: da * a * (1.0 - a),
    # tanh'(z) = 1 - tanh(z)^2 = 1 - a^2
    "tanh": lambda a, da: da * (1.0 - a * a),
    # relu'(z) = 1 if z > 0 else 0 (0 at the kink, like JAX); z > 0 exactly when a > 0
    "relu": lambda a, da: da * (a > 0.0),
    "linear": lambda a, da: da,
    # softmax is not elementwise: da_j/dz_i = a_j (delta_ij - a_i), so
    # dz_i = sum_j da_j a_j (delta_ij - a_i) = a_i (da_i - sum_j da_j a_j)          (B, n)
    "softmax": lambda a, da: a * (da - np.sum(da * a, axis=-1, keepdims=True)),
}

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")

# --------------------------------------------------------------------------------------------
# 2. Losses.
#
# A loss is a pair: ``loss(p, y) -> float``, the mean over the B examples of the per-example
# loss, and ``grad(p, y) -> dL/dp`` of shape (B, n_L). Because the batch loss is a mean, every
# gradient carries a factor 1/B.
#
# Cross-entropies clip the probabilities to [EPSILON, 1 - EPSILON] before the log, exactly as
# Keras does (``keras.backend.epsilon() == 1e-7``); where a probability is clipped its gradient
# is zero, as it is for JAX differentiating ``jnp.clip``.
# --------------------------------------------------------------------------------------------

EPSILON = 1e-7


def _clip(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(clipped p, mask of the entries that were not clipped)."""
    return np.clip(p, EPSILON, 1.0 - EPSILON), (p >= EPSILON) & (p <= 1.0 - EPSILON)


def mse(p: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error: per example mean_j (p_j - y_j)^2, then the mean over the batch."""
    return float(np.mean(np.mean((p - y) ** 2, axis=-1)))


def mse_grad(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dL/dp = 2 (p - y) / (B n_L)."""
    return 2.0 * (p - y) / p.size


def binary_crossentropy(p: np.ndarray, y: np.ndarray) -> float:
    """Per example mean_j -(y_j log p_j + (1 - y_j) log(1 - p_j)) (Keras averages over the
    outputs), then the mean over the batch."""
    pc, _ = _clip(p)
    return float(np.mean(-np.mean(y * np.log(pc) + (1.0 - y) * np.log(1.0 - pc), axis=-1)))


def binary_crossentropy_grad(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dL/dp = -(y / p - (1 - y) / (1 - p)) / (B n_L), zero where p was clipped.

    Through a sigmoid this becomes the familiar dL/dz = (p - y) / (B n_L)."""
    pc, inside = _clip(p)
    return -(y / pc - (1.0 - y) / (1.0 - pc)) / p.size * inside


def categorical_crossentropy(p: np.ndarray, y: np.ndarray) -> float:
    """Per example -sum_j y_j log p_j (y one-hot), then the mean over the batch."""
    pc, _ = _clip(p)
    return float(np.mean(-np.sum(y * np.log(pc), axis=-1)))


def categorical_crossentropy_grad(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dL/dp = -y / (B p), zero where p was clipped.

    Through a softmax this becomes the familiar dL/dz = (p - y) / B. (Keras also divides p by
    sum(p) before clipping; after a softmax that sum is 1 and the division changes neither the
    loss nor, through the softmax, the gradient.)"""
    pc, inside = _clip(p)
    return -y / pc / p.shape[0] * inside


_LOSSES = {
    "mse": (mse, mse_grad),
    "binary_crossentropy": (binary_crossentropy, binary_crossentropy_grad),
    "categorical_crossentropy": (categorical_crossentropy, categorical_crossentropy_grad),
}

# Which output activations each loss makes sense with.
LOSS_OUTPUTS = {
    "mse": OUTPUT_ACTIVATIONS,
    "binary_crossentropy": ("sigmoid",),
    "categorical_crossentropy": ("softmax",),
}

# --------------------------------------------------------------------------------------------
# 3. The network.
# --------------------------------------------------------------------------------------------

Weights = list[tuple[np.ndarray, np.ndarray]]


class MLP:
    """A fully connected network: ``sizes[0]`` inputs, hidden layers, ``sizes[-1]`` outputs.

    Args:
        sizes: units per layer, inputs first, e.g. ``[2, 8, 5]``. May be omitted when
            ``weights`` is given (it is then read off the weight shapes).
        hidden: activation of the hidden layers, one of ``sigmoid``, ``tanh``, ``relu``; or one
            name per hidden layer.
        output: activation of the output layer: ``sigmoid``, ``softmax`` or ``linear``.
        loss: ``mse`` (any output), ``binary_crossentropy`` (sigmoid outputs) or
            ``categorical_crossentropy`` (softmax outputs, one-hot targets).
        weights: initial weights, either as ``[(W_1, b_1), ..., (W_L, b_L)]`` or as the flat
            list ``[W_1, b_1, ..., W_L, b_L]`` that Keras's ``model.get_weights()`` returns.
            ``W_l`` is an array of shape ``(n_{l-1}, n_l)``, ``b_l`` of shape ``(n_l,)``. They
            are copied.
        seed: when ``weights`` is not given, draw them with ``np.random.default_rng(seed)``:
            Glorot uniform kernels (Keras ``Dense``'s default), ``W ~ U(-r, r)`` with
            ``r = sqrt(6 / (fan_in + fan_out))``, and zero biases. Give ``weights`` or ``seed``.

    Attributes:
        weights: the current ``[(W_l, b_l)]``, float64; :func:`train` replaces them.

    Example:
        >>> net = MLP([2, 8, 5], hidden="sigmoid", output="sigmoid", loss="mse", seed=0)
        >>> net.predict(np.zeros((3, 2))).shape
        (3, 5)
    """

    def __init__(
        self,
        sizes: Sequence[int] | None = None,
        hidden: str | Sequence[str] = "sigmoid",
        output: str = "sigmoid",
        loss: str = "mse",
        *,
        weights: Sequence | None = None,
        seed: int | None = None,
    ) -> None:
        check_weights_or_seed(weights, seed)
        if weights is not None:
            self.weights = as_weights(weights, sizes)
        else:
            self.weights = glorot_uniform(check_sizes(sizes), np.random.default_rng(seed))
        self.sizes = [self.weights[0][0].shape[0]] + [W.shape[1] for W, _ in self.weights]

        hidden = check_hidden(hidden, len(self.sizes) - 2, HIDDEN_ACTIVATIONS)
        check_choice("output", output, OUTPUT_ACTIVATIONS)
        check_choice("loss", loss, tuple(LOSS_OUTPUTS))
        check_loss_output(loss, output, LOSS_OUTPUTS[loss])
        self.activations = [*hidden, output]  # one per layer, l = 1 .. L
        self.loss_name = loss

    # -- the forward pass ---------------------------------------------------------------------

    def forward(self, x: np.ndarray) -> list[np.ndarray]:
        """All layer outputs ``[a_0 = x, a_1, ..., a_L = p]``; ``a_l`` has shape (B, n_l)."""
        a = [x]
        for (W, b), act in zip(self.weights, self.activations, strict=True):
            z = a[-1] @ W + b  # (B, n_l) = (B, n_{l-1}) @ (n_{l-1}, n_l) + (n_l,)
            a.append(_FORWARD[act](z))  # (B, n_l)
        return a

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's output p = a_L, shape (B, n_L)."""
        return self.forward(self._x(x))[-1]

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """The mean loss over the examples of ``x`` (B, n_0) with targets ``y`` (B, n_L)."""
        x, y = self._xy(x, y)
        return _LOSSES[self.loss_name][0](self.forward(x)[-1], y)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Keras's accuracy: ``binary_accuracy`` for sigmoid outputs (fraction of outputs with
        ``(p > 0.5) == y``), ``categorical_accuracy`` for softmax (argmax agrees), NaN for
        linear outputs."""
        x, y = self._xy(x, y)
        return _accuracy(self.activations[-1], self.forward(x)[-1], y)

    # -- backpropagation ----------------------------------------------------------------------

    def backward(self, a: list[np.ndarray], y: np.ndarray) -> Weights:
        """Gradients ``[(dL/dW_l, dL/db_l)]`` of the batch loss, from the forward pass ``a``.

        The chain rule, layer by layer from the output back to the input:

            da_L = dL/dp                          (B, n_L)    from the loss
            dz_l = da_l * f_l'(z_l)               (B, n_l)    through the activation
            dW_l = a_{l-1}^T @ dz_l               (n_{l-1}, n_l)
            db_l = sum over the batch of dz_l     (n_l,)
            da_{l-1} = dz_l @ W_l^T               (B, n_{l-1})
        """
        da = _LOSSES[self.loss_name][1](a[-1], y)  # (B, n_L); carries the 1/B of the mean
        grads = []
        for layer in reversed(range(len(self.weights))):
            W, _ = self.weights[layer]
            dz = _BACKWARD[self.activations[layer]](a[layer + 1], da)  # (B, n_l)
            dW = a[layer].T @ dz  # (n_{l-1}, n_l): sums the B per-example outer products
            db = dz.sum(axis=0)  # (n_l,)
            da = dz @ W.T  # (B, n_{l-1})
            grads.append((dW, db))
        return grads[::-1]

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, Weights]:
        """``(loss, [(dL/dW_l, dL/db_l)])`` of the mean loss over the batch ``x``, ``y``."""
        x, y = self._xy(x, y)
        a = self.forward(x)
        return _LOSSES[self.loss_name][0](a[-1], y), self.backward(a, y)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as Keras's flat list ``[W_1, b_1, ..., W_L, b_L]``."""
        return [w.copy() for layer in self.weights for w in layer]

    def _x(self, x) -> np.ndarray:
        return check_x(x, self.sizes[0])

    def _xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        return check_xy(x, y, self.sizes[0], self.sizes[-1])


def glorot_uniform(sizes: Sequence[int], rng: np.random.Generator) -> Weights:
    """Kernels ``W ~ U(-r, r)``, ``r = sqrt(6 / (fan_in + fan_out))``; biases zero."""
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        r = math.sqrt(6.0 / (fan_in + fan_out))
        weights.append((rng.uniform(-r, r, size=(fan_in, fan_out)), np.zeros(fan_out)))
    return weights


def _accuracy(output: str, p: np.ndarray, y: np.ndarray) -> float:
    if output == "sigmoid":
        return float(np.mean((p > 0.5) == (y > 0.5)))
    if output == "softmax":
        return float(np.mean(np.argmax(p, axis=-1) == np.argmax(y, axis=-1)))
    return math.nan


# --------------------------------------------------------------------------------------------
# 4. Gradient descent.
#
# SGD with momentum, exactly as keras.optimizers.SGD, for every weight array w with gradient g:
#
#     v <- momentum * v - lr * g                 (v starts at zero)
#     w <- w + v                                 (nesterov: w <- w + momentum * v - lr * g)
#
# With momentum = 0 this is plain gradient descent, w <- w - lr * g.
#
# The three flavors differ only in how many examples each gradient is averaged over:
#
#     batch GD       batch_size = n   one update per epoch, the exact gradient of the loss
#     stochastic GD  batch_size = 1   n updates per epoch, each from a single example
#     mini-batch GD  1 < batch_size < n   ceil(n / batch_size) updates per epoch
# --------------------------------------------------------------------------------------------


class SGDState(NamedTuple):
    """The optimizer's state: one velocity array per weight array, ``[(v_W, v_b)]``."""

    velocity: Weights


def sgd_init(weights: Weights) -> SGDState:
    """Zero velocities shaped like ``weights``."""
    return SGDState([(np.zeros_like(W), np.zeros_like(b)) for W, b in weights])


def sgd_update(
    weights: Weights,
    grads: Weights,
    state: SGDState,
    lr: float,
    momentum: float = 0.0,
    nesterov: bool = False,
) -> tuple[Weights, SGDState]:
    """One step of Keras's SGD: returns ``(new weights, new state)``; inputs are not changed."""
    new_weights, new_velocity = [], []
    for layer, velocity, grad in zip(weights, state.velocity, grads, strict=True):
        new_w, new_v = [], []
        for w, v, g in zip(layer, velocity, grad, strict=True):
            if momentum == 0.0:  # plain SGD; v stays zero
                w = w - lr * g
            else:
                v = momentum * v - lr * g
                w = w + (momentum * v - lr * g if nesterov else v)
            new_w.append(w)
            new_v.append(v)
        new_weights.append(tuple(new_w))
        new_velocity.append(tuple(new_v))
    return new_weights, SGDState(new_velocity)


FLAVORS = ("batch", "stochastic", "minibatch")


def flavor_batch_size(flavor: str, n: int, minibatch_size: int = 32) -> int:
    """The batch size of a flavor of gradient descent on ``n`` examples.

    ``batch`` -> n, ``stochastic`` -> 1, ``minibatch`` -> ``min(minibatch_size, n)``.
    """
    check_choice("flavor", flavor, FLAVORS)
    check_positive_int("n", n)
    check_positive_int("minibatch_size", minibatch_size)
    return {"batch": n, "stochastic": 1, "minibatch": min(minibatch_size, n)}[flavor]


def batch_slices(permutation: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Consecutive slices of ``permutation`` of ``batch_size`` indices each; the last one is
    smaller when ``batch_size`` does not divide n (never dropped, never padded)."""
    n = len(permutation)
    return [permutation[start : start + batch_size] for start in range(0, n, batch_size)]


@dataclass
class History:
    """What :func:`train` saw, one entry per epoch (names as in batchlab's history table).

    ``train_loss`` and ``train_accuracy`` are the means over the epoch's batches, weighted by
    batch size, each batch measured before its update (what Keras ``fit`` reports);
    ``*_end`` are measured on the whole training set after the epoch.
    """

    n: int
    """Number of training examples."""
    batch_size: int
    """Examples per update (the last batch of an epoch may be smaller)."""
    epoch: list[int] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    """Cumulative optimizer steps at the end of each epoch."""
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    train_loss_end: list[float] = field(default_factory=list)
    train_accuracy_end: list[float] = field(default_factory=list)

    @property
    def steps_per_epoch(self) -> int:
        """ceil(n / batch_size)."""
        return -(-self.n // self.batch_size)


def train(
    net: MLP,
    x,
    y,
    batch_size: int | str,
    epochs: int,
    lr: float,
    momentum: float = 0.0,
    nesterov: bool = False,
    order: Sequence[Sequence[int]] | None = None,
    shuffle_seed: int | None = None,
) -> History:
    """Train ``net`` in place by gradient descent on ``x`` (n, n_0), ``y`` (n, n_L).

    Args:
        batch_size: examples per update; ``"full"`` (or n, or more) is batch GD, 1 is
            stochastic GD. Batches are consecutive slices of the epoch's permuted indices;
            the last one is smaller when ``batch_size`` does not divide n.
        epochs: passes over the data.
        lr: learning rate, > 0.
        momentum: in [0, 1]; 0 is plain SGD.
        nesterov: Keras's Nesterov momentum.
        order: the batch order, one permutation of ``range(n)`` per epoch. Without it,
            ``shuffle_seed`` shuffles every epoch with ``np.random.default_rng(shuffle_seed)``;
            with neither, examples are taken in their given order.

    Returns:
        The :class:`History`. The optimizer state starts at zero on every call.

    Example:
        >>> x, y = np.eye(2), np.eye(2)
        >>> net = MLP([2, 2], output="softmax", loss="categorical_crossentropy", seed=0)
        >>> hist = train(net, x, y, batch_size=1, epochs=3, lr=0.5, momentum=0.9)
        >>> hist.updates
        [2, 4, 6]
    """
    if not isinstance(net, MLP):
        raise SpecError(f"net: expected a batchlab.scratch.MLP, got {type(net).__name__}.")
    x, y = net._xy(x, y)  # (n, n_0), (n, n_L)
    n = x.shape[0]
    batch_size = check_training(batch_size, n, epochs, lr, momentum)
    if order is not None:
        permutations = check_order(order, shuffle_seed, n, epochs)  # epochs x (n,)
    elif shuffle_seed is not None:
        rng = np.random.default_rng(shuffle_seed)
        permutations = [rng.permutation(n) for _ in range(epochs)]
    else:
        permutations = [np.arange(n)] * epochs

    history = History(n=n, batch_size=batch_size)
    state = sgd_init(net.weights)
    updates = 0
    for epoch, perm in enumerate(permutations, start=1):
        loss_sum = correct_sum = 0.0
        for idx in batch_slices(perm, batch_size):
            xb, yb = x[idx], y[idx]  # (B, n_0), (B, n_L); B = batch_size or smaller at the end
            a = net.forward(xb)
            loss_sum += _LOSSES[net.loss_name][0](a[-1], yb) * len(idx)
            correct_sum += _accuracy(net.activations[-1], a[-1], yb) * len(idx)
            grads = net.backward(a, yb)
            net.weights, state = sgd_update(net.weights, grads, state, lr, momentum, nesterov)
            updates += 1
        history.epoch.append(epoch)
        history.updates.append(updates)
        history.train_loss.append(loss_sum / n)
        history.train_accuracy.append(correct_sum / n)
        history.train_loss_end.append(net.loss(x, y))
        history.train_accuracy_end.append(net.accuracy(x, y))
    return history
