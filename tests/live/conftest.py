"""Fixtures of the live views' tests: a study run by another process."""

from __future__ import annotations

import pytest
from helpers.runner import Runner


@pytest.fixture
def runner(tmp_path):
    """``runner(name, epochs, batch_sizes, seeds=1)`` starts a study in another process;
    every runner started is stopped after the test."""
    started: list[Runner] = []

    def start(*args, **kwargs) -> Runner:
        started.append(Runner(tmp_path, *args, **kwargs))
        return started[-1]

    yield start
    for r in started:
        r.stop()
