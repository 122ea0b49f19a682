"""Select Keras's JAX backend before Keras is imported.

batchlab runs Keras models through ``model.stateless_call`` inside ``jax.jit(jax.vmap(...))``,
which needs the JAX backend. Import :func:`keras` from here instead of ``import keras``.
"""

from __future__ import annotations

import os
import sys

from batchlab.errors import BackendError


def keras():
    """Return the ``keras`` module on the JAX backend.

    Sets ``KERAS_BACKEND=jax`` when Keras has not been imported yet. If it was imported
    earlier with another backend, raises :class:`BackendError` saying how to fix it.
    """
    if "keras" not in sys.modules:
        wanted = os.environ.get("KERAS_BACKEND", "jax")
        if wanted != "jax":
            raise BackendError(
                f"KERAS_BACKEND={wanted!r} is set, but batchlab trains on Keras's JAX backend. "
                "Unset KERAS_BACKEND or set KERAS_BACKEND=jax."
            )
        os.environ["KERAS_BACKEND"] = "jax"
    import keras as _keras

    backend = _keras.backend.backend()
    if backend != "jax":
        raise BackendError(
            f"Keras was imported with the {backend!r} backend before batchlab; batchlab needs "
            "the 'jax' backend. Import batchlab before keras, or set KERAS_BACKEND=jax in the "
            "environment before Python starts."
        )
    return _keras
