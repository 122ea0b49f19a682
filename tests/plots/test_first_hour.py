"""Figures a newcomer meets in the first hour (issue 12): untried cells, one epoch, every trial
diverged, tick labels that say what the axis says, and layouts that never collapse."""

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from helpers.synthetic import SyntheticStudy, hand_history  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from batchlab import analysis, plots  # noqa: E402
from batchlab.store import Tables  # noqa: E402

NAN = float("nan")


def tables(history: pd.DataFrame) -> Tables:
    return Tables({}, pd.DataFrame(), history, pd.DataFrame())


def drawn(fig):
    """Lay the figure out and draw it, turning every warning (constrained layout's too) into
    an error: what a user's terminal would show."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png", dpi=60)  # a Figure's own canvas draws nothing
    return fig


def labels(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() + axis.get_ticklabels(minor=True)]


# ------------------------------------------------------------------------------- heatmap
def flavors() -> pd.DataFrame:
    """Seed 003's four explicit points (not a grid), and a fifth that diverges everywhere."""
    curves = {}
    for s in range(2):
        curves[(1, 0.01, s)] = [0.5, 0.6, 0.55]
        curves[(1, 0.001, s)] = [0.6, 0.8, 0.82]
        curves[(32, 0.01, s)] = [0.7, 0.8, 0.83]
        curves[(500, 0.01, s)] = [0.5, 0.6, 0.7]
        curves[(500, 1.0, s)] = [0.5, NAN, NAN]
    return hand_history(curves)


def test_heatmap_tells_not_tried_from_diverged():
    fig = drawn(plots.figure("heatmap", tables(flavors()), target=0.8))
    left, right = fig.axes[:2]
    rates = [t.get_text() for t in left.get_xticklabels()]
    sizes = [t.get_text() for t in left.get_yticklabels()]
    assert rates == ["0.001", "0.01", "1"] and sizes == ["1", "32", "500"]

    def cell(ax, b, r):
        i, j = sizes.index(b), rates.index(r)
        return [t.get_text() for t in ax.texts if t.get_position() == (j, i)]

    for ax in (left, right):
        assert cell(ax, "32", "0.001") == ["not tried"]  # never run together
        assert cell(ax, "1", "1") == ["not tried"]
        assert cell(ax, "500", "1") == ["diverged\nepoch 2"]  # run, and every seed diverged
    assert cell(right, "500", "0.01") == ["not reached"]
    hatched = [p for p in left.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == 4  # the untried cells look different from the grey diverged ones


# ------------------------------------------------------------------------------- one epoch
def test_one_epoch_curves_and_overlay_draw_points():
    one = SyntheticStudy(batch_sizes=(8, 64), seeds=(0, 1), epochs=1).history()
    fig = drawn(plots.figure("curves", tables(one)))
    for ax in fig.axes:
        points = [c for c in ax.containers if len(c.lines[0].get_xdata()) == 1]
        assert len(points) == 2  # train and test, one marker each (a line would be empty)
        assert points[0].lines[0].get_marker() == "o"
        assert labels(ax.xaxis) == ["1"]  # the epoch, not 0.98 1.00 1.02
    ax = drawn(plots.figure("overlay", tables(one))).axes[0]
    assert len(ax.containers) == 2 and labels(ax.xaxis) == ["1"]


# ------------------------------------------------------------------------------- axes
def test_stability_ticks_are_points_as_the_label_says():
    h = SyntheticStudy(batch_sizes=(4, 32, 500), epochs=20, noise=0.02).history()
    ax = drawn(plots.figure("stability", tables(h))).axes[0]
    assert "percentage points" in ax.get_ylabel()
    ticks = [t for t in labels(ax.yaxis) if t]
    assert ticks and not any("%" in t for t in ticks)
    values = ax.get_yticks()
    assert [float(t) for t in ticks[:2]] == pytest.approx(100 * values[:2])


def test_log_ticks_are_plain_numbers():
    h = SyntheticStudy(
        batch_sizes=(4, 8, 16, 32, 64, 128, 256, 512),
        epochs=70,
        reach=lambda b, lr, s: 50 + b // 64,  # epochs to target 50 ... 58: within one decade
    ).history()
    fig = drawn(plots.figure("speed", tables(h), target=0.8))
    for ax in fig.axes:
        x = [t for t in labels(ax.xaxis) if t]
        assert x == ["4", "8", "16", "32", "64", "128", "256", "512"]
        y = [t for t in labels(ax.yaxis) if t]
        assert y and not any("10^" in t or "times" in t or "$" in t or "×" in t for t in y), y
    assert "50" in labels(fig.axes[0].yaxis)  # a minor tick, once "5×10¹"
    curve = drawn(plots.figure("curves", tables(h), x="updates"))
    assert not any("$" in t for t in labels(curve.axes[0].xaxis))


# ------------------------------------------------------------------------------- layout
@pytest.mark.parametrize("kind", ["overlay", "speed", "curves", "heatmap", "stability"])
def test_many_settings_do_not_collapse_the_layout(kind):
    # 8 batch sizes x 6 rates: 48 lines, 48 panels, a legend of 6 rates, long notes
    h = SyntheticStudy(
        batch_sizes=(4, 8, 16, 32, 64, 128, 256, 450),
        learning_rates=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3),
        seeds=(0,),
        epochs=3,
        reach=lambda b, lr, s: 2 if b == 4 else None,
    ).history()
    fig = drawn(plots.figure(kind, tables(h), **({"target": 0.8} if kind != "stability" else {})))
    width, height = fig.get_size_inches()
    for ax in fig.axes:  # no axes squeezed to nothing (a colour bar is a slim 0.2 inch)
        box = ax.get_position()
        assert box.width * width > 0.15 and box.height * height > 0.15, (kind, box)


def test_thirty_batch_sizes_label_ten():
    h = SyntheticStudy(batch_sizes=tuple(range(2, 62, 2)), seeds=(0,), epochs=3).history()
    fig = drawn(plots.figure("speed", tables(h), target=0.7))
    shown = [t for t in labels(fig.axes[0].xaxis) if t]
    assert len(shown) <= 10 and shown[0] == "2" and shown[-1] == "60"


# ------------------------------------------------------------------------------- diverged
def test_every_trial_diverged_draws_and_says_so():
    # batch size 16 diverges at epoch 1, 64 at epoch 2 (after one finite epoch)
    h = hand_history(
        {(b, 1e6, s): [NAN, NAN] if b == 16 else [0.3, NAN] for b in (16, 64) for s in (0, 1)}
    )
    t = tables(h)
    for kind in ("curves", "heatmap", "speed", "stability"):
        fig = drawn(plots.figure(kind, t))
        notes = " ".join(x.get_text() for ax in fig.axes for x in ax.texts)
        assert "diverged" in notes, kind
    summary = analysis.summary(h)
    assert summary["target"].isna().all() and np.isnan(summary["final_test_accuracy_mean"]).all()
    # nothing finite at all: a note, linear axes, 0-100%
    gone = hand_history({(b, 1e6, s): [NAN, NAN] for b in (16, 64) for s in (0, 1)})
    ax = drawn(plots.figure("overlay", tables(gone), x="updates")).axes[0]
    assert ax.get_xscale() == "linear"  # nothing finite to put on a log axis
    assert ax.get_ylim() == pytest.approx((0.0, 1.01))
    assert "every trial diverged" in ax.texts[0].get_text()


def test_a_crowded_figure_is_saved_without_the_layout_engines_warnings(tmp_path):
    """Constrained layout gives up on a figure with no room (a UserWarning, and in some
    layouts a division by zero): the figure is still saved, and nothing reaches the user."""
    import io

    import numpy as np

    from batchlab.plots._style import draw_to, new_figure

    fig = new_figure(0.5, 0.5)
    for ax in fig.subplots(2, 2).flat:
        ax.plot([1, 2], [1, 2], label="a long label " * 5)
        ax.legend()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):  # draw_to decides for the layout's arithmetic
            draw_to(fig, buffer, "png", 50)
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_speed_with_one_point_reached_draws_without_a_warning():
    # One seed, one setting reaching the target: one value per panel, no spread. A log axis
    # over it warned "identical low and high ylims" on the terminal (issue 12). The rows are
    # seed003-flavors run for 2 epochs and 1 seed, as the README walk-through runs it.
    rows = [  # trial, batch size, rate, epoch, updates, test accuracy, wall seconds
        (0, 500, 0.01, 1, 1, 0.456, 0.108527),
        (0, 500, 0.01, 2, 2, 0.380, 0.109491),
        (1, 1, 0.01, 1, 500, 0.642, 0.021291),
        (1, 1, 0.01, 2, 1000, 0.448, 0.037908),
        (2, 1, 0.001, 1, 500, 0.492, 0.021291),
        (2, 1, 0.001, 2, 1000, 0.698, 0.037908),
        (3, 32, 0.01, 1, 16, 0.680, 0.017359),
        (3, 32, 0.01, 2, 32, 0.524, 0.017862),
    ]
    h = pd.DataFrame(
        rows,
        columns=["trial", "batch_size", "learning_rate", "epoch", "updates", "test_accuracy",
                 "wall_seconds"],
    )  # fmt: skip
    h = h.assign(
        study="flavors",
        cohort=[f"bs{b}-sgd" for b in h.batch_size],
        seed=0,
        momentum=0.9,
        examples_seen=500 * h.epoch,
        train_loss=1.0,
        train_accuracy=h.test_accuracy,
        train_loss_end=1.0,
        train_accuracy_end=h.test_accuracy,
        test_loss=1.0,
        diverged=False,
    )
    fig = drawn(plots.figure("speed", tables(h)))
    for ax in fig.axes[:3]:
        low, high = ax.get_ylim()
        assert 0 < low < high
