"""The Ray executor: one Ray task per cohort; the driver alone writes the store.

Each pending cohort becomes a Ray *generator* task that builds the cohort in a worker, puts
back its checkpoint (shipped by the driver) and runs :func:`batchlab.run._runner.train_chunks`,
yielding each :class:`Chunk` as it is made. The driver waits on all the cohorts' streams at once
and commits every chunk the moment it arrives, in one transaction, exactly as the local
executor does: a run killed on either side resumes from the last committed chunk, and the
rows are the ones a local run writes (same program, same draws from (seed, epoch)).

A worker that dies (a preempted node, out of memory) fails the run, as a crash of the local
executor does; running the study again resumes every cohort from its last chunk in the store.

Workers need batchlab (and any user model module) importable: on a local Ray they run this
interpreter; on a cluster, install batchlab on its nodes or pass a ``runtime_env`` in
``ray_options``. The dataset travels from the driver through Ray's object store, so a CSV or
NPZ file needs to exist on the driver only.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence

from batchlab.errors import BatchlabError, SpecError
from batchlab.run._runner import new_cohort, resume_point, train_chunks


def _import_ray():
    try:
        import ray
    except ImportError as err:
        raise SpecError(
            "executor: 'ray' needs Ray, which is not installed; install it with "
            "`pip install 'batchlab[ray]'` (or `pip install ray`), or use executor 'local'."
        ) from err
    return ray


def cohort_chunks(study, p, dataset, epoch: int, checkpoint, commit_seconds: float):
    """A Ray generator task: train cohort ``p`` from ``epoch`` (state ``checkpoint``, plain
    arrays, or None at epoch 0) and yield its chunks."""
    cohort = new_cohort(study, p, dataset)
    state = cohort.init_state() if checkpoint is None else cohort.load_state(checkpoint)
    yield from train_chunks(study, p, cohort, state, epoch, commit_seconds)


def _connect(ray, address: str | None) -> bool:
    """Use the Ray already up in this process, or connect/start one; True if we started it."""
    if ray.is_initialized():
        if address is not None:
            raise SpecError(
                f"ray_address: {address!r} was given but this process is already connected "
                "to a Ray cluster; leave ray_address out, or call ray.shutdown() first."
            )
        return False
    try:
        with warnings.catch_warnings():
            # Ray starts its processes with fork + exec; JAX warns about any fork.
            warnings.filterwarnings("ignore", "os.fork", RuntimeWarning)
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
    except (ConnectionError, ValueError, RuntimeError) as err:
        raise SpecError(
            f"ray_address: could not connect to Ray at {address!r} ({err}); give the address "
            "of a running cluster (`ray start --head` prints it), 'auto', or leave it out to "
            "start a local Ray."
        ) from err
    return True


def run_on_ray(
    st,
    study,
    dataset,
    pending: Sequence,
    done: dict[str, int],
    commit_seconds: float,
    progress,
    *,
    address: str | None = None,
    options: dict | None = None,
) -> dict[str, float]:
    """Train the pending cohorts as Ray tasks, committing their chunks here as they arrive.

    Returns the compile seconds of each cohort (measured in its worker).
    """
    ray = _import_ray()
    options = dict(options or {})
    started = _connect(ray, address)
    streams: dict = {}  # a cohort's stream of chunks -> (its plan, when it was submitted)
    try:
        try:
            # A failed cohort fails the run, rather than being re-run by Ray from its first
            # epoch while the driver holds its later chunks; running the study again resumes.
            task = ray.remote(cohort_chunks).options(**{"max_retries": 0, **options})
        except (TypeError, ValueError) as err:
            raise SpecError(
                f"ray_options: {options!r} is not valid for a Ray task ({err})."
            ) from err
        data = ray.put(dataset)
        compile_s: dict[str, float] = {}
        for p in pending:
            epoch, checkpoint = resume_point(st, study.name, p.cohort, done)
            progress.cohort(p, epoch)
            stream = task.remote(study, p, data, epoch, checkpoint, commit_seconds)
            streams[stream] = (p, time.perf_counter())
        while streams:
            ready, _ = ray.wait(list(streams), num_returns=1)
            for stream in ready:
                p, tic = streams[stream]
                try:
                    chunk = ray.get(next(stream))
                except StopIteration:
                    del streams[stream]
                    progress.cohort_done(p, compile_s.get(p.cohort, 0.0), time.perf_counter() - tic)
                    continue
                except ray.exceptions.RayTaskError as err:
                    # A bad model or dataset fails in the worker: say it as batchlab would.
                    if isinstance(err.cause, BatchlabError):
                        raise err.cause from None
                    raise
                chunk.commit(st, study.name)
                compile_s[p.cohort] = chunk.compile_seconds
                progress.epoch(p, chunk.epoch)
        return compile_s
    finally:
        if started:
            ray.shutdown()  # ends the run's own Ray, tasks and all
        else:
            for stream in streams:  # a failed run leaves nothing running on the user's cluster
                ray.cancel(stream, force=True)
