"""Shared fixtures. Problems shared by several test files live in tests/helpers/."""

import atexit
import os
import shutil
import tempfile

import jax
import pytest

os.environ.setdefault("MPLBACKEND", "agg")
# JAX's persistent compilation cache in a folder of this session (not the user's ~/.cache);
# CLI subprocesses inherit it.
_CACHE = tempfile.mkdtemp(prefix="batchlab-test-jax-cache-")
os.environ.setdefault("BATCHLAB_COMPILE_CACHE", _CACHE)
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

import batchlab  # noqa: E402,F401  (selects Keras's JAX backend first)
from batchlab._backend import keras as _keras  # noqa: E402


@pytest.fixture
def float64():
    """Run a test in float64: JAX x64, Keras floatx and dtype policy, all restored after."""
    from keras.src.backend.common import global_state

    keras = _keras()
    old_x64, old_floatx = jax.config.jax_enable_x64, keras.config.floatx()
    old_policy = global_state.get_global_attribute("dtype_policy", None)
    jax.config.update("jax_enable_x64", True)
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        yield
    finally:
        global_state.set_global_attribute("dtype_policy", old_policy)
        keras.config.set_floatx(old_floatx)
        jax.config.update("jax_enable_x64", old_x64)
