"""Select Keras's JAX backend before Keras is imported.

batchlab runs Keras models through ``model.stateless_call`` inside ``jax.jit(jax.vmap(...))``,
which needs the JAX backend. Import :func:`keras` from here instead of ``import keras``.
"""

from __future__ import annotations

import os
import sys

from batchlab.errors import BackendError


def select_jax() -> None:
    """Make Keras's JAX backend the one Keras will use, without importing Keras.

    Sets ``KERAS_BACKEND=jax`` when Keras has not been imported yet; raises
    :class:`BackendError`, saying how to fix it, when another backend is asked for in the
    environment or Keras was already imported with one. Cheap: ``import batchlab`` calls it.
    """
    if "keras" not in sys.modules:
        wanted = os.environ.get("KERAS_BACKEND", "jax")
        if wanted != "jax":
            raise BackendError(
                f"KERAS_BACKEND={wanted!r} is set, but batchlab trains on Keras's JAX backend. "
                "Unset KERAS_BACKEND or set KERAS_BACKEND=jax."
            )
        os.environ["KERAS_BACKEND"] = "jax"
        return
    backend = sys.modules["keras"].backend.backend()
    if backend != "jax":
        raise BackendError(
            f"Keras was imported with the {backend!r} backend before batchlab; batchlab needs "
            "the 'jax' backend. Import batchlab before keras, or set KERAS_BACKEND=jax in the "
            "environment before Python starts."
        )


def keras():
    """Return the ``keras`` module on the JAX backend (see :func:`select_jax`)."""
    select_jax()
    import keras as _keras

    select_jax()  # an import that raced us
    return _keras
