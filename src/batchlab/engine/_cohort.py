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

Cohorts are made and run by the runner (:func:`batchlab.run.train_chunks`); every way into
training (``bl.train``, ``batchlab run``, the Ray executor, the noise-scale short run) goes
through it.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pandas as pd

from batchlab._backend import keras
from batchlab._columns import EPOCH_METRICS, HISTORY
from batchlab._seeds import check_seed
from batchlab.engine import _compile_cache, _memory, _programs
from batchlab.engine._conv import canonical_convs, conv_mode
from batchlab.engine._keras_compat import install as install_keras_compat
from batchlab.engine._losses import Head, make_head, output_activation
from batchlab.engine._optim import (
    optimizer_transform,
    rate_multiplier,
    scheduled_transform,
    warmup_schedule,
)
from batchlab.engine._orders import EpochOrders
from batchlab.engine._state import CohortState, TrialValues, from_arrays, to_arrays
from batchlab.engine._weights import initial_weights
from batchlab.errors import ModelError, SpecError
from batchlab.study import Optimizer, Trial

HISTORY_COLUMNS = tuple(c for c in HISTORY if c not in ("study", "cohort"))
"""The history columns a cohort's rows carry (the runner adds ``cohort``, the store
``study``)."""


class Shared:
    """What the cohorts of one study share: the dataset's arrays on the device (moved there
    once per study, not once per cohort), Keras's initial weights per seed (the same builder
    and seed give the same weights) and the gradient-statistics programs (their shapes do not
    depend on the batch size being trained). Dropped with the study's run, so nothing
    outlives it."""

    def __init__(self) -> None:
        self.initial = None
        """The study's :class:`batchlab.engine._weights.InitialWeights` (one built model)."""
        self.weights: dict[int, tuple] = {}
        """seed -> (model, trainable, non_trainable)."""
        self.programs: dict = {}
        """settings -> a compiled gradient-statistics program (see :mod:`._measure`)."""
        self.data: dict[tuple[int, str], tuple] = {}
        """(id(dataset), dtype) -> (dataset, its arrays on the device); the dataset is kept
        so that its id stays its own."""

    def device_data(self, dataset, dtype) -> tuple:
        """``(x_train, y_train, x_test, y_test)`` on the device, moved there on the first
        call for ``dataset`` and ``dtype`` and the same arrays on every later one."""
        key = (id(dataset), str(dtype))
        if key not in self.data:
            arrays = (
                jnp.asarray(dataset.x_train, dtype),
                jnp.asarray(dataset.y_train),
                jnp.asarray(dataset.x_test, dtype),
                jnp.asarray(dataset.y_test),
            )
            self.data[key] = (dataset, arrays)
        return self.data[key][1]


@functools.lru_cache(maxsize=8)
def _optimizer_init(optimizer: Optimizer):
    """``jit(vmap(init))`` of an optimizer's state over trials; one program per optimizer
    (keyed by its value), shared by every cohort that uses it."""

    def init_one(params, learning_rate, momentum, warmup_steps):
        return optimizer_transform(optimizer, learning_rate, momentum, warmup_steps).init(params)

    return jax.jit(jax.vmap(init_one))


def _check_trials(trials: Sequence[Trial], batch_size: int) -> None:
    if len(trials) == 0:
        raise SpecError("trials: a cohort needs at least one trial; the grid is empty.")
    for i, t in enumerate(trials):
        check_seed(t.seed, f"trials[{i}].seed")
        lr = t.learning_rate
        if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
            raise SpecError(f"trials[{i}].learning_rate: {lr!r} is not valid; it must be > 0.")
        m = t.momentum
        if not (isinstance(m, int | float) and math.isfinite(m) and 0 <= m < 1):
            raise SpecError(f"trials[{i}].momentum: {m!r} is not valid; it must be in [0, 1).")
        w = t.warmup_epochs
        if not (isinstance(w, int | float) and math.isfinite(w) and w >= 0):
            raise SpecError(f"trials[{i}].warmup_epochs: {w!r} is not valid; it must be >= 0.")
        if t.batch_size != batch_size:
            raise SpecError(
                f"trials[{i}].batch_size: {t.batch_size} is not the cohort's {batch_size}."
            )


class Cohort:
    """Trials of one batch size trained together.

    Args:
        dataset: a :class:`batchlab.data.Dataset`.
        builder: ``(input_shape, n_outputs) -> keras.Model`` (see ``batchlab.models``).
        optimizer: a :class:`batchlab.study.Optimizer` (``bl.sgd(...)``, ``bl.adam(...)``).
        batch_size: examples per update, in ``[1, n_train]``.
        trials: the trials (:class:`batchlab.study.Trial`), each at ``batch_size``.
        loss: ``"auto"``, ``"crossentropy"``, ``"binary_crossentropy"`` or ``"mse"``.
        shuffle: reshuffle every epoch (Keras's default); ``False`` keeps the data order.
        eval_chunk: examples per forward pass in the full-set evaluations.
        shared: what the cohorts of one study share (:class:`Shared`); default their own.
        rate_schedule: a :class:`batchlab.study._schedule.RateSchedule` (the learning-rate
            multiplier per epoch), over ``total_epochs``; default a constant rate.
        memory_budget: bytes (or ``"2GB"``) the trials may take; more trials than fit train
            in sub-cohorts, one after the other (default ``$BATCHLAB_MEMORY_BUDGET``, else
            most of the device's memory; see :mod:`batchlab.engine._memory`).

    Example:
        >>> import batchlab as bl
        >>> from batchlab.engine import Cohort
        >>> from batchlab.study import Trial
        >>> ds = bl.data.load_dataset("blobs")
        >>> trials = [Trial(trial=s, seed=s, batch_size=32, learning_rate=0.01) for s in range(3)]
        >>> cohort = Cohort(ds, bl.models.mlp([50]), bl.sgd(momentum=0.9), 32, trials)
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
        trials: Sequence[Trial],
        *,
        loss: str = "auto",
        shuffle: bool = True,
        eval_chunk: int = 4096,
        shared: Shared | None = None,
        rate_schedule=None,
        total_epochs: int | None = None,
        memory_budget: int | str | None = None,
    ):
        if not (isinstance(batch_size, int | np.integer) and 1 <= batch_size <= dataset.n_train):
            raise SpecError(
                f"batch_size: {batch_size!r} is not valid for dataset {dataset.name!r}; "
                f"it must be an integer in [1, {dataset.n_train}] (the training set size)."
            )
        _check_trials(trials, int(batch_size))
        self.dataset = dataset
        self.optimizer = optimizer
        self.batch_size = int(batch_size)
        self.trials = tuple(trials)
        self.shuffle = shuffle
        self.trial_ids = np.array([int(t.trial) for t in trials])
        self.shared = shared if shared is not None else Shared()
        _compile_cache.enable()  # before anything compiles
        install_keras_compat()  # RandomCrop inside the compiled program
        if self.shared.initial is None:
            self.shared.initial = initial_weights(builder, dataset.input_shape, dataset.n_outputs)
        for seed in dict.fromkeys(int(t.seed) for t in trials):
            if seed not in self.shared.weights:
                self.shared.weights[seed] = self.shared.initial(seed)
        self.model = self.shared.weights[int(trials[0].seed)][0]  # they all share the structure
        self._check_model()
        self._tail_apart = bool(self.model.non_trainable_variables)
        """Train a ragged last batch as its own step rather than padded and masked: needed
        when the model has state that depends on the batch (BatchNorm statistics, the seed
        generators of dropout and random augmentation layers)."""
        head_args = (dataset.task, loss, dataset.n_outputs, output_activation(self.model))
        self.head: Head = make_head(*head_args)
        self.mode = conv_mode(self.model)
        """``"vmap"``, or ``"map"``: trials one after another (conv models on the CPU, see
        :mod:`batchlab.engine._conv`)."""
        self._model_key = _programs.model_key(builder, self.model)
        schedule = (repr(rate_schedule), total_epochs)  # the rate multiplier is in the program
        self._fixed = (head_args, repr(optimizer), int(eval_chunk), schedule)
        dtype = keras().config.floatx()
        self._data = self.shared.device_data(dataset, dtype)
        self._eval_chunk = int(eval_chunk)
        self._epoch_orders = EpochOrders(dataset.n_train)
        self.values = TrialValues(
            seed=jnp.asarray([int(t.seed) for t in self.trials], jnp.uint32),
            learning_rate=jnp.asarray([float(t.learning_rate) for t in self.trials], dtype),
            momentum=jnp.asarray([float(t.momentum) for t in self.trials], dtype),
            warmup_steps=jnp.asarray(
                [float(t.warmup_epochs) * self.steps_per_epoch for t in self.trials], dtype
            ),
        )
        """The trials' values as device arrays, each (trials,)."""
        self._multiplier = rate_multiplier(rate_schedule, total_epochs or 1)
        budget = _memory.budget() if memory_budget is None else _memory.parse(memory_budget)
        self.parts: list[int] = _memory.split(self.n_trials, _memory.trial_bytes(self), budget)
        """Sizes of the sub-cohorts the trials train in, one after the other (one part when
        they all fit in the memory budget, see :mod:`._memory`)."""
        self._fns: dict = {}  # sub-cohort size -> compiled program (or its future)
        self._own_futures: set = set()
        self.lower_seconds = 0.0
        """Seconds spent tracing and lowering the epoch program (0 when it was kept)."""
        self.compile_seconds = 0.0
        """Seconds XLA spent compiling the epoch program (maybe in a background thread)."""

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
    def init_state(self) -> CohortState:
        """The state before the first epoch: Keras's initial weights for each trial's seed."""
        per_trial = [self.shared.weights[int(t.seed)] for t in self.trials]
        params = [jnp.asarray(np.stack(ws)) for ws in zip(*(w[1] for w in per_trial), strict=True)]
        non_trainable = [
            jnp.asarray(np.stack(ws)) for ws in zip(*(w[2] for w in per_trial), strict=True)
        ]
        values = self.values
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
        """The state as named plain arrays (a checkpoint); :meth:`load_state` inverts it."""
        return to_arrays(state)

    def load_state(self, arrays: dict[str, np.ndarray]) -> CohortState:
        """Rebuild a state from :meth:`state_arrays`, checking names, shapes and dtypes."""
        return from_arrays(arrays, jax.eval_shape(self.init_state))

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

    def _rate(self, values: TrialValues, epoch, i):
        """The learning rate of update ``i`` of 0-based ``epoch`` for one trial: the peak
        rate, times the warmup ramp at the update's count (``epoch * steps + i``, at this
        cohort's batch size), times the schedule's multiplier."""
        steps = self.steps_per_epoch
        rate = warmup_schedule(values.learning_rate, values.warmup_steps)(epoch * steps + i)
        if self._multiplier is not None:
            rate = rate * self._multiplier(epoch, epoch + i / steps)
        return rate

    def _trial_epoch(
        self, params, non_trainable, opt_state, values, order, epoch, x, y, x_test, y_test
    ):
        """One epoch of one trial (vmapped over trials by :meth:`_epoch`); ``order``: (n,),
        ``epoch``: the 0-based index of the epoch."""
        n, b = self.dataset.n_train, self.batch_size
        steps = self.steps_per_epoch
        pad = steps * b - n
        idx = jnp.concatenate([order, jnp.zeros(pad, order.dtype)]).reshape(steps, b)  # (steps, b)
        mask = (jnp.arange(steps * b) < n).reshape(steps, b)  # (steps, b): False on padding

        def forward(p, nt, xb):
            return self._forward(p, nt, xb, training=True)

        if self.mode == "map":
            forward = canonical_convs(forward)

        def step(carry, batch):
            params, non_trainable, opt_state, loss_sum, hit_sum = carry
            ib, mb, i = batch
            rate = self._rate(values, epoch, i)
            opt = scheduled_transform(self.optimizer, lambda _count: rate, values.momentum)
            xb, yb = x[ib], y[ib]  # (b, *input_shape), (b, ...)

            def loss_fn(p):
                y_pred, new_nt, extra = forward(p, non_trainable, xb)
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
        step_index = jnp.arange(steps, dtype=jnp.int32)
        if self._tail_apart and pad:
            # The ragged last batch is its own (shorter) step, as in fit: BatchNorm's batch
            # statistics and the random layers' draws see exactly its real examples.
            full = steps - 1
            carry, _ = jax.lax.scan(step, carry, (idx[:full], mask[:full], step_index[:full]))
            tail = order[full * b :]  # (n - full * b,)
            carry, _ = step(carry, (tail, jnp.ones(tail.shape, bool), step_index[full]))
        else:
            carry, _ = jax.lax.scan(step, carry, (idx, mask, step_index))
        params, non_trainable, opt_state, loss_sum, hit_sum = carry
        train_end = self._evaluate(params, non_trainable, x, y)
        test = self._evaluate(params, non_trainable, x_test, y_test)
        finite = jnp.isfinite(loss_sum) & jnp.all(
            jnp.array([jnp.all(jnp.isfinite(p)) for p in params])
        )
        metrics = jnp.stack([loss_sum / n, hit_sum / n, *train_end, *test])  # (6,) = EPOCH_METRICS
        return params, non_trainable, opt_state, metrics, ~finite

    def _epoch(self, state: CohortState, values: TrialValues, orders, x, y, x_test, y_test):
        """One epoch of every trial; ``orders``: (trials, n) the example order of each."""
        per_trial = (state.params, state.non_trainable, state.opt_state, values, orders)
        if self.mode == "map":  # one trial after another (see _conv)

            def one(args):
                return self._trial_epoch(*args, state.epoch, x, y, x_test, y_test)

            out = jax.lax.map(one, per_trial)
        else:
            epoch_fn = jax.vmap(
                self._trial_epoch, in_axes=(0, 0, 0, 0, 0, None, None, None, None, None)
            )
            out = epoch_fn(*per_trial, state.epoch, x, y, x_test, y_test)
        params, non_trainable, opt_state, metrics, bad = out  # metrics: (trials, 6)
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
        calls it when nobody did. A cohort split into sub-cohorts (:attr:`parts`) has one
        program per distinct sub-cohort size (at most two).
        """
        for size in dict.fromkeys(self.parts):
            if size not in self._fns:
                self._fns[size] = self._prepare_size(size, executor)

    def _prepare_size(self, size: int, executor: Executor | None):
        """The compiled program for ``size`` trials: kept in this process, or compiled now,
        or a future of (program, seconds) compiling in ``executor``."""
        abstract = jax.eval_shape(lambda: _take(self.init_state(), 0, size))
        values = _take(self.values, 0, size)
        orders = jax.ShapeDtypeStruct((size, self.dataset.n_train), np.int32)
        key = self.program_key(abstract, values)
        kept = _programs.get(key)  # compiled in this process already (or being compiled)
        if kept is not None:
            return kept

        def lower_and_compile():
            tic = time.perf_counter()
            lowered = jax.jit(self._epoch).lower(abstract, values, orders, *self._data)
            self.lower_seconds += time.perf_counter() - tic
            tic = time.perf_counter()
            return lowered.compile(), time.perf_counter() - tic

        if executor is None:
            fn, seconds = lower_and_compile()
            self.compile_seconds += seconds
            _programs.put(key, fn)
            return fn
        future = executor.submit(lower_and_compile)
        self._own_futures.add(future)
        _programs.put(key, future)
        return future

    def program_key(self, abstract_state=None, values=None):
        """What fixes this cohort's compiled epoch program (see :mod:`._programs`); None
        when the model cannot be named (its program is then not shared)."""
        if self._model_key is None:
            return None
        if abstract_state is None:
            abstract_state = jax.eval_shape(self.init_state)
        values = self.values if values is None else values
        return (
            "epoch",
            self._model_key,
            self._fixed,
            self.mode,
            self.batch_size,
            _programs.abstract((abstract_state, values, self._data)),
            keras().config.floatx(),
            _programs.environment(),
        )

    def _compiled(self) -> dict:
        """size -> compiled program, waiting for those compiling in the background."""
        self.prepare()
        for size, fn in list(self._fns.items()):
            if isinstance(fn, Future):
                try:
                    program, seconds = fn.result()
                except BaseException:
                    _programs.discard(fn)
                    raise
                if fn in self._own_futures:
                    self.compile_seconds += seconds
                    _programs.replace(fn, program)
                    self._own_futures.discard(fn)
                self._fns[size] = program
        return self._fns

    def _run_epoch(self, fns: dict, state: CohortState, orders: np.ndarray):
        """One epoch of every trial, sub-cohort after sub-cohort when split."""
        if len(self.parts) == 1:
            return fns[self.n_trials](state, self.values, orders, *self._data)
        states, metrics, lo = [], [], 0
        for size in self.parts:
            hi = lo + size
            sub, m = fns[size](
                _take(state, lo, hi), _take(self.values, lo, hi), orders[lo:hi], *self._data
            )
            states.append(sub)
            metrics.append(m)
            lo = hi
        return _join(states), jnp.concatenate(metrics)

    # -- diagnostics -------------------------------------------------------------------------
    def measure(self, state: CohortState, names: Sequence[str], **settings) -> pd.DataFrame:
        """Gradient statistics of every trial at ``state``, as diagnostics-table rows.

        See :func:`batchlab.engine._measure.measure` for the settings.
        """
        from batchlab.engine._measure import measure

        return measure(self, state, names, **settings)

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
        fns = self._compiled()
        start_epoch = int(state.epoch)
        seconds = float(state.wall_seconds)
        per_epoch, diverged, clock = [], [], []
        for _ in range(epochs):
            tic = time.perf_counter()
            orders = self._orders(start_epoch + len(per_epoch))
            state, metrics = self._run_epoch(fns, state, orders)
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
        # stacked on the host: jnp.stack of N arrays compiles one program per N (seconds for
        # each new chunk length -- the first call's fixed cost)
        metrics = np.stack(jax.device_get(per_epoch)).astype(np.float64)  # (epochs, k, 6)
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
            "epoch_batch_size": self.batch_size,
        }
        for j, name in enumerate(EPOCH_METRICS):
            frame[name] = metrics[:, :, j].reshape(-1)
        frame["wall_seconds"] = np.repeat(clock, k)
        frame["diverged"] = np.stack(jax.device_get(diverged)).reshape(-1)
        return pd.DataFrame(frame)


def _take(tree, lo: int, hi: int):
    """Trials ``lo:hi`` of a state or of trial values (the state's epoch and clock stay)."""
    if isinstance(tree, CohortState):
        fixed = {"epoch": tree.epoch, "wall_seconds": tree.wall_seconds}
        rest = tree._replace(epoch=None, wall_seconds=None)
        return jax.tree.map(lambda a: a[lo:hi], rest)._replace(**fixed)
    return jax.tree.map(lambda a: a[lo:hi], tree)


def _join(states: list[CohortState]) -> CohortState:
    """Sub-cohorts' states back into one (the inverse of :func:`_take`)."""
    first = states[0]
    rest = [s._replace(epoch=None, wall_seconds=None) for s in states]
    joined = jax.tree.map(lambda *a: jnp.concatenate(a), *rest)
    return joined._replace(epoch=first.epoch, wall_seconds=first.wall_seconds)
