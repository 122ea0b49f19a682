"""The figure kinds that need more than the history, through the registry
(``batchlab.plots.figure``), and ``batchlab plot --kind gradients|inverse-batch|distance|scaling``
on a stored study."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers.synthetic import SyntheticStudy
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from batchlab.errors import BatchlabError
from batchlab.plots import KINDS, FigureUnavailable, available, figure, figures
from batchlab.store import Tables

#: the kinds that need more than the history: the study report's extra figures
GRADIENT_KINDS = [name for name, kind in KINDS.items() if kind.needs != ("history",)]


def gradient_figures(tables: Tables, target: float | None = None) -> list[tuple[str, Figure]]:
    """(title, figure) for each of them that the tables can draw, as the study report asks."""
    return [(kind.title, fig) for kind, fig in figures(tables, GRADIENT_KINDS, target=target)]


N_TRAIN = 1024
SIZES = (1, 4, 16, 64, 256)  # diagnostics batch sizes
EPOCHS = (0, 3, 12)


def _reach(b, lr, seed):
    """Steps to target S = 40 (1 + 64/B), in whole epochs of ceil(1024/B) updates: 3 epochs
    at B = 8 ... 22 at B = 512."""
    return round(40 * (1 + 64 / b) / math.ceil(N_TRAIN / b))


def _study(batch_sizes=(16, 64, 256)) -> SyntheticStudy:
    return SyntheticStudy(
        batch_sizes=batch_sizes, seeds=(0, 1), epochs=30, n_train=N_TRAIN, reach=_reach
    )


def _diagnostics(history: pd.DataFrame, n: int = N_TRAIN) -> pd.DataFrame:
    """Every trial at EPOCHS, following the finite-pool law exactly for a pool of ``n``."""
    rows = []
    for trial in sorted(history["trial"].unique()):
        for epoch in EPOCHS:
            g_sq, trace = 10.0 / (1 + epoch), 300.0
            for b in SIZES:
                mean = g_sq + (1 - b / n) * trace / b
                rows += [
                    (trial, epoch, "grad_norm_sq", b, "mean", mean),
                    (trial, epoch, "grad_norm_sq", b, "std", 0.3 * mean),
                ]
            rows += [
                (trial, epoch, "full_grad_norm_sq", None, "value", g_sq),
                (trial, epoch, "trace_cov", None, "value", trace),
                (trial, epoch, "b_simple", None, "value", trace / g_sq),
                (trial, epoch, "distance_from_init", None, "value", math.sqrt(epoch)),
            ]
    return pd.DataFrame(rows, columns=["trial", "epoch", "quantity", "batch_size", "stat", "value"])


def _tables(diagnostics=True, spec=None, batch_sizes=(16, 64, 256)) -> Tables:
    study = _study(batch_sizes)
    history = study.history()
    diag = _diagnostics(history) if diagnostics else _diagnostics(history).iloc[:0]
    spec = spec if spec is not None else {"analysis": {"target_accuracy": 0.8}}
    return Tables(spec=spec, trials=study.trials(), history=history, diagnostics=diag)


def _exact_lines(fig: Figure):
    return [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "--"]


def test_gradients_kind_draws_early_and_late_with_the_exact_finite_pool_line():
    fig = figure("gradients", _tables())
    ax = fig.axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 2  # the first and the last measured epoch
    lines = _exact_lines(fig)
    assert len(lines) == 2 and all(f"B/{N_TRAIN}" in line.get_label() for line in lines)
    x, y = lines[1].get_data()  # epoch 12
    b = 16.0
    expect = 10.0 / 13 + (1 - b / N_TRAIN) * 300.0 / b
    assert np.interp(b, x, y) == pytest.approx(expect, rel=1e-3)


def test_inverse_batch_kind_meets_the_full_gradient_at_one_over_n():
    fig = figure("inverse-batch", _tables())
    (first, _) = _exact_lines(fig)
    x, y = first.get_data()
    slope = (y[-1] - y[0]) / (x[-1] - x[0])
    assert slope == pytest.approx(300.0)
    assert y[0] + slope * (1 / N_TRAIN) == pytest.approx(10.0)  # |G|^2 at epoch 0
    # with a sampled pool the line meets |G|^2 at 1/sample_size instead
    fig = figure("inverse-batch", _tables(spec={"diagnostics": {"sample_size": 256}}))
    x, y = _exact_lines(fig)[0].get_data()
    assert y[0] + 300.0 / 256 == pytest.approx(10.0)


def test_distance_kind_one_line_per_batch_size():
    fig = figure("distance", _tables())
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["batch size 16", "batch size 64", "batch size 256"]
    x, y = fig.axes[0].get_lines()[0].get_data()
    np.testing.assert_allclose(x, np.array(EPOCHS) * N_TRAIN)
    np.testing.assert_allclose(y, np.sqrt(EPOCHS))


def test_scaling_kind_fits_names_regimes_and_draws_the_noise_scale():
    fig = figure("scaling", _tables(batch_sizes=(8, 16, 32, 64, 128, 256, 512)))
    ax = fig.axes[0]
    title = ax.get_title()
    assert "80.0%" in title and "B_{crit}" in title and "E_{min}" in title
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith("fit") for label in labels)
    assert any("B_{simple}" in label for label in labels)  # the study measured b_simple
    assert any(label.startswith("predicted") for label in labels)
    names = [t.get_text() for t in ax.texts]  # one regime label per measured point
    assert len(names) == 7 and set(names) <= {"perfect", "diminishing", "no benefit"}
    # a target from the caller wins over the spec's
    fig = figure("scaling", _tables(batch_sizes=(8, 64, 512)), target=0.75)
    assert "75.0%" in fig.axes[0].get_title()


def test_scaling_kind_without_diagnostics_or_enough_points():
    fig = figure("scaling", _tables(diagnostics=False))
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert not any("B_{simple}" in label for label in labels)
    study = SyntheticStudy(batch_sizes=(16, 64), reach={16: 5, 64: None}, n_train=N_TRAIN)
    one = Tables({}, study.trials(), study.history(), pd.DataFrame())
    fig = figure("scaling", one, target=0.8)
    assert fig.axes[0].get_title().endswith("no fit")
    assert any("needs 3 or more batch sizes" in t.get_text() for t in fig.axes[0].texts)


def test_scaling_figure_and_recommender_share_the_rule_of_three_batch_sizes():
    from batchlab.analysis import Recommender

    # two batch sizes reach the target in every seed: a curve would pass through both exactly
    study = SyntheticStudy(batch_sizes=(16, 64), reach={16: 5, 64: 9}, n_train=N_TRAIN)
    two = Tables({}, study.trials(), study.history(), pd.DataFrame())
    fig = figure("scaling", two, target=0.8)
    ax = fig.axes[0]
    assert not any(line.get_label().startswith("fit") for line in ax.get_lines())
    [why] = [t.get_text() for t in ax.texts]
    rec = Recommender(goal="fewest_updates", target=0.8).fit(study.history())
    assert rec.scaling_ is None and "this study has 2" in rec.regime_reason_
    assert rec.regime_reason_.removeprefix("no regime: ") in " ".join(why.split())


def test_gradient_kinds_need_diagnostics_and_unknown_kinds_are_named():
    for kind in ("gradients", "inverse-batch", "distance"):
        with pytest.raises(FigureUnavailable, match=r"diagnostics.*\[diagnostics\] enabled"):
            figure(kind, _tables(diagnostics=False))
    no_trace = _tables()
    no_trace = no_trace._replace(
        diagnostics=no_trace.diagnostics[no_trace.diagnostics["quantity"] != "trace_cov"]
    )
    with pytest.raises(FigureUnavailable, match=r"measured no trace_cov.*\[diagnostics\] enabled"):
        figure("gradients", no_trace)
    with pytest.raises(FigureUnavailable, match="at least 2 batch sizes"):
        figure("scaling", _tables(batch_sizes=(64,)))
    for kind in ("sharpness", "sharpness-gap"):  # measured only when named: say how, and where
        for tables in (_tables(), _tables(diagnostics=False)):
            with pytest.raises(FigureUnavailable, match=r'quantities = \["sharpness".*keskar'):
                figure(kind, tables)
    with pytest.raises(BatchlabError, match="gradients, inverse-batch, distance, trained-gr"):
        figure("gradient", _tables())
    assert GRADIENT_KINDS == [
        "gradients",
        "inverse-batch",
        "distance",
        "trained-gradients",
        "sharpness",
        "sharpness-gap",
        "scaling",
    ]


def test_available_kinds():
    history_kinds = ["curves", "overlay", "heatmap", "speed", "stability"]
    drawn = [k for k in GRADIENT_KINDS if not k.startswith("sharpness")]  # none measured
    grid_kinds = ["rate-ratio", "schedules"]  # drawn from the history, after the gradient kinds
    assert [kind.name for kind in available(_tables())] == history_kinds + drawn + grid_kinds
    no_diag = [kind.name for kind in available(_tables(diagnostics=False))]
    assert no_diag == [*history_kinds, "scaling", *grid_kinds]
    single = [kind.name for kind in available(_tables(diagnostics=False, batch_sizes=(64,)))]
    assert single == [*history_kinds, "schedules"]  # rate-ratio needs 2 batch sizes


def test_gradient_figures_for_the_report():
    titles = [title for title, fig in gradient_figures(_tables())]
    assert titles == [
        "Gradient norm against batch size, early and late",
        "Squared gradient norm against 1/batch size",
        "Distance from the initial weights",
        "Gradient norm against the training batch size (seed 004's figure)",
        "Steps to target against batch size",
    ]
    assert all(isinstance(fig, Figure) for _, fig in gradient_figures(_tables()))
    no_diag = [title for title, _ in gradient_figures(_tables(diagnostics=False))]
    assert no_diag == ["Steps to target against batch size"]
    single = _tables(diagnostics=False, batch_sizes=(64,))
    assert gradient_figures(single) == []
    never = SyntheticStudy(batch_sizes=(16, 64), reach=None, n_train=N_TRAIN)
    assert (
        gradient_figures(Tables({}, never.trials(), never.history(), pd.DataFrame()), target=0.8)
        == []
    )


# --------------------------------------------------------------------------- the command line
SPEC = """
name = "tiny-gradients"
dataset = "blobs"
epochs = 4

[model]
kind = "mlp"
hidden = [8]

[optimizer]
name = "sgd"

[sweep]
batch_size = [25, 100]
learning_rate = [0.1]
momentum = [0.9]
seeds = 1

[analysis]
target_accuracy = 0.6

[diagnostics]
enabled = true
epochs = [0, 4]
batch_sizes = [1, 5, 25, 100]
n_batches = 20
quantities = ["b_simple", "distance_from_init", "epoch_distance", "full_grad_norm_sq",
  "grad_norm_sq", "grad_norm", "grad_snr", "trace_cov", "sharpness"]
"""


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A tiny study with every gradient statistic (sharpness too: named), run once into a
    store."""
    from batchlab.run import run_study
    from batchlab.study import parse_toml

    path = tmp_path_factory.mktemp("kinds") / "kinds.db"
    run_study(parse_toml(SPEC), store=path)
    return path


@pytest.mark.parametrize("kind", list(GRADIENT_KINDS))
def test_plot_command_draws_each_kind_from_the_store(stored, tmp_path, capsys, kind):
    from batchlab.cli import main

    out = tmp_path / f"{kind}.png"
    args = ["plot", "tiny-gradients", "--kind", kind, "-o", str(out), "--store", str(stored)]
    code = main([*args, "--target", "0.5"] if kind == "scaling" else args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and str(out) in captured.out


def test_plot_command_refuses_unknown_kinds_naming_all(stored, tmp_path, capsys):
    from batchlab.cli import main

    out = tmp_path / "x.png"
    code = main(
        ["plot", "tiny-gradients", "--kind", "grads", "-o", str(out), "--store", str(stored)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "inverse-batch" in err and "curves" in err and not out.exists()
