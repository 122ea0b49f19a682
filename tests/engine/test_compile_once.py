"""Compile once: a second identical call compiles nothing, in-process (the kept programs)
and from disk (JAX's persistent cache in batchlab's folder), with the same results."""

from contextlib import contextmanager

import jax
import numpy as np
import pandas as pd

import batchlab as bl
from batchlab.engine import _compile_cache, _programs

COMPILE = "/jax/core/compile/backend_compile_duration"


@contextmanager
def count_compilations():
    """Count XLA backend compilations (JAX's own monitoring events) inside the block."""
    seen = {"n": 0}

    def listener(event, duration, **kwargs):
        if event == COMPILE:
            seen["n"] += 1

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield seen
    finally:
        from jax._src import monitoring

        monitoring.unregister_event_duration_listener(listener)


def _train():
    return bl.train(
        "blobs",
        bl.models.mlp([12]),
        bl.sgd(momentum=0.9),
        batch_size=[16, 250],
        learning_rate=[0.05, 0.1],
        seeds=2,
        epochs=2,
        diagnostics={
            "enabled": True,
            "epochs": [0, 2],
            "n_batches": 4,
            "batch_sizes": [8],
            "quantities": ["grad_norm", "distance_from_init"],
        },
    )


def _without_clock(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in frame.columns if c == "wall_seconds"]).reset_index(
        drop=True
    )


def test_second_train_compiles_nothing_and_gives_the_same_rows():
    first = _train()
    before = dict(_programs.STATS)
    with count_compilations() as seen:
        second = _train()
    assert seen["n"] == 0, "the second identical bl.train compiled programs again"
    assert _programs.STATS["compiled"] == before.get("compiled", 0)
    assert _programs.STATS["reused"] >= before.get("reused", 0) + 3  # 2 epoch + statistics
    pd.testing.assert_frame_equal(_without_clock(first.history), _without_clock(second.history))
    pd.testing.assert_frame_equal(
        first.diagnostics.reset_index(drop=True), second.diagnostics.reset_index(drop=True)
    )


def test_a_different_shape_compiles_its_own_program():
    _train()
    before = _programs.STATS["compiled"]
    bl.train("blobs", bl.models.mlp([12]), batch_size=16, seeds=3, epochs=1)  # 3 trials, not 4
    assert _programs.STATS["compiled"] == before + 1


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BATCHLAB_COMPILE_CACHE", str(tmp_path / "c"))
    assert _compile_cache.cache_dir() == tmp_path / "c"
    monkeypatch.setenv("BATCHLAB_COMPILE_CACHE", "off")
    assert _compile_cache.cache_dir() is None
    monkeypatch.delenv("BATCHLAB_COMPILE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _compile_cache.cache_dir() == tmp_path / "xdg" / "batchlab" / "jax"


def test_programs_are_written_to_the_cache_folder_and_not_when_off(monkeypatch, tmp_path):
    session = _compile_cache.cache_dir()
    folder = tmp_path / "jax-cache"
    x = np.arange(7.0, dtype=np.float32)
    try:
        monkeypatch.setenv("BATCHLAB_COMPILE_CACHE", str(folder))
        assert _compile_cache.enable() == folder
        jax.jit(lambda v: v * 3.0 + 1.0)(x).block_until_ready()
        assert any(folder.iterdir()), "nothing was written to the compilation cache"
        monkeypatch.setenv("BATCHLAB_COMPILE_CACHE", "off")
        assert _compile_cache.enable() is None
        assert jax.config.jax_compilation_cache_dir is None
        n = len(list(folder.iterdir()))
        jax.jit(lambda v: v * 5.0 - 2.0)(x).block_until_ready()
        assert len(list(folder.iterdir())) == n
    finally:
        monkeypatch.undo()
        assert _compile_cache.enable() == session


def test_cli_run_has_a_no_compile_cache_flag():
    from typer.testing import CliRunner

    from batchlab.cli import app

    out = CliRunner().invoke(app, ["run", "--help"], terminal_width=200)
    assert "--no-compile-cache" in out.output


def test_an_unnameable_model_is_not_shared():
    class NoConfig:
        def get_config(self):
            raise NotImplementedError

    assert _programs.model_key(bl.models.mlp(), NoConfig()) is None
    assert _programs.model_key([1], NoConfig()) is None  # unhashable builder
