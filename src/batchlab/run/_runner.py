"""Run a study into the store: plan, train each cohort in chunks, commit, resume.

The flow (ARCHITECTURE.md): spec -> plan (trials, cohorts) -> executor trains each cohort in
chunks of epochs -> after each chunk the metrics rows, the diagnostics and the cohort's
checkpoint are committed in ONE transaction. A study that is killed and run again continues
each unfinished cohort from its last checkpoint: every random draw derives from (seed, epoch),
so it ends with exactly the rows an uninterrupted run writes (``wall_seconds`` aside, which
measures this machine).

Two executors train the cohorts: ``"local"`` (this process; the next cohorts compile in a
background thread while one trains) and ``"ray"`` (one Ray task per cohort, on a Ray cluster or
a local Ray; see :mod:`batchlab.run._ray`). Both run :func:`train_chunks`; the driver alone
writes the store.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from batchlab._format import plural
from batchlab._suggest import did_you_mean
from batchlab.errors import SpecError
from batchlab.run._claims import Claims
from batchlab.run._interrupt import Checked, Interrupts
from batchlab.run._register import register
from batchlab.run.plan import MAX_TRIALS, CohortPlan, check_size, plan
from batchlab.store import Store
from batchlab.study import Study, load_study


class Progress:
    """What a runner tells about its progress; the CLI draws it with rich. Default: silent."""

    def study(self, study: Study, cohorts: list[CohortPlan], done: dict[str, int]) -> None:
        """The study starts: its cohorts and the epochs each has already done."""

    def cohort(self, plan: CohortPlan, start_epoch: int) -> None:
        """A cohort starts (or resumes) at ``start_epoch``."""

    def epoch(self, plan: CohortPlan, epoch: int) -> None:
        """A cohort finished ``epoch``."""

    def cohort_done(self, plan: CohortPlan, compile_seconds: float, train_seconds: float) -> None:
        """A cohort finished all its epochs."""


@dataclass(frozen=True)
class RunReport:
    """What :func:`run_study` did."""

    study: Study
    store: Path
    cohorts_run: tuple[str, ...]
    """Cohorts that trained at least one epoch in this call."""
    cohorts_skipped: tuple[str, ...]
    """Cohorts already finished in the store."""
    epochs_trained: int
    """Cohort-epochs trained in this call."""
    seconds: float
    compile_seconds: dict[str, float] = field(default_factory=dict)
    cohorts_elsewhere: dict[str, str] = field(default_factory=dict)
    """Unfinished cohorts that another live run is training (``{"bs32-sgd": "pid 4242 on
    this host"}``); this call left them to it. Empty when the study is finished."""

    @property
    def finished(self) -> bool:
        """Whether every cohort of the study has trained all its epochs."""
        return not self.cohorts_elsewhere


class StudyInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`run_study`: the message says what was saved (the study is marked
    ``interrupted``; running it again resumes it)."""


EXECUTORS = ("local", "ray")
"""Where cohorts train: this process, or one Ray task per cohort."""


@dataclass(frozen=True)
class Chunk:
    """A stretch of one cohort's training: what ONE store transaction writes."""

    cohort: str
    history: pd.DataFrame
    """History rows of the chunk's epochs (docs/schema.md)."""
    diagnostics: pd.DataFrame | None
    """Diagnostics rows measured in the chunk, or None."""
    checkpoint: dict[str, np.ndarray]
    """The cohort's state after ``epoch`` epochs, as plain arrays."""
    epoch: int
    """Epochs the cohort has completed."""
    done: bool
    """The cohort has trained all its epochs."""
    compile_seconds: float
    """Seconds XLA spent compiling the cohort's epoch program."""

    def commit(self, store: Store, study: str) -> None:
        """Write the chunk into the store, in one transaction."""
        store.commit_chunk(
            study,
            self.cohort,
            self.history,
            self.checkpoint,
            self.epoch,
            diagnostics=self.diagnostics,
            done=self.done,
        )


def _open_store(store) -> tuple[Store, bool]:
    if isinstance(store, Store):
        return store, False
    return Store(store), True


def _new_store_file(store) -> Path | None:
    """The store's path when this call will create the file, else None."""
    from batchlab.store._store import MEMORY, default_store_path

    if isinstance(store, Store) or str(store) == MEMORY:
        return None
    path = Path(store) if store is not None else default_store_path()
    return None if path.exists() else path


def _forget_if_empty(path: Path) -> None:
    """Remove a store file this call created when it holds no study (the study could not
    start): a bad input leaves no file behind."""
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            if con.execute("SELECT count(*) FROM studies").fetchone()[0]:
                return
    except sqlite3.Error:
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def prepare(study: Study, store: Store, *, new: bool, max_trials: int, max_cohort_size):
    """Check everything that can fail before anything is stored -- the grid's size, the
    environment's memory budget, the dataset, the batch sizes against it, the gradient
    statistics' names, the model (built once: its output width, the loss) -- then register
    the study (see :func:`batchlab.run._register.register`: create it, check it is the stored
    one, or grow it). Returns the dataset and the cohorts as the store holds them."""
    from batchlab.data import load_dataset
    from batchlab.engine._memory import env_budget

    check_size(study, max_trials)  # by arithmetic, before anything is loaded or built
    env_budget()  # a bad $BATCHLAB_MEMORY_BUDGET fails here, not at the first cohort
    dataset = load_dataset(study.dataset, **study.dataset_options)
    plans = plan(study, dataset.n_train, max_cohort_size=max_cohort_size, max_trials=max_trials)
    if study.diagnostics.enabled:
        diagnostic_quantities(study)
    stored = store.get_study(study.name)
    if stored is None or stored["spec_hash"] != study.spec_hash:
        check_model(study, dataset)  # a stored study of the same spec was checked before
    plans = register(study, store, plans, new=new, max_cohort_size=max_cohort_size)
    return dataset, plans


def check_model(study: Study, dataset) -> None:
    """Build the study's model once (Keras's global seeds untouched) and check it fits the
    dataset and the loss: a ModelError / SpecError naming what is wrong, before anything is
    stored."""
    from batchlab.engine._init import isolated_global_seed
    from batchlab.engine._losses import make_head, output_activation
    from batchlab.errors import ModelError
    from batchlab.models import build_model, resolve_model

    with isolated_global_seed():
        model = build_model(resolve_model(study.model), dataset.input_shape, dataset.n_outputs)
    if not model.trainable_variables:
        raise ModelError("model: it has no trainable weights; build it before returning it.")
    make_head(dataset.task, study.loss, dataset.n_outputs, output_activation(model))


def saved(plans: list[CohortPlan], done: dict[str, int]) -> str:
    """What the store holds of ``plans``: ``saved 120 of 200 epochs of bs32-sgd (bs8-sgd
    finished; bs64-sgd not started)``."""
    partial, finished, untouched = [], [], []
    for p in plans:
        n = done.get(p.cohort, 0)
        if n >= p.epochs:
            finished.append(p.cohort)
        elif n == 0:
            untouched.append(p.cohort)
        else:
            partial.append(f"{n} of {plural(p.epochs, 'epoch')} of {p.cohort}")
    rest = [f"{', '.join(finished)} finished"] if finished else []
    rest += [f"{', '.join(untouched)} not started"] if untouched else []
    if partial:
        return f"saved {', '.join(partial)}" + (f" ({'; '.join(rest)})" if rest else "")
    return "; ".join(rest) if rest else "nothing to save"


def run_study(
    source,
    *,
    store=None,
    new: bool = False,
    max_trials: int = MAX_TRIALS,
    max_cohort_size: int | None = None,
    commit_seconds: float = 2.0,
    progress: Progress | None = None,
    overrides: dict | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    ray_options: dict | None = None,
) -> RunReport:
    """Run (or resume) a study into a store.

    Args:
        source: a :class:`batchlab.study.Study`, a builtin study name or a TOML path.
        store: a :class:`batchlab.store.Store` or a path (default ``./batchlab.db`` or
            ``$BATCHLAB_STORE``).
        new: replace a stored study of the same name whose spec differs (its results are
            deleted). Without it, a stored study is resumed when the spec is the same,
            replaced when nothing of it was trained yet, grown when only its epochs or seeds
            grew (see :mod:`batchlab.run._register`), and otherwise refused with the
            difference.
        max_trials: refuse grids larger than this.
        max_cohort_size: split larger cohorts (memory); default one cohort per batch size.
        commit_seconds: commit a chunk at least this often (and at every diagnostics epoch).
        progress: a :class:`Progress` to report to.
        overrides: changes to the spec (``{"seeds": 3, "epochs": 10}``), see ``Study.replace``.
        executor: ``"local"`` (this process) or ``"ray"`` (one Ray task per cohort).
        ray_address: the Ray cluster to use (``"auto"``, ``"ray://host:10001"``...); default:
            the Ray already initialized in this process, else ``$RAY_ADDRESS``, else a local
            Ray started for this run and shut down after it.
        ray_options: options of each cohort's Ray task (``{"num_gpus": 1}``, ``num_cpus``...).

    Returns:
        A :class:`RunReport`. Running a finished study again trains nothing and adds nothing.

    Everything that can fail (the dataset, the batch sizes, the model, the quantities' names)
    is checked before anything is stored. The run claims the unfinished cohorts that no other
    live run holds (:mod:`batchlab.store._claims`): the same study run twice at once on one
    store trains every cohort once; a call that finds cohorts claimed leaves them to their
    run and names it in :attr:`RunReport.cohorts_elsewhere`.

    Raises:
        StudyInterrupted: on Ctrl-C, saying what was saved; the study is left
            ``interrupted`` and the same call resumes it.
    """
    if isinstance(commit_seconds, bool) or not (
        isinstance(commit_seconds, int | float)
        and not math.isnan(commit_seconds)
        and commit_seconds >= 0
    ):
        raise SpecError(
            f"commit_seconds: {commit_seconds!r} is not valid; it must be a number >= 0 "
            "(inf: commit each cohort once, when it ends)."
        )
    if executor not in EXECUTORS:
        raise SpecError(
            f"executor: {executor!r} is not valid; use one of {', '.join(map(repr, EXECUTORS))}."
        )
    if executor != "ray" and (ray_address is not None or ray_options):
        raise SpecError("ray_address / ray_options: they apply to executor 'ray' only.")
    study = load_study(source)
    if overrides:
        study = study.replace(**overrides)
    created = _new_store_file(store)
    try:
        with Interrupts() as interrupts:
            return _run(
                study,
                _open_store(store),
                Checked(progress or Progress(), interrupts),
                new=new,
                max_trials=max_trials,
                max_cohort_size=max_cohort_size,
                commit_seconds=commit_seconds,
                executor=executor,
                ray_address=ray_address,
                ray_options=ray_options,
            )
    except BaseException:
        if created is not None:
            _forget_if_empty(created)
        raise


def _run(
    study: Study,
    opened: tuple[Store, bool],
    progress,
    *,
    new,
    max_trials,
    max_cohort_size,
    commit_seconds,
    executor,
    ray_address,
    ray_options,
) -> RunReport:
    st, owned = opened
    try:
        if st.readonly:  # say so at once, unless the study is there, finished: nothing to write
            stored = st.get_study(study.name)
            if not stored or stored["spec_hash"] != study.spec_hash or stored["status"] != "done":
                st.check_writable()
        try:
            dataset, plans = prepare(
                study, st, new=new, max_trials=max_trials, max_cohort_size=max_cohort_size
            )
        except KeyboardInterrupt:
            raise StudyInterrupted(
                f"interrupted: study {study.name!r} had not started training; nothing was "
                "trained. Run the same command to start it"
            ) from None
        with Claims(st, study.name) as claims:
            unfinished = _unfinished(plans, st.cohort_epochs_done(study.name))
            elsewhere = claims.take([p.cohort for p in unfinished])
            done = st.cohort_epochs_done(study.name)  # as of the claims: nobody else writes
            pending = [p for p in _unfinished(plans, done) if p.cohort not in elsewhere]
            skipped = tuple(p.cohort for p in plans if done.get(p.cohort, 0) >= p.epochs)
            if pending or not elsewhere:  # the cohorts this run trains, or finished
                progress.study(study, [p for p in plans if p.cohort not in elsewhere], done)
            start = time.perf_counter()
            try:
                compile_s = _execute(
                    executor,
                    st,
                    study,
                    dataset,
                    pending,
                    done,
                    commit_seconds,
                    progress,
                    ray_address,
                    ray_options,
                )
            except KeyboardInterrupt:
                now = st.cohort_epochs_done(study.name)
                raise StudyInterrupted(
                    f"interrupted: study {study.name!r} {saved(pending, now)}; run the same "
                    "command to resume"
                ) from None
        return RunReport(
            study,
            st.path,
            tuple(p.cohort for p in pending),
            skipped,
            sum(p.epochs - done.get(p.cohort, 0) for p in pending),
            time.perf_counter() - start,
            compile_s,
            {c: str(claim) for c, claim in elsewhere.items()},
        )
    finally:
        if owned:
            st.close()


def _unfinished(plans: list[CohortPlan], done: dict[str, int]) -> list[CohortPlan]:
    return [p for p in plans if done.get(p.cohort, 0) < p.epochs]


def _execute(
    executor, st, study, dataset, pending, done, commit_seconds, progress, address, options
) -> dict[str, float]:
    """Train the pending cohorts with the chosen executor; compile seconds by cohort."""
    if not pending:
        return {}
    if executor == "ray":
        from batchlab.run._ray import run_on_ray

        return run_on_ray(
            st,
            study,
            dataset,
            pending,
            done,
            commit_seconds,
            progress,
            address=address,
            options=options,
        )
    return _run_here(st, study, dataset, pending, done, commit_seconds, progress)


def new_cohort(study: Study, p: CohortPlan, dataset, shared=None):
    """The engine's cohort for plan ``p`` of ``study`` (both executors make them here): a
    :class:`~batchlab.engine.Cohort`, or under a batch-size schedule a
    :class:`~batchlab.engine.PhasedCohort` (one cohort per batch size, see
    :mod:`batchlab.run._schedules`)."""
    from batchlab.engine import Cohort
    from batchlab.models import resolve_model
    from batchlab.run._schedules import adaptive, phased

    schedule = study.schedule(p.schedule)
    builder = resolve_model(study.model)

    def make(batch_size: int, trials=p.trials):
        return Cohort(
            dataset,
            builder,
            study.optimizer,
            batch_size,
            trials,
            loss=study.loss,
            shuffle=study.shuffle,
            shared=shared,
            rate_schedule=schedule.learning_rate,
            total_epochs=study.epochs,
        )

    if schedule.batch_size.kind == "adaptive":
        return adaptive(study, p, schedule, dataset, make)
    if schedule.batch_size.changes:
        return phased(study, p, schedule, dataset, make)
    return make(p.batch_size)


def resume_point(st: Store, study: str, cohort: str, done: dict[str, int]):
    """``(epoch, checkpoint arrays)`` a cohort continues from; ``(0, None)`` to start afresh."""
    epoch = done.get(cohort, 0)
    checkpoint = st.load_checkpoint(study, cohort) if epoch > 0 else None
    if checkpoint is None or checkpoint[0] != epoch:
        return 0, None
    return epoch, checkpoint[1]


@contextmanager
def compile_pool() -> Iterator[ThreadPoolExecutor]:
    """The background thread in which the next cohorts compile. On Ctrl-C (or an error) the
    compilations not yet begun are cancelled, so the run stops after the one under way
    rather than after every queued cohort has compiled."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batchlab-compile")
    try:
        yield pool
    except BaseException:
        pool.shutdown(cancel_futures=True)
        raise
    pool.shutdown()


def train_threads() -> int:
    """Cohorts the local executor trains at once: ``$BATCHLAB_TRAIN_THREADS``, else 2 on a
    machine with 2 cores or more (two cohorts on two threads took 0.55x the time of one after
    the other on a 2-core CPU: each cohort's small steps keep one core busy; see
    benchmarks/RESULTS.md), else 1."""
    import os

    value = os.environ.get("BATCHLAB_TRAIN_THREADS", "").strip()
    if value:
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n < 1:
            raise SpecError(
                f"BATCHLAB_TRAIN_THREADS = {value!r}: not valid; it must be an integer >= 1."
            )
        return n
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def _run_here(st, study, dataset, pending, done, commit_seconds, progress) -> dict[str, float]:
    """The local executor: every pending cohort in this process, :func:`train_threads` at a
    time, the next ones compiling in a background thread meanwhile; this thread commits the
    chunks. Returns compile seconds by cohort."""
    from batchlab.engine import Shared

    shared = Shared()  # Keras's initial weights per seed, the statistics programs
    cohorts = [new_cohort(study, p, dataset, shared) for p in pending]
    compile_s: dict[str, float] = {}
    with compile_pool() as pool:
        for cohort in cohorts:
            cohort.prepare(pool)
        threads = min(train_threads(), len(pending))
        if threads > 1:
            _train_concurrently(
                st, study, pending, cohorts, done, commit_seconds, progress, threads, compile_s
            )
            return compile_s
        for p, cohort in zip(pending, cohorts, strict=True):
            epoch, arrays = resume_point(st, study.name, p.cohort, done)
            state = cohort.init_state() if arrays is None else cohort.load_state(arrays)
            progress.cohort(p, epoch)
            tic = time.perf_counter()
            on_epoch = functools.partial(progress.epoch, p)
            for chunk in train_chunks(study, p, cohort, state, epoch, commit_seconds, on_epoch):
                chunk.commit(st, study.name)
            compile_s[p.cohort] = cohort.compile_seconds
            progress.cohort_done(p, cohort.compile_seconds, time.perf_counter() - tic)
    return compile_s


def _train_concurrently(
    st, study, pending, cohorts, done, commit_seconds, progress, threads, compile_s
) -> None:
    """Train ``threads`` cohorts at a time in worker threads; commit their chunks here (the
    store's connection belongs to this thread), in the order they come. On Ctrl-C or an
    error the workers stop at their next epoch and nothing more is committed."""
    import queue
    import threading

    starts = {p.cohort: resume_point(st, study.name, p.cohort, done) for p in pending}
    out: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work(p, cohort) -> None:
        if stop.is_set():  # every worker ends with one message: done, stopped or error
            out.put(("stopped", None))
            return
        try:
            epoch, arrays = starts[p.cohort]
            state = cohort.init_state() if arrays is None else cohort.load_state(arrays)
            progress.cohort(p, epoch)
            tic = time.perf_counter()

            def on_epoch(e):
                if stop.is_set():
                    raise _Stopped
                progress.epoch(p, e)

            for chunk in train_chunks(study, p, cohort, state, epoch, commit_seconds, on_epoch):
                out.put(("chunk", chunk))
            out.put(("done", (p, cohort, time.perf_counter() - tic)))
        except _Stopped:
            out.put(("stopped", None))
        except BaseException as exc:  # noqa: BLE001  (handed to the committing thread)
            out.put(("error", exc))

    left = len(pending)
    error: BaseException | None = None
    with ThreadPoolExecutor(threads, thread_name_prefix="batchlab-train") as workers:
        for p, cohort in zip(pending, cohorts, strict=True):
            workers.submit(work, p, cohort)
        while left:
            try:
                kind, item = out.get(timeout=0.2)
            except queue.Empty:
                continue
            except BaseException as exc:  # Ctrl-C while waiting
                error = error or exc
                stop.set()
                continue
            if kind == "chunk":
                if error is None:
                    try:
                        item.commit(st, study.name)
                    except BaseException as exc:  # noqa: BLE001  (Ctrl-C, a store error)
                        error = exc
                        stop.set()
                continue
            left -= 1
            if kind == "done":
                p, cohort, seconds = item
                compile_s[p.cohort] = cohort.compile_seconds
                try:
                    progress.cohort_done(p, cohort.compile_seconds, seconds)
                except BaseException as exc:  # noqa: BLE001
                    error = error or exc
                    stop.set()
            elif kind == "error":
                error = error or item
                stop.set()
    if error is not None:
        raise error


class _Stopped(Exception):
    """A worker thread stops: another one failed or Ctrl-C came."""


def diagnostic_quantities(study: Study) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The study's gradient statistics: ``(scheduled, every_epoch)`` quantity names.

    ``[diagnostics] quantities`` (default: every quantity whose ``Quantity.default`` is true)
    split by the registry's schedule; an unknown name is a SpecError naming it and the valid
    ones.
    """
    from batchlab import quantities

    wanted = study.diagnostics.quantities
    known = quantities.names()
    for i, name in enumerate(wanted or ()):
        if name not in known:
            raise SpecError(
                f"diagnostics.quantities[{i}] = {name!r}: not a quantity"
                f"{did_you_mean(name, known)} (quantities: {', '.join(known)})"
            )
    return tuple(
        tuple(
            n
            for n in quantities.names(schedule)
            if (quantities.QUANTITIES[n].default if wanted is None else n in wanted)
        )
        for schedule in ("scheduled", "every_epoch")
    )


def train_chunks(
    study: Study,
    p: CohortPlan,
    cohort,
    state,
    epoch: int,
    commit_seconds: float,
    on_epoch: Callable[[int], None] | None = None,
) -> Iterator[Chunk]:
    """Train one cohort from ``epoch`` to its last epoch, a :class:`Chunk` at least every
    ``commit_seconds`` (and at the end). Both executors run this; neither touches the store
    here, so a chunk is committed by whoever holds it (the driver, for Ray).

    With ``[diagnostics] enabled``, the gradient statistics are measured at the scheduled
    epochs (0 = at initialization) and the weights' motion (distance from the initial weights,
    size of the epoch's update) after every epoch; their rows go into the same chunk as the
    epoch's metrics.
    """
    diag = study.diagnostics
    scheduled, every_epoch = diagnostic_quantities(study)
    sizes = tuple(b for b in diag.batch_sizes if b <= cohort.dataset.n_train)

    def gradients(s):
        return cohort.measure(
            s,
            scheduled,
            batch_sizes=sizes,
            n_batches=diag.n_batches,
            sample_size=diag.sample_size,
        )

    pending: list[pd.DataFrame] = []
    pending_diag: list[pd.DataFrame] = []
    if diag.enabled and epoch == 0 and 0 in diag.epochs and scheduled:
        pending_diag.append(gradients(state))
    last_commit = time.perf_counter()
    while epoch < p.epochs:
        previous = state
        state, rows = cohort.run(state, 1, on_epoch=on_epoch)
        epoch += 1
        pending.append(rows)
        if diag.enabled:
            pending_diag.append(cohort.measure(state, every_epoch, prev_state=previous))
            if epoch in diag.epochs and scheduled:
                pending_diag.append(gradients(state))
        finished = epoch == p.epochs
        if finished or time.perf_counter() - last_commit >= commit_seconds:
            yield Chunk(
                cohort=p.cohort,
                history=pd.concat(pending, ignore_index=True),
                diagnostics=pd.concat(pending_diag, ignore_index=True) if pending_diag else None,
                checkpoint=cohort.state_arrays(state),
                epoch=epoch,
                done=finished,
                compile_seconds=cohort.compile_seconds,
            )
            pending, pending_diag, last_commit = [], [], time.perf_counter()
