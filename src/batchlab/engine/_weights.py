"""Each seed's initial weights from ONE built model, bit-identical to building it per seed.

``keras.utils.set_random_seed(s); builder()`` seeds Python's ``random`` with ``s``; every
Keras initializer (and seed generator) made without a seed then takes
``random.randint(1, 10**9)`` when it is constructed, and draws its values from that integer
when its variable is created. So the model is built once (the template); each variable's
initializer and the position of its integer in the stream of draws are read off it; and for
seed ``s`` the initializers run again with the integers that ``random.Random(s)`` draws at
those positions -- no layers, no model, only the random draws.

Safety: the template's own seed is replayed first and must give back the template's values
bit for bit, and every variable must belong to a known initializer (``<name>_initializer``
of its layer, or a seed generator's state); otherwise (a layer that sets its weights another
way, an initializer seeded by a stateful generator) each seed's model is built, as before
(:func:`batchlab.engine._init.seeded_model`).
"""

from __future__ import annotations

import copy
import random
import threading
from collections import OrderedDict

import numpy as np

from batchlab._backend import keras
from batchlab.engine._init import isolated_global_seed, seeded_model

_TEMPLATE_SEED = 0
_MAX_BUILDERS = 16
_MAX_SEEDS = 4096

_lock = threading.Lock()
_kept: OrderedDict = OrderedDict()  # key -> InitialWeights


class _Unsupported(Exception):
    """The model has a variable we cannot re-initialize safely: build per seed instead."""


class InitialWeights:
    """``weights(seed) -> (model, trainable, non_trainable)`` for one builder (see module).

    ``model`` is the template (every seed's model has its structure); the lists are NumPy
    arrays in ``model.trainable_variables`` / ``non_trainable_variables`` order.
    ``replayed`` says whether seeds are replayed (True) or built one by one (False).
    """

    def __init__(self, build):
        self._build = build
        self.model, trainable, non_trainable = seeded_model(build, _TEMPLATE_SEED)
        self._values: OrderedDict[int, tuple] = OrderedDict()
        self._values[_TEMPLATE_SEED] = (trainable, non_trainable)
        try:
            self._plan = _plan(self.model, _TEMPLATE_SEED)
            replay = self._replay(_TEMPLATE_SEED)
            same = all(
                a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
                for got, want in zip(replay, (trainable, non_trainable), strict=True)
                for a, b in zip(got, want, strict=True)
            )
            if not same:
                raise _Unsupported("the replayed template differs from the built one")
            self.replayed = True
        except _Unsupported:
            self._plan = None
            self.replayed = False

    def __call__(self, seed: int) -> tuple:
        seed = int(seed)
        with _lock:
            kept = self._values.get(seed)
        if kept is None:
            if self._plan is not None:
                kept = self._replay(seed)
            else:
                kept = seeded_model(self._build, seed)[1:]
            with _lock:
                self._values[seed] = kept
                while len(self._values) > _MAX_SEEDS:
                    self._values.popitem(last=False)
        return (self.model, *kept)

    def _replay(self, seed: int) -> tuple[list, list]:
        plan, n_draws = self._plan
        stream = random.Random(seed)
        draws = [stream.randint(1, int(1e9)) for _ in range(n_draws)]
        out = []
        for group in plan:
            values = []
            for kind, what, position, shape, dtype in group:
                drawn = draws[position] if position is not None else None
                if kind == "init":
                    init = what
                    if drawn is not None:
                        init = copy.copy(what)
                        init.seed = drawn
                    values.append(np.asarray(init(shape, dtype=dtype)))
                else:  # a seed generator's state: [seed, 0]
                    values.append(np.asarray([drawn if drawn is not None else what, 0], dtype))
            out.append(values)
        return out[0], out[1]


def _plan(model, seed: int):
    """For each of the model's variables (trainable, then non-trainable, in the model's
    order): how to make its value, and which of the seed's draws it takes."""
    from keras.src.initializers.initializer import Initializer
    from keras.src.initializers.random_initializers import RandomInitializer
    from keras.src.random.seed_generator import SeedGenerator

    sources: dict[int, tuple] = {}  # id(variable) -> (kind, initializer or seed, drawn int)
    for layer in model._flatten_layers(include_self=True):
        for v in list(layer._trainable_variables) + list(layer._non_trainable_variables):
            init = getattr(layer, f"{v.name}_initializer", None)
            if not isinstance(init, Initializer):
                continue
            if isinstance(init, RandomInitializer):
                if not isinstance(init.seed, int) or isinstance(init.seed, bool):
                    raise _Unsupported(f"{v.path}: its initializer's seed is a generator")
                drawn = init.seed if init._init_seed is None else None
            else:
                drawn = None
            sources[id(v)] = ("init", init, drawn)
        for gen in getattr(layer, "_seed_generators", ()):
            if isinstance(gen, SeedGenerator):
                state = np.asarray(gen.state.value)
                fixed = gen._initial_seed
                sources[id(gen.state)] = ("seed", int(state[0]), None if fixed else int(state[0]))
    # the positions of the drawn integers in the seed's stream
    wanted = {s[2] for s in sources.values() if s[2] is not None}
    limit = 4 * len(sources) + 64
    stream = random.Random(seed)
    positions: dict[int, int] = {}
    for i in range(limit):
        d = stream.randint(1, int(1e9))
        if d in wanted and d not in positions:
            positions[d] = i
        if len(positions) == len(wanted):
            break
    if len(positions) != len(wanted):
        raise _Unsupported("an initializer's seed is not in the seed's stream")
    plan = []
    n_draws = 0
    for variables in (model.trainable_variables, model.non_trainable_variables):
        group = []
        for v in variables:
            source = sources.get(id(v))
            if source is None:
                raise _Unsupported(f"{v.path}: no initializer known for it")
            kind, what, drawn = source
            position = positions[drawn] if drawn is not None else None
            if position is not None:
                n_draws = max(n_draws, position + 1)
            group.append((kind, what, position, tuple(v.shape), v.dtype))
        plan.append(group)
    return plan, n_draws


def initial_weights(builder, input_shape, n_outputs) -> InitialWeights:
    """The process's :class:`InitialWeights` of ``builder`` for these shapes (kept, so a
    second call builds nothing); a builder that cannot be a dict key gets a fresh one."""
    k = keras()
    build = lambda: builder(input_shape, n_outputs)  # noqa: E731
    try:
        key = (builder, tuple(input_shape), int(n_outputs), k.config.floatx())
        hash(key)
    except TypeError:
        return InitialWeights(build)
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
            return kept
    made = InitialWeights(build)
    with _lock:
        _kept[key] = made
        while len(_kept) > _MAX_BUILDERS:
            _kept.popitem(last=False)
    return made


def clear() -> None:
    """Forget the kept templates and weights."""
    with _lock:
        _kept.clear()


__all__ = ["InitialWeights", "initial_weights", "isolated_global_seed"]
