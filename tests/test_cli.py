"""The ``batchlab`` command line, in-process through ``batchlab.cli.main`` with tiny budgets.

Three parts:

* **bad input** -> exit code 2, one message on stderr naming the field (or file, column,
  line) and the value, and no traceback (issue 4's list, one case each);
* **every builtin study runs** at 1 epoch and 1 seed (2 epochs for seed004-gradients, whose
  diagnostics are measured at epoch 0 and 2). That every builtin's spec round-trips through
  ``to_toml`` is tested in ``tests/test_spec.py::test_builtins_load_and_round_trip``;
* **smoke tests of every command** (run, demo, studies, ls, show, export, plot, report,
  scratch logic) -> exit code 0. ONE small study is run into a module-scoped store and shared
  by ls, show, export, plot and report.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest
from helpers.cli import Result, bad_input, cli, ok

from batchlab.data._keras import KERAS_DATASETS
from batchlab.store import SCHEMA_VERSION, Store, load
from batchlab.study import builtin_studies, load_study


def has_row_for(table: str, batch_size: int) -> bool:
    """Whether a printed summary table has a cell holding exactly ``batch_size``."""
    return re.search(rf"(^|[\s│┃]){batch_size}([\s│┃]|$)", table, re.M) is not None


# ---- the shared store ------------------------------------------------------------------

GRID = """\
name = "cli-grid"
description = "Seed 003's blobs MLP at three batch sizes and two rates, for the CLI tests"
dataset = "blobs"
epochs = 3

[model]
kind = "mlp"
hidden = [50]
activation = "relu"
init = "he_uniform"
output = "softmax"

[optimizer]
name = "sgd"

[sweep]
batch_size = [16, 64, "full"]
learning_rate = [0.01, 0.1]
momentum = [0.9]
seeds = 2
"""
GRID_TRIALS, GRID_EPOCHS = 3 * 2 * 2, 3


class Grid(NamedTuple):
    store: Path
    run: Result  # what `batchlab run` printed
    folder: Path


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Grid:
    """cli-grid run once into a store: 12 trials in 3 cohorts, 3 epochs."""
    folder = tmp_path_factory.mktemp("cli")
    spec = folder / "cli-grid.toml"
    spec.write_text(GRID, encoding="utf-8")
    store = folder / "grid.db"
    result = cli("run", spec, "--store", store, "--no-report", "--commit-every", 0)
    return Grid(store, result, folder)


# ---- bad input: spec files ------------------------------------------------------------

BASE = """\
name = "bad"
dataset = "blobs"
epochs = 2

[model]
kind = "mlp"
hidden = [8]

[optimizer]
name = "sgd"

[sweep]
batch_size = [16, "full"]
learning_rate = [0.01]
seeds = 2
"""

# (id, line of BASE, its replacement, what the message must contain)
BAD_SPECS = [
    ("unknown-key", "epochs = 2", "epoch = 2", ["'epoch'", "did you mean 'epochs'"]),
    (
        "unknown-key-in-section",
        "seeds = 2",
        "seed = 2",
        ["'seed'", "[sweep]", "did you mean 'seeds'"],
    ),
    (
        "unknown-choice",
        'name = "sgd"',
        'name = "sdg"',
        ["optimizer.name = 'sdg'", "did you mean 'sgd'"],
    ),
    ("type-epochs-string", "epochs = 2", 'epochs = "two"', ["epochs = 'two'", "integer"]),
    ("type-epochs-float", "epochs = 2", "epochs = 2.5", ["epochs = 2.5", "integer"]),
    (
        "type-learning-rate",
        "learning_rate = [0.01]",
        'learning_rate = ["fast"]',
        ["sweep.learning_rate[0] = 'fast'", "number"],
    ),
    (
        "type-batch-size",
        'batch_size = [16, "full"]',
        "batch_size = [16, true]",
        ["sweep.batch_size[1] = True"],
    ),
    ("type-seeds", "seeds = 2", 'seeds = "2"', ["sweep.seeds[0] = '2'", "integer"]),
    ("type-list", "hidden = [8]", "hidden = 8", ["model.hidden = 8", "expected a list"]),
    (
        "batch-size-zero",
        'batch_size = [16, "full"]',
        "batch_size = [16, 0]",
        ["sweep.batch_size[1] = 0", ">= 1"],
    ),
    (
        "batch-size-negative",
        'batch_size = [16, "full"]',
        "batch_size = [-4, 16]",
        ["sweep.batch_size[0] = -4", ">= 1"],
    ),
    (
        "batch-size-above-training-set",
        'batch_size = [16, "full"]',
        "batch_size = [16, 501]",
        ["sweep.batch_size[1] = 501", "larger than the training set (500"],
    ),
    (
        "batch-size-unknown-flavor",
        'batch_size = [16, "full"]',
        'batch_size = [16, "ful"]',
        ["sweep.batch_size[1] = 'ful'", "did you mean 'full'"],
    ),
    (
        "learning-rate-zero",
        "learning_rate = [0.01]",
        "learning_rate = [0.01, 0]",
        ["sweep.learning_rate[1] = 0.0", "> 0"],
    ),
    (
        "learning-rate-negative",
        "learning_rate = [0.01]",
        "learning_rate = [-0.1]",
        ["sweep.learning_rate[0] = -0.1", "> 0"],
    ),
    (
        "learning-rate-nan",
        "learning_rate = [0.01]",
        "learning_rate = [nan]",
        ["sweep.learning_rate[0] = nan", "finite"],
    ),
    (
        "learning-rate-inf",
        "learning_rate = [0.01]",
        "learning_rate = [inf]",
        ["sweep.learning_rate[0] = inf", "finite"],
    ),
    (
        "momentum-minus-inf",
        "seeds = 2",
        "seeds = 2\nmomentum = [0.9, -inf]",
        ["sweep.momentum[1] = -inf", "finite"],
    ),
    ("epochs-zero", "epochs = 2", "epochs = 0", ["epochs = 0", ">= 1"]),
    ("epochs-negative", "epochs = 2", "epochs = -3", ["epochs = -3", ">= 1"]),
    ("seeds-zero", "seeds = 2", "seeds = 0", ["sweep.seeds = 0", ">= 1"]),
    ("seeds-negative", "seeds = 2", "seeds = [0, -1]", ["sweep.seeds[1] = -1", ">= 0"]),
    (
        "seeds-duplicate",
        "seeds = 2",
        "seeds = [3, 3]",
        ["sweep.seeds[1] = 3", "duplicate of sweep.seeds[0]"],
    ),
    (
        "empty-batch-sizes",
        'batch_size = [16, "full"]',
        "batch_size = []",
        ["sweep.batch_size is empty"],
    ),
    (
        "empty-learning-rates",
        "learning_rate = [0.01]",
        "learning_rate = []",
        ["sweep.learning_rate is empty"],
    ),
    (
        "unknown-dataset",
        'dataset = "blobs"',
        'dataset = "blobz"',
        ["dataset = 'blobz'", "did you mean 'blobs'"],
    ),
    (
        "missing-data-file",
        'dataset = "blobs"',
        'dataset = "nowhere.csv"',
        ["nowhere.csv", "no such file"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [case[1:] for case in BAD_SPECS],
    ids=[case[0] for case in BAD_SPECS],
)
def test_bad_spec_exits_2_naming_field_and_value(old, new, needles, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative dataset path is looked up here
    assert old in BASE
    spec = tmp_path / "bad.toml"
    spec.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    result = cli("run", spec, "--store", tmp_path / "s.db", "--no-report", "-q")
    bad_input(result, *needles)


def test_toml_syntax_error_names_file_line_and_column(tmp_path):
    spec = tmp_path / "broken.toml"
    spec.write_text(BASE.replace("epochs = 2", "epochs = = 2"), encoding="utf-8")
    result = cli("run", spec, "--store", tmp_path / "s.db", "--no-report")
    bad_input(result, "broken.toml", "TOML syntax error", "line 3, column 10")


def test_csv_with_a_nan_cell_names_file_column_and_line(tmp_path):
    rows = ["x1,x2,label"] + [f"{i / 10},{1 - i / 10},{i % 2}" for i in range(8)]
    rows[3] = "0.2,nan,0"  # line 4 of the file
    (tmp_path / "points.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    spec = tmp_path / "csv.toml"
    spec.write_text(
        BASE.replace('dataset = "blobs"', 'dataset = "points.csv"').replace('"full"', "2"),
        encoding="utf-8",
    )
    result = cli("run", spec, "--store", tmp_path / "s.db", "--no-report", "-q")
    bad_input(result, "points.csv", "line 4", "column 'x2'", "'nan'", "finite")


# ---- bad input: options, names, stores ----------------------------------------------


@pytest.fixture
def base_spec(tmp_path) -> Path:
    spec = tmp_path / "base.toml"
    spec.write_text(BASE, encoding="utf-8")
    return spec


@pytest.mark.parametrize(
    ("option", "needles"),
    [
        (["--epochs", "0"], ["epochs = 0", ">= 1"]),
        (["--epochs", "-1"], ["epochs = -1", ">= 1"]),
        (["--seeds", "0"], ["--seeds = 0", ">= 1"]),
        (["--seeds", "-2"], ["--seeds = -2", ">= 1"]),
        # typer's own type check names the option but not the value it could not parse
        (["--epochs", "abc"], ["--epochs", "valid integer"]),
        (["--max-trials", "3"], ["4 trials", "max_trials = 3"]),
        # counted by arithmetic: 10**9 seeds are refused at once, nothing is built
        (["--seeds", "1000000000"], ["2000000000 trials", "x 1000000000 seeds"]),
        (["--commit-every", "-1"], ["--commit-every", "-1"]),
        (["--commit-every", "nan"], ["--commit-every", "nan"]),
    ],
    ids=lambda v: "=".join(v) if v[0].startswith("--") else "",
)
def test_bad_run_option_exits_2(option, needles, base_spec, tmp_path):
    result = cli("run", base_spec, *option, "--store", tmp_path / "s.db", "--no-report", "-q")
    bad_input(result, *needles)


def test_grid_above_the_default_max_trials_exits_2(tmp_path):
    batch_sizes = ", ".join(str(b) for b in range(1, 102))  # 101 x 100 = 10,100 trials
    rates = ", ".join(f"{0.001 * k:.3f}" for k in range(1, 101))
    spec = tmp_path / "huge.toml"
    spec.write_text(
        BASE.replace('batch_size = [16, "full"]', f"batch_size = [{batch_sizes}]")
        .replace("learning_rate = [0.01]", f"learning_rate = [{rates}]")
        .replace("seeds = 2", "seeds = 1"),
        encoding="utf-8",
    )
    result = cli("run", spec, "--store", tmp_path / "s.db", "--no-report", "-q")
    bad_input(result, "10100 trials", "max_trials = 10000")


def test_unknown_study_name_suggests_the_closest(tmp_path):
    result = cli("run", "seed003-grdi", "--store", tmp_path / "s.db", "--no-report")
    bad_input(result, "'seed003-grdi'", "did you mean 'seed003-grid'")


def test_missing_study_file(tmp_path):
    result = cli("run", tmp_path / "absent.toml", "--store", tmp_path / "s.db")
    bad_input(result, "absent.toml", "does not exist")


def test_store_from_a_newer_schema_version_is_refused(tmp_path):
    path = tmp_path / "future.db"
    Store(path).close()
    with contextlib.closing(sqlite3.connect(path)) as con, con:
        con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    for command in (["ls"], ["show", "cli-grid"]):
        result = cli(*command, "--store", path)
        bad_input(result, "future.db", f"schema version {SCHEMA_VERSION + 1}", "newer batchlab")


def test_missing_store(tmp_path):
    bad_input(cli("ls", "--store", tmp_path / "none.db"), "no store at", "none.db")


@pytest.mark.parametrize(
    "command",
    [
        ["show", "cli-gird"],
        ["report", "cli-gird", "-o", "{folder}/r.html"],
        ["export", "cli-gird", "-o", "{folder}/h.csv"],
        ["plot", "cli-gird", "--kind", "curves", "-o", "{folder}/c.png"],
    ],
    ids=lambda c: c[0],
)
def test_study_not_in_the_store(command, grid):
    args = [a.format(folder=grid.folder) for a in command]
    result = cli(*args, "--store", grid.store)
    bad_input(result, "no study 'cli-gird'", "cli-grid")


def test_export_to_an_unknown_format(grid):
    out = grid.folder / "history.xlsx"
    result = cli("export", "cli-grid", "--format", "xlsx", "-o", out, "--store", grid.store)
    bad_input(result, "format", "'xlsx'", "csv, parquet, json")
    assert not out.exists()


def test_plot_with_an_unknown_kind(grid):
    out = grid.folder / "pie.png"
    result = cli("plot", "cli-grid", "--kind", "pie", "-o", out, "--store", grid.store)
    bad_input(result, "--kind", "'pie'", "curves")
    assert not out.exists()


def test_plot_to_an_unknown_file_type(grid):
    out = grid.folder / "curves.gif"
    result = cli("plot", "cli-grid", "--kind", "curves", "-o", out, "--store", grid.store)
    bad_input(result, "curves.gif", ".png")
    assert not out.exists()


# ---- every builtin study runs ----------------------------------------------------------
# The round trip of every builtin's spec (load_study -> to_toml -> parse -> equal) is
# tests/test_spec.py::test_builtins_load_and_round_trip. `batchlab demo` runs the builtin
# seed003-grid (test_demo_writes_store_and_report), so it is not run a second time here.

DEMO_STUDY = "seed003-grid"
IMAGE_STUDIES = {n for n in builtin_studies() if load_study(n).dataset in KERAS_DATASETS}
"""Run on generated Keras-format files, shrunk by their subset too, in test_image_studies.py."""
BUILTINS_RUN_HERE = sorted(set(builtin_studies()) - {DEMO_STUDY} - IMAGE_STUDIES)


def check_builtin_run(name: str, store: Path, epochs: int, result: Result) -> None:
    """The run printed its summary and stored every trial-epoch (and the diagnostics)."""
    ok(result)
    assert name in result.out and "target" in result.out
    study = load_study(name).replace(epochs=epochs, seeds=1)
    tables = load(name, store=store)
    assert len(tables.trials) == study.n_trials
    assert len(tables.history) == study.n_trials * epochs
    assert not tables.history.duplicated(["trial", "epoch"]).any()
    assert tables.history.groupby("trial").epoch.max().eq(epochs).all()
    for batch in tables.trials.batch_size.unique():
        assert has_row_for(result.out, int(batch)), result.out
    if study.diagnostics.enabled:
        assert set(tables.diagnostics.epoch) >= {0, epochs}


def test_every_builtin_is_run():
    assert {*BUILTINS_RUN_HERE, DEMO_STUDY, *IMAGE_STUDIES} == set(builtin_studies())


@pytest.mark.parametrize("name", BUILTINS_RUN_HERE)
def test_builtin_study_runs(name, tmp_path):
    epochs = 2 if name == "seed004-gradients" else 1  # diagnostics at epochs 0 and 2
    store = tmp_path / "s.db"
    args = ["--epochs", epochs, "--seeds", 1, "--no-report", "--store", store]
    check_builtin_run(name, store, epochs, cli("run", name, *args))


# ---- smoke tests of every command ------------------------------------------------------


def test_run_prints_the_summary_table(grid):
    ok(grid.run)
    out = grid.run.out
    assert "cli-grid" in out and "target" in out
    for batch in (16, 64, 500):  # "full" is the whole training set of blobs
        assert has_row_for(out, batch), out
    assert "study cli-grid: 12 trials in 3 cohorts" in grid.run.err  # the progress bars
    tables = load("cli-grid", store=grid.store)
    assert len(tables.history) == GRID_TRIALS * GRID_EPOCHS


def test_run_again_resumes_and_trains_nothing(grid):
    before = load("cli-grid", store=grid.store).history
    ok(cli("run", grid.folder / "cli-grid.toml", "--store", grid.store, "--no-report", "-q"))
    after = load("cli-grid", store=grid.store).history
    pd.testing.assert_frame_equal(before, after)


def test_demo_writes_store_and_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the report goes to ./reports/, named after the store too
    store = tmp_path / "demo.db"
    result = cli("demo", "--epochs", 2, "--seeds", 1, "--store", store)
    check_builtin_run(DEMO_STUDY, store, 2, result)
    report = tmp_path / "reports" / f"demo-{DEMO_STUDY}.html"
    assert report.is_file() and DEMO_STUDY in report.read_text(encoding="utf-8")
    assert "report:" in result.out
    history = load(DEMO_STUDY, store=store).history
    assert sorted(history.batch_size.unique()) == [4, 8, 16, 32, 64, 128, 256, 450]


def test_studies_lists_every_builtin():
    result = ok(cli("studies"))
    for name in builtin_studies():
        assert name in result.out


def test_ls_lists_the_study(grid):
    result = ok(cli("ls", "--store", grid.store))
    assert "cli-grid" in result.out and "done" in result.out
    done = GRID_TRIALS * GRID_EPOCHS  # trial-epochs
    assert f"{done}/{done}" in result.out


def test_ls_of_an_empty_store(tmp_path):
    Store(tmp_path / "empty.db").close()
    assert "no studies" in ok(cli("ls", "--store", tmp_path / "empty.db")).out


def test_show_prints_the_summary_table(grid):
    result = ok(cli("show", "cli-grid", "--store", grid.store, "--target", 0.5))
    assert "cli-grid" in result.out and "target test accuracy 50.0%" in result.out
    for batch in (16, 64, 500):
        assert has_row_for(result.out, batch), result.out


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_export_one_row_per_trial_epoch(fmt, grid):
    path = grid.folder / f"history.{fmt}"
    result = ok(cli("export", "cli-grid", "--format", fmt, "-o", path, "--store", grid.store))
    assert str(path) in " ".join(result.out.split()) or path.name in result.out
    if fmt == "csv":
        frame = pd.read_csv(path)
    elif fmt == "parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    assert len(frame) == GRID_TRIALS * GRID_EPOCHS
    assert not frame.duplicated(["trial", "epoch"]).any()
    assert set(frame.trial) == set(range(GRID_TRIALS))
    assert set(frame.epoch) == set(range(1, GRID_EPOCHS + 1))
    assert {"batch_size", "learning_rate", "test_accuracy", "optimizer"} <= set(frame.columns)


@pytest.mark.parametrize("suffix", ["png", "svg"])
@pytest.mark.parametrize("kind", ["curves", "overlay", "heatmap", "speed", "stability"])
def test_plot_each_kind(kind, suffix, grid):
    path = grid.folder / f"{kind}.{suffix}"
    ok(cli("plot", "cli-grid", "--kind", kind, "-o", path, "--store", grid.store))
    data = path.read_bytes()
    if suffix == "png":
        assert data.startswith(b"\x89PNG")
    else:
        assert b"<svg" in data[:2000]


def test_plot_curves_options(grid):
    path = grid.folder / "curves-updates-loss.png"
    args = ["--kind", "curves", "--x", "updates", "--metric", "loss", "-o", path]
    ok(cli("plot", "cli-grid", *args, "--store", grid.store))
    assert path.stat().st_size > 0


def test_report_is_written(grid):
    path = grid.folder / "report.html"
    result = ok(cli("report", "cli-grid", "-o", path, "--store", grid.store))
    assert "report:" in result.out
    html = path.read_text(encoding="utf-8")
    assert "cli-grid" in html and "<html" in html.lower()


def test_scratch_logic_prints_truth_tables_and_plots(tmp_path):
    path = tmp_path / "logic.png"
    result = ok(cli("scratch", "logic", "--epochs", 30, "--plot", path))
    for flavor in ("batch", "stochastic", "minibatch"):
        assert f"{flavor} gradient descent" in result.out.lower()
    for function in ("AND", "OR", "XOR", "NAND", "NOR"):
        assert function in result.out
    assert path.read_bytes().startswith(b"\x89PNG")


def test_help_and_no_arguments():
    assert "run" in ok(cli("--help")).out
    # no_args_is_help: click prints the help and exits with a usage code
    assert cli().rc in (0, 2)


@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["demo"], ["ls"], ["recommend"], ["studies"], ["studies", "show"], ["scratch"]],
    ids=lambda c: " ".join(c) or "batchlab",
)
def test_help_shows_no_type_for_flags(command):
    # typer prints each option's type; a flag (--quiet, --new, --json, --help) takes none
    text = ok(cli(*command, "--help")).out
    assert "--help" in text and "<bool>" not in text, text


def test_a_results_repr_counts_in_words():
    from batchlab._results import Results
    from batchlab.store import Tables

    history = pd.DataFrame({"trial": [0], "epoch": [1]})
    tables = Tables({"name": "one"}, pd.DataFrame({"trial": [0]}), history, pd.DataFrame())
    assert repr(Results(tables, lambda cohort: None)) == (
        "Results('one': 1 trial, 1 epoch, 1 history row)"
    )
