"""A cohort: trials that share array shapes, trained as ONE compiled, vectorized program.

``jax.jit(jax.vmap(epoch))`` over the trials, ``jax.lax.scan`` over the steps of an epoch.
Trials differ only in values (seed, learning rate, momentum, warmup); the batch size, the
dataset, the model and the optimizer kind fix the shapes and are shared.

Keras ``fit`` semantics: each epoch reshuffles the training set with the permutation Keras
``fit`` itself draws for the trial's seed and that epoch (:func:`epoch_order`), so a trial and
its Keras twin see the same batches; batches are consecutive slices of the permutation; the
last batch is smaller when the batch size does not divide the training set (a weight mask
zeroes the padding, nothing is repeated or dropped); the batch loss is the mean over the
batch's real examples. The ``train_loss``/``train_accuracy`` recorded per epoch are what
``fit`` reports (the mean over the epoch's batches weighted by batch size, at the weights each
batch saw); ``*_end`` and ``test_*`` are exact full passes after the epoch.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pandas as pd

from batchlab._backend import keras
from batchlab._columns import EPOCH_METRICS as METRICS
from batchlab._seeds import check_seed
from batchlab.engine._init import seeded_model
from batchlab.engine._losses import Head, make_head, output_activation
from batchlab.engine._optim import Optimizer
from batchlab.errors import ModelError, SpecError

# The diagnostics' random stream: fold_in(key(seed), STREAM) then the epoch. (The shuffling
# stream is Keras's own, on the host: see epoch_order.)
_DIAGNOSTICS_STREAM = 1

GRADIENT_QUANTITIES = (
    "grad_norm_sq",
    "grad_norm",
    "full_grad_norm_sq",
    "trace_cov",
    "b_simple",
    "grad_snr",
)
"""Gradient statistics measured at scheduled epochs (seed 004, McCandlish et al. 2018)."""
MOTION_QUANTITIES = ("distance_from_init", "update_norm")
"""Cheap statistics of the weights' motion, measurable after every epoch."""


@dataclass(frozen=True)
class TrialConfig:
    """The values that distinguish the trials of a cohort."""

    seed: int
    """Initial weights (``keras.utils.set_random_seed(seed)``), shuffling, dropout."""
    learning_rate: float
    """Peak learning rate."""
    momentum: float = 0.0
    """SGD momentum, or Adam's beta_1."""
    warmup_epochs: float = 0.0
    """Linear learning-rate warmup, in epochs (0: none)."""
    trial: int | None = None
    """Trial id for the history table (default: position in the cohort)."""


# Keras's first ``fit`` after ``compile`` draws one permutation to build its loss and metrics
# (``Trainer._symbolic_build`` takes a batch from a fresh iterator); epoch e uses draw e + 1.
_KERAS_BUILD_DRAWS = 1


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order in which a trial sees the ``n`` training examples in epoch ``epoch``.

    Exactly the permutation that Keras ``fit(shuffle=True)`` draws in that epoch (0-based) after
    ``keras.utils.set_random_seed(seed)`` and ``compile``: ``np.random.seed(seed)`` starts the
    stream, the first ``fit`` spends one ``np.random.permutation(n)`` building its loss and
    metrics, then draws one per epoch. So a trial follows the batches its Keras twin sees, and
    the order is a function of (seed, epoch) alone: a resumed run draws exactly what an
    uninterrupted one does. Batches are consecutive slices of it; the last may be smaller.
    ``(n,)`` int32. :class:`EpochOrders` draws the same stream without replaying it.
    """
    return EpochOrders(n)(seed, epoch)


class EpochOrders:
    """:func:`epoch_order` for many seeds and consecutive epochs, one draw per (seed, epoch).

    Keeps each seed's generator where the last call left it; asking for an earlier epoch (a
    resumed cohort, a test) replays the stream from the seed.

    Example:
        >>> import numpy as np
        >>> orders = EpochOrders(5)
        >>> bool(np.array_equal(orders(3, 2), epoch_order(3, 2, 5)))
        True
    """

    def __init__(self, n: int):
        self.n = int(n)
        self._streams: dict[int, tuple[np.random.RandomState, int]] = {}  # seed -> (rng, next)

    def __call__(self, seed: int, epoch: int) -> np.ndarray:
        seed, epoch = check_seed(seed), int(epoch)
        rng, next_epoch = self._streams.get(seed, (None, epoch + 1))
        if rng is None or next_epoch > epoch:
            rng, next_epoch = np.random.RandomState(seed), -_KERAS_BUILD_DRAWS
        for _ in range(epoch - next_epoch):
            rng.permutation(self.n)
        self._streams[seed] = (rng, epoch + 1)
        return rng.permutation(self.n).astype(np.int32)


class TrialValues(NamedTuple):
    """Per-trial traced values, each of shape (trials,)."""

    seed: jax.Array
    learning_rate: jax.Array
    momentum: jax.Array
    warmup_steps: jax.Array


class CohortState(NamedTuple):
    """Everything needed to continue a cohort; every leaf has a leading trials axis."""

    params: list  # trainable variables, each (trials, *shape)
    non_trainable: list  # non-trainable variables (BatchNorm statistics, dropout RNG state)
    opt_state: Any  # optax state, leaves (trials, ...)
    params0: list  # initial trainable variables (distance from init)
    diverged: jax.Array  # (trials,) bool
    epoch: jax.Array  # () int32: epochs completed
    wall_seconds: jax.Array  # () float64-as-float32: training seconds so far


@functools.cache
def _optimizer_init(optimizer: Optimizer):
    """``jit(vmap(init))`` of an optimizer's state over trials; one program per optimizer."""

    def init_one(params, learning_rate, momentum, warmup_steps):
        return optimizer.transform(learning_rate, momentum, warmup_steps).init(params)

    return jax.jit(jax.vmap(init_one))


def _check_trials(trials: Sequence[TrialConfig]) -> None:
    if len(trials) == 0:
        raise SpecError("trials: a cohort needs at least one trial; the grid is empty.")
    for i, t in enumerate(trials):
        check_seed(t.seed, f"seeds[{i}]")
        lr = t.learning_rate
        if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
            raise SpecError(f"learning_rate[{i}]: {lr!r} is not valid; it must be finite and > 0.")
        m = t.momentum
        if not (isinstance(m, int | float) and math.isfinite(m) and 0 <= m < 1):
            raise SpecError(f"momentum[{i}]: {m!r} is not valid; it must be in [0, 1).")
        w = t.warmup_epochs
        if not (isinstance(w, int | float) and math.isfinite(w) and w >= 0):
            raise SpecError(f"warmup_epochs[{i}]: {w!r} is not valid; it must be >= 0.")


class Cohort:
    """Trials of one batch size trained together.

    Args:
        dataset: a :class:`batchlab.data.Dataset`.
        builder: ``(input_shape, n_outputs) -> keras.Model`` (see ``batchlab.models``).
        optimizer: a :class:`batchlab.Optimizer` (``bl.sgd(...)``, ``bl.adam(...)``).
        batch_size: examples per update, in ``[1, n_train]``.
        trials: the trials' values (:class:`TrialConfig` or anything with those attributes).
        loss: ``"auto"``, ``"crossentropy"``, ``"binary_crossentropy"`` or ``"mse"``.
        shuffle: reshuffle every epoch (Keras's default); ``False`` keeps the data order.
        eval_chunk: examples per forward pass in the full-set evaluations.

    Example:
        >>> import batchlab as bl
        >>> ds = bl.data.load_dataset("blobs")
        >>> cohort = bl.Cohort(ds, bl.models.mlp([50]), bl.sgd(0.9), 32,
        ...                    [bl.TrialConfig(seed=s, learning_rate=0.01) for s in range(3)])
        >>> state, rows = cohort.run(cohort.init_state(), epochs=2)
        >>> len(rows)
        6
    """

    def __init__(
        self,
        dataset,
        builder: Callable,
        optimizer: Optimizer,
        batch_size: int,
        trials: Sequence[TrialConfig],
        *,
        loss: str = "auto",
        shuffle: bool = True,
        eval_chunk: int = 4096,
        weights_cache: dict | None = None,
    ):
        _check_trials(trials)
        if not (isinstance(batch_size, int | np.integer) and 1 <= batch_size <= dataset.n_train):
            raise SpecError(
                f"batch_size: {batch_size!r} is not valid for dataset {dataset.name!r}; "
                f"it must be an integer in [1, {dataset.n_train}] (the training set size)."
            )
        self.dataset = dataset
        self.optimizer = optimizer
        self.batch_size = int(batch_size)
        self.trials = tuple(trials)
        self.shuffle = shuffle
        self.trial_ids = np.array(
            [t.trial if getattr(t, "trial", None) is not None else i for i, t in enumerate(trials)]
        )
        self._builder = builder
        self._build = lambda: builder(dataset.input_shape, dataset.n_outputs)
        # seed -> (model, trainable, non_trainable): Keras's initial weights per seed. Cohorts of
        # one study share the cache: the same builder and seed give the same weights.
        self._weights = {} if weights_cache is None else weights_cache
        for seed in dict.fromkeys(int(t.seed) for t in trials):
            if seed not in self._weights:
                self._weights[seed] = seeded_model(self._build, seed)
        self.model = self._weights[int(trials[0].seed)][0]  # they all share the structure
        self._check_model()
        self.head: Head = make_head(
            dataset.task, loss, dataset.n_outputs, output_activation(self.model)
        )
        dtype = keras().config.floatx()
        self._data = (
            jnp.asarray(dataset.x_train, dtype),
            jnp.asarray(dataset.y_train),
            jnp.asarray(dataset.x_test, dtype),
            jnp.asarray(dataset.y_test),
        )
        self._eval_chunk = int(eval_chunk)
        self._epoch_orders = EpochOrders(dataset.n_train)
        self._values()
        self._epoch_fn = None  # compiled by prepare(), lazily
        self._compiling: Future | None = None
        self.compile_seconds = 0.0
        """Seconds XLA spent compiling the epoch program (maybe in a background thread)."""
        self.lower_seconds = 0.0
        """Seconds spent tracing and lowering the epoch program."""

    # -- derived sizes ---------------------------------------------------------------------
    @property
    def n_trials(self) -> int:
        return len(self.trials)

    @property
    def steps_per_epoch(self) -> int:
        """Updates per epoch: ``ceil(n_train / batch_size)`` (the last batch may be smaller)."""
        return -(-self.dataset.n_train // self.batch_size)

    def _check_model(self) -> None:
        out = self.model.outputs[0].shape if getattr(self.model, "outputs", None) else None
        if out is not None and out[-1] != self.dataset.n_outputs:
            what = "classes" if self.dataset.task == "classification" else "outputs"
            raise ModelError(
                f"model: its output has {out[-1]} units but dataset {self.dataset.name!r} has "
                f"{self.dataset.n_outputs} {what}."
            )
        if not self.model.trainable_variables:
            raise ModelError("model: it has no trainable weights; build it before returning it.")

    # -- state -------------------------------------------------------------------------------
    def _values(self) -> TrialValues:
        """The trials' values as device arrays (made once, outside any trace)."""
        if "_trial_values" not in self.__dict__:
            f = keras().config.floatx()
            self._trial_values = TrialValues(
                seed=jnp.asarray([int(t.seed) for t in self.trials], jnp.uint32),
                learning_rate=jnp.asarray([float(t.learning_rate) for t in self.trials], f),
                momentum=jnp.asarray([float(t.momentum) for t in self.trials], f),
                warmup_steps=jnp.asarray(
                    [float(t.warmup_epochs) * self.steps_per_epoch for t in self.trials], f
                ),
            )
        return self._trial_values

    def init_state(self) -> CohortState:
        """The state before the first epoch: Keras's initial weights for each trial's seed."""
        per_trial = [self._weights[int(t.seed)] for t in self.trials]
        params = [jnp.asarray(np.stack(ws)) for ws in zip(*(w[1] for w in per_trial), strict=True)]
        non_trainable = [
            jnp.asarray(np.stack(ws)) for ws in zip(*(w[2] for w in per_trial), strict=True)
        ]
        values = self._values()
        opt_state = _optimizer_init(self.optimizer)(
            params, values.learning_rate, values.momentum, values.warmup_steps
        )
        return CohortState(
            params=params,
            non_trainable=non_trainable,
            opt_state=opt_state,
            params0=list(params),
            diverged=jnp.zeros(self.n_trials, bool),
            epoch=jnp.zeros((), jnp.int32),
            wall_seconds=jnp.zeros((), jnp.float32),
        )

    def state_arrays(self, state: CohortState) -> dict[str, np.ndarray]:
        """The state as named plain arrays (for a checkpoint); :meth:`load_state` inverts it."""
        leaves = jax.tree_util.tree_flatten_with_path(state)[0]
        return {jax.tree_util.keystr(path): np.asarray(leaf) for path, leaf in leaves}

    def load_state(self, arrays: dict[str, np.ndarray]) -> CohortState:
        """Rebuild a state from :meth:`state_arrays`, checking names, shapes and dtypes."""
        template = jax.eval_shape(self.init_state)
        paths, treedef = jax.tree_util.tree_flatten_with_path(template)
        leaves = []
        for path, spec in paths:
            name = jax.tree_util.keystr(path)
            if name not in arrays:
                raise SpecError(f"checkpoint: array {name!r} is missing; it is not this cohort's.")
            a = np.asarray(arrays[name])
            if a.shape != spec.shape or a.dtype != spec.dtype:
                raise SpecError(
                    f"checkpoint: array {name!r} has shape {a.shape} {a.dtype}, expected "
                    f"{spec.shape} {spec.dtype}; it is not this cohort's."
                )
            leaves.append(jnp.asarray(a))
        return jax.tree_util.tree_unflatten(treedef, leaves)

    # -- the compiled epoch ----------------------------------------------------------------
    def _forward(self, params, non_trainable, x, training):
        y_pred, non_trainable, losses = self.model.stateless_call(
            params, non_trainable, x, training=training, return_losses=True
        )
        extra = sum(losses) if losses else 0.0
        return y_pred, non_trainable, extra

    def _evaluate(self, params, non_trainable, x, y):
        """Mean loss and accuracy of one trial over a whole set, in fixed-size chunks."""
        n = x.shape[0]
        if n <= self._eval_chunk:  # one pass, no loop: less to compile
            y_pred, _, extra = self._forward(params, non_trainable, x, training=False)
            loss = jnp.mean(self.head.example_loss(y_pred, y)) + extra
            return loss, jnp.mean(self.head.example_hits(y_pred, y))
        chunk = self._eval_chunk
        n_chunks = -(-n // chunk)
        pad = n_chunks * chunk - n
        idx = jnp.concatenate([jnp.arange(n), jnp.zeros(pad, jnp.int32)]).reshape(n_chunks, chunk)
        mask = (jnp.arange(n_chunks * chunk) < n).reshape(n_chunks, chunk)

        def one(args):
            ib, mb = args
            y_pred, _, extra = self._forward(params, non_trainable, x[ib], training=False)
            w = mb.astype(y_pred.dtype)
            loss = jnp.sum(self.head.example_loss(y_pred, y[ib]) * w)
            hits = jnp.sum(self.head.example_hits(y_pred, y[ib]) * w)
            return loss, hits, extra

        loss, hits, extra = jax.lax.map(one, (idx, mask))
        extra = extra[0] if jnp.ndim(extra) else extra
        return loss.sum() / n + extra, hits.sum() / n

    def _trial_epoch(self, params, non_trainable, opt_state, values, order, x, y, x_test, y_test):
        """One epoch of one trial (vmapped over trials by :meth:`_epoch`); ``order``: (n,)."""
        n, b = self.dataset.n_train, self.batch_size
        steps = self.steps_per_epoch
        pad = steps * b - n
        idx = jnp.concatenate([order, jnp.zeros(pad, order.dtype)]).reshape(steps, b)  # (steps, b)
        mask = (jnp.arange(steps * b) < n).reshape(steps, b)  # (steps, b): False on padding
        opt = self.optimizer.transform(values.learning_rate, values.momentum, values.warmup_steps)

        def step(carry, batch):
            params, non_trainable, opt_state, loss_sum, hit_sum = carry
            ib, mb = batch
            xb, yb = x[ib], y[ib]  # (b, *input_shape), (b, ...)

            def loss_fn(p):
                y_pred, new_nt, extra = self._forward(p, non_trainable, xb, training=True)
                w = mb.astype(y_pred.dtype)
                loss = jnp.sum(self.head.example_loss(y_pred, yb) * w) / jnp.sum(w) + extra
                return loss, (y_pred, new_nt)

            (loss, (y_pred, new_nt)), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
            updates, opt_state = opt.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            w = mb.astype(y_pred.dtype)
            count = jnp.sum(w)
            hits = jnp.sum(self.head.example_hits(y_pred, yb) * w)
            return (params, new_nt, opt_state, loss_sum + loss * count, hit_sum + hits), None

        zero = jnp.zeros((), self._data[0].dtype)
        carry = (params, non_trainable, opt_state, zero, zero)
        (params, non_trainable, opt_state, loss_sum, hit_sum), _ = jax.lax.scan(
            step, carry, (idx, mask)
        )
        train_end = self._evaluate(params, non_trainable, x, y)
        test = self._evaluate(params, non_trainable, x_test, y_test)
        finite = jnp.isfinite(loss_sum) & jnp.all(
            jnp.array([jnp.all(jnp.isfinite(p)) for p in params])
        )
        metrics = jnp.stack([loss_sum / n, hit_sum / n, *train_end, *test])  # (6,) = METRICS
        return params, non_trainable, opt_state, metrics, ~finite

    def _epoch(self, state: CohortState, values: TrialValues, orders, x, y, x_test, y_test):
        """One epoch of every trial; ``orders``: (trials, n) the example order of each."""
        epoch_fn = jax.vmap(self._trial_epoch, in_axes=(0, 0, 0, 0, 0, None, None, None, None))
        params, non_trainable, opt_state, metrics, bad = epoch_fn(
            state.params,
            state.non_trainable,
            state.opt_state,
            values,
            orders,
            x,
            y,
            x_test,
            y_test,
        )  # metrics: (trials, 6)
        diverged = state.diverged | bad
        metrics = jnp.where(diverged[:, None], jnp.nan, metrics)
        new = state._replace(
            params=params,
            non_trainable=non_trainable,
            opt_state=opt_state,
            diverged=diverged,
            epoch=state.epoch + 1,
        )
        return new, metrics

    def _orders(self, epoch: int) -> np.ndarray:
        """(trials, n) example orders for 0-based ``epoch`` (one draw per distinct seed)."""
        n = self.dataset.n_train
        if not self.shuffle:
            return np.broadcast_to(np.arange(n, dtype=np.int32), (self.n_trials, n))
        by_seed = {
            s: self._epoch_orders(s, epoch) for s in dict.fromkeys(int(t.seed) for t in self.trials)
        }
        return np.stack([by_seed[int(t.seed)] for t in self.trials])

    def prepare(self, executor: Executor | None = None) -> None:
        """Lower and compile the epoch program now, or in ``executor`` (a thread pool).

        XLA compiles without holding the GIL (and Keras keeps its tracing state per thread),
        so a runner can prepare the next cohorts in a background thread while this thread
        trains the current one (``bl.train`` and ``run_study`` do). Idempotent; :meth:`run`
        calls it when nobody did.
        """
        if self._epoch_fn is not None or self._compiling is not None:
            return
        abstract = jax.eval_shape(self.init_state)
        orders = self._orders(0)

        def lower_and_compile():
            start = time.perf_counter()
            lowered = jax.jit(self._epoch).lower(abstract, self._values(), orders, *self._data)
            self.lower_seconds = time.perf_counter() - start
            tic = time.perf_counter()
            return lowered.compile(), time.perf_counter() - tic

        if executor is None:
            self._epoch_fn, self.compile_seconds = lower_and_compile()
        else:
            self._compiling = executor.submit(lower_and_compile)

    def _compiled(self):
        if self._epoch_fn is None:
            self.prepare()
            if self._compiling is not None:
                self._epoch_fn, self.compile_seconds = self._compiling.result()
                self._compiling = None
        return self._epoch_fn

    # -- diagnostics -------------------------------------------------------------------------
    def measure(
        self,
        state: CohortState,
        names: Sequence[str] = GRADIENT_QUANTITIES,
        *,
        batch_sizes: Sequence[int] = (),
        n_batches: int = 100,
        sample_size: int | None = None,
        prev_state: CohortState | None = None,
    ) -> pd.DataFrame:
        """Gradient statistics of every trial at ``state``, as diagnostics-table rows.

        Vectorized over the cohort like training: one ``jit(vmap(measure))`` program per set
        of settings. Mini-batches are sampled from a key derived from (seed, epoch), so a
        resumed study measures exactly what an uninterrupted one does. Per-example losses are
        the model's loss at ``training=False`` (no dropout), without regularization terms.
        ``update_norm`` needs ``prev_state`` (the state one epoch earlier).
        """
        from batchlab.quantities import measure, to_rows

        names = tuple(n for n in names if n != "update_norm" or prev_state is not None)
        settings = (names, tuple(int(b) for b in batch_sizes), int(n_batches), sample_size)
        # Cohorts of one model and dataset share the program: its shapes do not depend on
        # the batch size being trained, so a study compiles it once, not once per cohort.
        key = (id(self._builder), id(self.dataset), self.head, keras().config.floatx(), settings)
        cache = _MEASURE_PROGRAMS
        if key not in cache:
            x, y = self._data[0], self._data[1]

            def one(params, non_trainable, params0, params_prev, seed, epoch):
                def example_loss(p, x1, y1):
                    y_pred, _, _ = self._forward(p, non_trainable, x1[None], training=False)
                    return self.head.example_loss(y_pred, y1[None])[0]

                rng = jax.random.fold_in(jax.random.key(seed), _DIAGNOSTICS_STREAM)
                return measure(
                    names,
                    params,
                    params0,
                    example_loss,
                    x,
                    y,
                    jax.random.fold_in(rng, epoch),
                    settings[1],
                    settings[2],
                    sample_size,
                    params_prev=params_prev,
                )

            program = jax.jit(jax.vmap(one, in_axes=(0, 0, 0, 0, 0, None)))
            cache[key] = (self._builder, self.dataset, program)
        prev = prev_state.params if prev_state is not None else state.params
        values = cache[key][2](
            state.params,
            state.non_trainable,
            state.params0,
            prev,
            self._values().seed,
            state.epoch,
        )
        rows = to_rows(jax.device_get(values), self.trial_ids, int(state.epoch))
        return pd.DataFrame(rows, columns=list(DIAGNOSTICS_COLUMNS))

    # -- running -----------------------------------------------------------------------------
    def run(
        self,
        state: CohortState,
        epochs: int,
        on_epoch: Callable[[int], None] | None = None,
    ) -> tuple[CohortState, pd.DataFrame]:
        """Train ``epochs`` more epochs; return the new state and their history rows.

        ``on_epoch(epoch)`` is called after each epoch (progress). Rows follow
        ``docs/schema.md`` (without the ``study`` and ``cohort`` columns).
        """
        if not (isinstance(epochs, int | np.integer) and epochs >= 0):
            raise SpecError(f"epochs: {epochs!r} is not valid; it must be an integer >= 0.")
        fn = self._compiled()
        values = self._values()
        start_epoch = int(state.epoch)
        seconds = float(state.wall_seconds)
        per_epoch, diverged, clock = [], [], []
        for _ in range(epochs):
            tic = time.perf_counter()
            orders = self._orders(start_epoch + len(per_epoch))
            state, metrics = fn(state, values, orders, *self._data)
            metrics.block_until_ready()
            seconds += time.perf_counter() - tic
            per_epoch.append(metrics)
            diverged.append(state.diverged)
            clock.append(seconds)
            if on_epoch is not None:
                on_epoch(start_epoch + len(per_epoch))
        state = state._replace(wall_seconds=jnp.asarray(seconds, jnp.float32))
        return state, self._rows(start_epoch, per_epoch, diverged, clock)

    def _rows(self, start_epoch, per_epoch, diverged, clock) -> pd.DataFrame:
        n_epochs, k = len(per_epoch), self.n_trials
        if n_epochs == 0:
            return pd.DataFrame(columns=list(HISTORY_COLUMNS))
        metrics = np.asarray(jax.device_get(jnp.stack(per_epoch)), np.float64)  # (epochs, k, 6)
        epochs = np.arange(start_epoch + 1, start_epoch + n_epochs + 1)
        frame = {
            "trial": np.tile(self.trial_ids, n_epochs),
            "seed": np.tile([int(t.seed) for t in self.trials], n_epochs),
            "batch_size": self.batch_size,
            "learning_rate": np.tile([float(t.learning_rate) for t in self.trials], n_epochs),
            "momentum": np.tile([float(t.momentum) for t in self.trials], n_epochs),
            "epoch": np.repeat(epochs, k),
            "updates": np.repeat(epochs * self.steps_per_epoch, k),
            "examples_seen": np.repeat(epochs * self.dataset.n_train, k),
        }
        for j, name in enumerate(METRICS):
            frame[name] = metrics[:, :, j].reshape(-1)
        frame["wall_seconds"] = np.repeat(clock, k)
        frame["diverged"] = np.asarray(jax.device_get(jnp.stack(diverged))).reshape(-1)
        return pd.DataFrame(frame)


DIAGNOSTICS_COLUMNS = ("trial", "epoch", "quantity", "batch_size", "stat", "value")

# (builder id, dataset id, head, floatx, settings) -> (builder, dataset, jitted program); the
# builder and dataset are held so that their ids stay theirs.
_MEASURE_PROGRAMS: dict = {}

HISTORY_COLUMNS = (
    "trial",
    "seed",
    "batch_size",
    "learning_rate",
    "momentum",
    "epoch",
    "updates",
    "examples_seen",
    *METRICS,
    "wall_seconds",
    "diverged",
)
