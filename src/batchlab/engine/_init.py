"""Initial weights: exactly Keras's, per seed, without touching the caller's global seeds."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from batchlab._backend import keras


@contextmanager
def isolated_global_seed() -> Iterator[None]:
    """Run a block that calls ``keras.utils.set_random_seed``, then put every global RNG back.

    batchlab never sets a global seed behind the user's back (STYLE 7): Python's and NumPy's
    global states and Keras's global seed attributes are saved and restored.
    """
    k = keras()
    from keras.src.backend.common import global_state  # Keras keeps its seeds here
    from keras.src.random import seed_generator

    names = ("global_random_seed", seed_generator.GLOBAL_SEED_GENERATOR)
    saved = [global_state.get_global_attribute(n) for n in names]
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002
        for name, value in zip(names, saved, strict=True):
            global_state.set_global_attribute(name, value)
        del k


def seeded_model(builder: Callable[[], object], seed: int):
    """``keras.utils.set_random_seed(seed); builder()`` with the global RNGs restored after.

    Returns ``(model, trainable, non_trainable)``: the built model and its variables' values
    as NumPy arrays, in ``model.trainable_variables`` / ``non_trainable_variables`` order.
    """
    k = keras()
    with isolated_global_seed():
        k.utils.set_random_seed(int(seed))
        model = builder()
    trainable = [np.asarray(v.value) for v in model.trainable_variables]
    non_trainable = [np.asarray(v.value) for v in model.non_trainable_variables]
    return model, trainable, non_trainable
