"""Every figure kind: panels, lines and bands on synthetic tables; clear errors; saving."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from helpers.synthetic import SyntheticStudy  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from batchlab import analysis, plots  # noqa: E402
from batchlab.errors import BatchlabError  # noqa: E402
from batchlab.store import Tables  # noqa: E402


@pytest.fixture(scope="module")
def history():
    return SyntheticStudy(batch_sizes=(4, 32, 500), epochs=12, noise=0.01).history()


@pytest.fixture(scope="module")
def grid_history():
    # 2 rates x 3 batch sizes; batch size 500 at rate 0.001 never reaches the target
    return SyntheticStudy(
        batch_sizes=(4, 32, 500),
        learning_rates=(0.001, 0.01),
        epochs=12,
        reach=lambda b, lr, s: None if (b, lr) == (500, 0.001) else 4,
    ).history()


@pytest.fixture(scope="module")
def table(history):
    return analysis.summary(history, target=0.8)


@pytest.fixture(scope="module")
def tables(history):
    """The study's tables as the registry takes them: a history, no diagnostics."""
    return Tables({}, pd.DataFrame(), history, pd.DataFrame())


def bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def series(history, x="epochs"):
    return {
        "train": analysis.curves(history, x=x, metric="train_accuracy"),
        "test": analysis.curves(history, x=x, metric="test_accuracy"),
    }


def test_kinds():
    history_only = {name for name, kind in plots.KINDS.items() if kind.needs == ("history",)}
    assert history_only == {
        *("curves", "overlay", "heatmap", "speed", "stability"),
        *("rate-ratio", "schedules"),
    }
    assert list(plots.KINDS) == [
        "curves",
        "overlay",
        "heatmap",
        "speed",
        "stability",
        "gradients",
        "inverse-batch",
        "distance",
        "trained-gradients",
        "sharpness",
        "sharpness-gap",
        "scaling",
        "rate-ratio",
        "schedules",
    ]
    assert plots.KINDS["curves"].options[:2] == ("x", "metric")
    assert "learning_rate" in plots.KINDS["overlay"].options
    assert plots.KINDS["gradients"].options == ("epochs", "trial")


def test_curves_one_panel_per_batch_size(history):
    fig = plots.draw_curves(series(history), target=0.8)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert len(ax.get_lines()) == 3  # train, test, target
        assert len(bands(ax)) == 2
    assert len({ax.get_ylim() for ax in fig.axes}) == 1  # shared y limits
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["batch size 4", "batch size 32", "batch size 500"]
    assert fig.axes[0].get_ylabel() == "accuracy"


def test_curves_eight_panels_and_updates_axis():
    sizes = (4, 8, 16, 32, 64, 128, 256, 450)
    h = SyntheticStudy(batch_sizes=sizes, seeds=(0, 1), epochs=6).history()
    fig = plots.draw_curves(series(h, "updates"), x="updates")
    assert len(fig.axes) == 8  # the seed's eight panels, no empty ones
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)
    assert fig.axes[-1].get_xlabel() == "updates (optimizer steps)"
    assert fig.axes[-1].get_xscale() == "log"


def test_curves_grid_of_rates(grid_history):
    fig = plots.draw_curves(series(grid_history))
    assert len(fig.axes) == 6
    assert fig.axes[0].get_title() == "batch size 4, lr 0.001"


def test_curves_partial_grid_has_no_empty_panels():
    # seed 003's flavors: (1, 0.001), (1, 0.01), (32, 0.01), (500, 0.01)
    h = SyntheticStudy(batch_sizes=(1, 32, 500), learning_rates=(0.001, 0.01), epochs=4).history()
    h = h[(h["learning_rate"] == 0.01) | (h["batch_size"] == 1)]
    fig = plots.draw_curves(series(h))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "batch size 1, lr 0.001",
        "batch size 1, lr 0.01",
        "batch size 32, lr 0.01",
        "batch size 500, lr 0.01",
    ]
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)


def test_overlay_one_line_per_batch_size(history):
    for x in ("epochs", "updates", "examples", "seconds"):
        ax = plots.draw_overlay(analysis.curves(history, x=x), x=x)
        assert len(ax.get_lines()) == 3 and len(bands(ax)) == 3
        assert ax.get_xlabel() == plots.X_LABELS[x]
        assert len(ax.get_legend().get_texts()) == 3


def test_wide_bands_do_not_stretch_the_axes():
    table = pd.DataFrame(
        {
            "batch_size": [4, 4],
            "epochs": [1, 2],
            "mean": [0.5, 0.7],
            "lower": [-1.0, -0.5],
            "upper": [2.0, 2.5],
            "n": [2, 2],
        }
    )
    assert plots.draw_overlay(table).get_ylim() == pytest.approx((0.0, 1.01))
    loss = table.assign(mean=[2.0, 1.0], lower=[-30.0, -20.0], upper=[40.0, 30.0])
    bottom, top = plots.draw_overlay(loss, ylabel="test loss").get_ylim()
    assert bottom == 0 and top == pytest.approx(3.0 * 1.02)


def test_overlay_with_rates(grid_history):
    ax = plots.draw_overlay(analysis.curves(grid_history), bands=False, target=0.8)
    assert len(ax.get_lines()) == 6 + 1 and not bands(ax)


def test_heatmap_two_annotated_panels(grid_history):
    fig = plots.draw_heatmap(analysis.summary(grid_history, target=0.8))
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == 2
    for ax in maps:
        assert len(ax.texts) == 3 * 2  # every cell annotated
        assert ax.get_ylabel() == "batch size (examples per update)"
    assert "not reached" in [t.get_text() for t in maps[1].texts]


def test_speed_three_log_panels(table):
    fig = plots.draw_speed(table)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert len(ax.containers) == 1  # one error-bar series
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert len(fig.axes[1].get_lines()) >= 2  # with the perfect-scaling reference


def test_speed_series_per_rate_and_unreached(grid_history):
    fig = plots.draw_speed(analysis.summary(grid_history, target=0.8))
    assert all(len(ax.containers) == 2 for ax in fig.axes)
    assert any("not reached: 500 (lr 0.001)" in t.get_text() for t in fig.axes[0].texts)


def test_speed_when_nothing_reaches(history):
    fig = plots.draw_speed(analysis.summary(history, target=0.999))
    assert all(not ax.containers for ax in fig.axes)
    assert "no batch size" in fig.axes[0].texts[0].get_text()


def test_stability_two_lines(table, grid_history):
    ax = plots.draw_stability(table)
    assert len(ax.get_lines()) == 2
    ax = plots.draw_stability(analysis.summary(grid_history, target=0.8))
    assert len(ax.get_lines()) == 4


def test_draw_on_given_axes(history):
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.draw_overlay(analysis.curves(history), ax) is ax


@pytest.mark.parametrize(
    ("draw", "column"),
    [
        (lambda t: plots.draw_curves({"test": t}), "upper"),
        (lambda t: plots.draw_overlay(t), "upper"),
        (lambda t: plots.draw_heatmap(t), "epochs_to_target_mean"),
        (lambda t: plots.draw_speed(t), "updates_to_target_lo"),
        (lambda t: plots.draw_stability(t), "test_accuracy_late_std"),
    ],
)
def test_missing_columns_are_named(history, table, draw, column):
    source = analysis.curves(history) if column == "upper" else table
    with pytest.raises(BatchlabError, match=column):
        draw(source.drop(columns=column))


def test_plot_saves_png_and_svg(tables, tmp_path):
    png = plots.plot("curves", tables, tmp_path / "c.png", x="seconds")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = plots.plot("stability", tables, tmp_path / "s.svg")
    assert b"<svg" in svg.read_bytes()[:2000]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.png", "s.svg"]  # no temp files


def test_plot_errors(tables, history, tmp_path):
    with pytest.raises(BatchlabError, match="png or .svg"):
        plots.plot("curves", tables, tmp_path / "c.jpg")
    with pytest.raises(BatchlabError, match="unknown figure kind"):
        plots.plot("pie", tables, tmp_path / "c.png")
    with pytest.raises(BatchlabError, match="metric"):
        plots.figure("curves", tables, metric="f1")
    with pytest.raises(BatchlabError, match="no option 'bins'.*options are target, confidence"):
        plots.figure("heatmap", tables, bins=3)
    with pytest.raises(BatchlabError, match="learning_rate 0.5 is not in the study"):
        plots.figure("overlay", tables, learning_rate=0.5)
    with pytest.raises(BatchlabError, match=r"not one DataFrame.*batchlab.store.load"):
        plots.figure("curves", history)  # the tables, not a bare history
    assert not list(tmp_path.iterdir())


def test_target_line_on_accuracy_only(tables):
    lines = plots.figure("curves", tables, target=0.8).axes[0].get_lines()
    assert len(lines) == 3  # train, test, target
    assert len(plots.figure("curves", tables, metric="loss", target=0.8).axes[0].get_lines()) == 2


def test_overlay_metric_shorthand(tables):
    ax = plots.figure("overlay", tables, metric="loss").axes[0]
    assert ax.get_ylabel() == "test loss"


def test_names_with_dollars_are_not_mathtext(tables, tmp_path):
    fig = plots.figure("overlay", tables, title="study $a$b_c <img src=x>")
    plots.save(fig, tmp_path / "o.png")
