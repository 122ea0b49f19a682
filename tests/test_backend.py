"""batchlab selects Keras's JAX backend itself, and refuses a Keras imported with another."""

import os
import subprocess
import sys


def python(code: str, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"} | env
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=300
    )


def test_batchlab_selects_jax_before_keras_is_imported():
    done = python("import batchlab, keras; print(keras.backend.backend())")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "jax"


def test_keras_imported_with_another_backend_is_refused_clearly():
    code = (
        "import keras\n"
        "try:\n"
        "    import batchlab\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    done = python(code, KERAS_BACKEND="numpy")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("BackendError")
    assert "'numpy'" in done.stdout and "KERAS_BACKEND=jax" in done.stdout


def test_another_backend_in_the_environment_is_refused_before_import():
    code = "import batchlab"
    done = python(code, KERAS_BACKEND="torch")
    assert done.returncode != 0
    assert "KERAS_BACKEND='torch'" in done.stderr and "KERAS_BACKEND=jax" in done.stderr
