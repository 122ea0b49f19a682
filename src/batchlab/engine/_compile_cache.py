"""JAX's persistent compilation cache, on by default in a per-user folder.

A new process that trains the same shapes as an earlier one loads the compiled programs from
disk instead of compiling them again. The folder is ``$BATCHLAB_COMPILE_CACHE`` when set
(``off`` switches the cache off), else ``$XDG_CACHE_HOME/batchlab/jax`` (``~/.cache/...``).
A cache folder the user gave JAX (``jax_compilation_cache_dir``) is left as it is.
``batchlab run --no-compile-cache`` sets ``BATCHLAB_COMPILE_CACHE=off`` for its run.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

ENV = "BATCHLAB_COMPILE_CACHE"
OFF = ("off", "0", "false", "no", "none")

_lock = threading.Lock()
_done: str | None = None  # the folder (or "off") the cache was set up with


def cache_dir() -> Path | None:
    """The folder of the persistent cache, or None when it is off."""
    value = os.environ.get(ENV, "").strip()
    if value.lower() in OFF:
        return None
    if value:
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "batchlab" / "jax"


def enable() -> Path | None:
    """Point JAX's persistent compilation cache at :func:`cache_dir` (once per setting; the
    engine calls it before it compiles). Every program is kept, however fast it compiled.
    Returns the folder in use, or None."""
    global _done
    import jax

    folder = cache_dir()
    wanted = "off" if folder is None else str(folder)
    with _lock:
        if _done == wanted:
            return folder
        current = jax.config.jax_compilation_cache_dir
        if current and (_done is None or current != _done):
            _done = current  # the user's own setting wins
            return Path(current)
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError:
                folder = None  # an unwritable place: run without the cache
        _reset(jax)
        jax.config.update("jax_compilation_cache_dir", None if folder is None else str(folder))
        if folder is not None:
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
            jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
        _done = "off" if folder is None else str(folder)
        return folder


def _reset(jax) -> None:
    """Let JAX take a new cache folder (it binds the first one it used)."""
    try:
        from jax._src import compilation_cache

        compilation_cache.reset_cache()
    except Exception:  # noqa: BLE001  (a JAX without it binds the folder at first use)
        pass
