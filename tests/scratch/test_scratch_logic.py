"""Seed 002: five logic functions, learned by every flavor of gradient descent."""

from __future__ import annotations

import numpy as np
import pytest

from batchlab.scratch import (
    LOGIC_FUNCTIONS,
    LOGIC_X,
    LOGIC_Y,
    format_truth_table,
    logic_command,
    plot_logic_errors,
    run_logic,
)


@pytest.fixture(scope="module")
def results():
    return run_logic()  # the defaults, seed 0


def test_truth_table():
    assert LOGIC_FUNCTIONS == ("AND", "OR", "XOR", "NAND", "NOR")
    a, b = LOGIC_X[:, 0].astype(bool), LOGIC_X[:, 1].astype(bool)
    truth = np.stack([a & b, a | b, a ^ b, ~(a & b), ~(a | b)], axis=1)
    np.testing.assert_array_equal(LOGIC_Y, truth.astype(float))


def test_every_flavor_learns_all_five_functions(results):
    assert list(results) == ["batch", "stochastic", "minibatch"]
    assert [r.batch_size for r in results.values()] == [4, 1, 2]
    for r in results.values():
        np.testing.assert_array_equal(np.round(r.predictions), LOGIC_Y, err_msg=r.flavor)
        assert r.learned and r.learned_at is not None
        assert r.final_error < 0.01
    # More updates per epoch learn the table in fewer epochs.
    at = {name: r.learned_at for name, r in results.items()}
    assert at["stochastic"] < at["minibatch"] < at["batch"]


def test_format_truth_table_marks_mistakes():
    wrong = LOGIC_Y.copy()
    wrong[3, 2] = 0.9  # XOR(1, 1) learned as 1
    text = format_truth_table(wrong, raw=False)
    lines = text.splitlines()
    assert lines[0].split("|")[1].split() == ["true", *LOGIC_FUNCTIONS]
    assert lines[0].split("|")[2].split() == ["learned", *LOGIC_FUNCTIONS]
    assert lines[4].count("*") == 1 and "*" not in "".join(lines[1:4])


def test_logic_command_prints_tables_and_writes_plot(tmp_path):
    path = tmp_path / "logic.svg"
    text = logic_command(epochs=30, plot=str(path), seed=0, hidden=8, lr=1.0, momentum=0.9)
    for flavor in ("batch", "stochastic", "minibatch"):
        assert f"{flavor} gradient descent" in text
    assert text.count("| true  AND   OR  XOR NAND  NOR | learned  AND   OR  XOR NAND  NOR") == 3
    assert "error (MSE) per epoch" in text and str(path) in text
    svg = path.read_text()
    assert "<svg" in svg and "epoch" in svg and "error (MSE)" in svg


def test_plot_logic_errors_png(tmp_path, results):
    path = plot_logic_errors(results, tmp_path / "logic.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
