"""What the commands show of a study's results when the study is not a happy one (issue 12):
every trial diverged, some settings diverged in every seed, a run with ``--epochs``.

Each command runs in this process through ``batchlab.cli.main``, on tiny studies trained once
into a module-scoped store: exit code 0, no traceback, and the words a newcomer needs.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import NamedTuple

import pytest

from batchlab.cli import main


class Result(NamedTuple):
    rc: int
    out: str
    err: str


def cli(*args: object) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    return Result(rc, out.getvalue(), err.getvalue())


def ok(result: Result) -> Result:
    assert result.rc == 0, f"exit code {result.rc}\nstdout:\n{result.out}\nstderr:\n{result.err}"
    assert "Traceback" not in result.err + result.out, result.err
    return result


def words(text: str) -> str:
    return " ".join(text.split())


# an MSE loss on a linear output at a learning rate of 1e6 diverges in the first epoch
STUDY = """\
name = "{name}"
dataset = "blobs"
epochs = 2
loss = "mse"

[model]
kind = "mlp"
hidden = [8]
output = "linear"

[optimizer]
name = "sgd"

[sweep]
batch_size = [16, 64]
learning_rate = {rates}
seeds = 2
"""


class Store(NamedTuple):
    path: Path
    folder: Path


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    """Two studies: 'gone' (every trial diverges) and 'half' (lr 1e6 diverges everywhere,
    lr 0.01 trains)."""
    folder = tmp_path_factory.mktemp("results")
    path = folder / "store.db"
    for name, rates in (("gone", "[1000000.0]"), ("half", "[0.01, 1000000.0]")):
        spec = folder / f"{name}.toml"
        spec.write_text(STUDY.format(name=name, rates=rates), encoding="utf-8")
        ok(cli("run", spec, "--store", path, "-q", "--no-report"))
    return Store(path, folder)


def test_show_a_study_where_every_trial_diverged(store):
    out = words(ok(cli("show", "gone", "--store", store.path)).out)
    assert "target test accuracy none (every trial diverged)" in out
    assert "div at epoch" in out
    assert re.search(r"16 1e\+06 2 — — — 0% 2 1", out), out


def test_report_a_study_where_every_trial_diverged(store):
    path = store.folder / "gone.html"
    ok(cli("report", "gone", "--store", store.path, "-o", path))
    html = path.read_text(encoding="utf-8")
    assert "Every trial diverged" in html and "All 4 trials diverged" in html
    assert "No recommendation: every trial diverged" in html


def test_recommend_a_study_where_every_trial_diverged(store):
    out = ok(cli("recommend", "gone", "--store", store.path)).out
    assert out.count("No recommendation: every trial diverged.") == 4
    assert "batch size 16 at learning rate 1e+06 in 2 seeds at epoch 1" in out
    data = json.loads(ok(cli("recommend", "gone", "--store", store.path, "--json")).out)
    assert all(r["choice"] is None and r["target"] is None for r in data["recommendations"])


def test_plot_a_study_where_every_trial_diverged(store):
    for kind in ("heatmap", "curves", "overlay", "speed", "stability"):
        path = store.folder / f"gone-{kind}.png"
        ok(cli("plot", "gone", "--kind", kind, "--store", store.path, "-o", path))
        assert path.read_bytes().startswith(b"\x89PNG")
    # the scaling figure has nothing to draw, and says why (a clear message, exit 2)
    result = cli("plot", "gone", "--kind", "scaling", "--store", store.path, "-o", "x.png")
    assert result.rc == 2 and "every trial diverged" in result.err
    assert "Traceback" not in result.err


def test_a_setting_that_diverged_in_every_seed(store):
    out = words(ok(cli("show", "half", "--store", store.path)).out)
    assert "div at epoch" in out and "target test accuracy none" not in out
    path = store.folder / "half.html"
    ok(cli("report", "half", "--store", store.path, "-o", path))
    html = words(path.read_text(encoding="utf-8"))
    assert "Diverged in every seed, so nothing is known of its accuracy" in html
    ok(cli("recommend", "half", "--store", store.path))
    ok(
        cli(
            "plot",
            "half",
            "--kind",
            "heatmap",
            "--store",
            store.path,
            "-o",
            path.with_suffix(".png"),
        )
    )


def test_show_states_the_rules(store):
    out = words(ok(cli("show", "half", "--store", store.path)).out)
    assert "held it to the end (a touch does not count)" in out
    assert "mean ± 95% CI over seeds" in out
    assert "(a–b): the seeds' range, for 2 to 4 seeds (too few for a CI: run 5+)" in out
    assert re.search(r"16 0\.01 2 \S+ \(\S+–\S+\) \S+ \(\S+–\S+\)", out), out  # 2 seeds


def test_the_report_of_a_run_with_fewer_epochs_says_what_ran(tmp_path):
    path = tmp_path / "store.db"
    report = tmp_path / "grid.html"
    run = ("run", "seed003-grid", "--epochs", 2, "--seeds", 1, "--store", path, "-q")
    ok(cli(*run, "--report", report))
    text = words(re.sub(r"<[^>]+>", " ", report.read_text(encoding="utf-8")))
    assert "What ran: 8 trials (8 batch sizes × 1 learning rate × 1 seed), 2 epochs each." in text
    assert "The description speaks of 200 epochs; the trials ran 2" in text


@pytest.mark.parametrize(
    ("seeds", "reach", "says", "not_says"),
    [
        (1, 1, ["1 seed per setting", "1 seed: no interval (run 5+ seeds)"], ["95% CI", "(a–b)"]),
        (5, 5, ["mean ± 95% CI over seeds", "intervals cut at 0-100%"], ["(a–b)", "1 seed"]),
        # 5 seeds, 3 of which reach the target: that cell is a range, and the rule is said
        (5, 3, ["mean ± 95% CI over seeds", "(a–b): the seeds' range, for 2 to 4"], ["1 seed"]),
        (5, 1, ["mean ± 95% CI over seeds", "(1 seed): no interval"], ["(a–b)"]),
    ],
)
def test_show_says_the_interval_rules_its_cells_follow(seeds, reach, says, not_says):
    from helpers.synthetic import hand_history
    from rich.console import Console

    from batchlab.cli._tables import summary_table

    curves = {(8, 0.1, s): [0.5, 0.9 if s < reach else 0.6] for s in range(seeds)}
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(summary_table(hand_history(curves), 0.8, "t"))
    text = words(console.export_text())
    for phrase in says:
        assert phrase in text, text
    for phrase in not_says:
        assert phrase not in text, text
