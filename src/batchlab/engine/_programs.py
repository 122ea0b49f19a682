"""Compile once: the process's compiled programs, reused when what fixes them is the same.

A cohort's epoch program depends on the model's structure, the loss head, the optimizer kind,
the batch size, the dataset's and the state's shapes and dtypes, and the backend -- not on
the trials' values, the data's values or the study. :func:`program_key` names those; a
second cohort with the same key (a second ``bl.train``, another study of the same shapes)
takes the compiled program from :data:`PROGRAMS` instead of tracing, lowering and compiling
it again. The gradient-statistics programs are kept the same way (:func:`shared_program`).

JAX's persistent compilation cache (:mod:`batchlab.engine._compile_cache`) covers a new
process; this covers the next call in the same one, which then compiles nothing.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable

import jax

MAX_PROGRAMS = 64
"""Compiled programs kept (least recently used dropped first)."""

STATS: Counter = Counter()
"""``compiled`` / ``reused``: epoch and statistics programs made or taken from the cache in
this process (the tests read it)."""

_PROGRAMS: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


def model_key(builder, model) -> Hashable | None:
    """What fixes a model's computation: its builder (by value for batchlab's builders, by
    identity for a user's function) and its Keras configuration; None when either cannot be
    had (such a model's programs are not shared)."""
    try:
        hash(builder)
        config = json.dumps(model.get_config(), sort_keys=True, default=repr)
    except Exception:  # noqa: BLE001  (an unhashable builder, a layer without get_config)
        return None
    return (builder, type(model).__module__, type(model).__qualname__, config)


def abstract(tree) -> Hashable:
    """A pytree's structure and its leaves' shapes and dtypes, as a hashable value."""
    leaves, treedef = jax.tree.flatten(tree)
    return (
        str(treedef),
        tuple((tuple(jax.numpy.shape(x)), str(jax.numpy.result_type(x))) for x in leaves),
    )


def environment() -> Hashable:
    """What else fixes a compiled program: the backend, its devices, float64 on or off."""
    return (jax.default_backend(), str(jax.devices()[0]), bool(jax.config.jax_enable_x64))


def get(key: Hashable | None):
    """The compiled program kept under ``key``, or None."""
    if key is None:
        return None
    with _LOCK:
        program = _PROGRAMS.get(key)
        if program is not None:
            _PROGRAMS.move_to_end(key)
            STATS["reused"] += 1
        return program


def put(key: Hashable | None, program) -> None:
    """Keep ``program`` under ``key`` (nothing when ``key`` is None)."""
    STATS["compiled"] += 1
    if key is None:
        return
    with _LOCK:
        _PROGRAMS[key] = program
        _PROGRAMS.move_to_end(key)
        while len(_PROGRAMS) > MAX_PROGRAMS:
            _PROGRAMS.popitem(last=False)


def replace(old, new) -> None:
    """Keep ``new`` wherever ``old`` (a compilation's future) is kept."""
    with _LOCK:
        for key, value in _PROGRAMS.items():
            if value is old:
                _PROGRAMS[key] = new


def discard(old) -> None:
    """Forget ``old`` (a compilation that failed)."""
    with _LOCK:
        for key in [k for k, v in _PROGRAMS.items() if v is old]:
            del _PROGRAMS[key]


def shared_program(key: Hashable | None, make: Callable[[], object]):
    """The program under ``key``, made by ``make()`` the first time (a ``jax.jit`` function:
    it compiles once per argument shape, and is kept with its compilations)."""
    program = get(key)
    if program is None:
        program = make()
        put(key, program)
    return program


def clear() -> None:
    """Forget every kept program (the next cohorts compile again)."""
    with _LOCK:
        _PROGRAMS.clear()
