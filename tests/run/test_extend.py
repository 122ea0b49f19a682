"""Growing a stored study instead of replacing it: more epochs, more seeds, another name.

More epochs continue each cohort from its checkpoint, and end with exactly the rows of a
study run with the larger epochs from the start; more seeds add trials (and cohorts) after
the stored ones, which are kept. Fewer epochs or seeds, or any other change, are refused
with the rule and the difference.
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers.cli import cli, ok
from helpers.rows import COMPARED, rows

from batchlab.errors import SpecError
from batchlab.run import run_study
from batchlab.store import Store
from batchlab.study import Study

BY_VALUE = ["seed", "batch_size", "learning_rate", "momentum", "epoch"]
MEASURED = [c for c in COMPARED if c not in ("trial", "cohort")]


def grow(epochs: int = 2, seeds: int = 1, name: str = "grow") -> Study:
    return Study(
        name=name,
        dataset="blobs",
        epochs=epochs,
        model={"kind": "mlp", "hidden": [8]},
        sweep={"batch_size": [32, "full"], "learning_rate": [0.05], "seeds": seeds},
    )


def by_value(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(BY_VALUE).reset_index(drop=True)[MEASURED]


def test_more_epochs_continue_each_cohort_to_the_rows_of_a_longer_run(tmp_path):
    path, fresh = tmp_path / "s.db", tmp_path / "fresh.db"
    run_study(grow(epochs=2, seeds=2), store=path)
    report = run_study(grow(epochs=2, seeds=2), store=path, overrides={"epochs": 4})
    assert report.epochs_trained == 2 * 2 and set(report.cohorts_run) == {"bs32-sgd", "bs500-sgd"}
    run_study(grow(epochs=4, seeds=2), store=fresh)
    pd.testing.assert_frame_equal(
        rows(path, "grow")[COMPARED], rows(fresh, "grow")[COMPARED], check_exact=True
    )
    with Store(path) as st:
        assert st.trials("grow").epochs.tolist() == [4] * 4
        assert st.studies().status.tolist() == ["done"]
        assert st.get_study("grow")["spec_hash"] == grow(epochs=4, seeds=2).spec_hash


def test_more_seeds_add_trials_and_keep_the_stored_ones(tmp_path):
    path, fresh = tmp_path / "s.db", tmp_path / "fresh.db"
    run_study(grow(seeds=1), store=path)
    before = rows(path, "grow")
    report = run_study(grow(seeds=3), store=path)
    assert report.cohorts_run == ("bs32-sgd-x1", "bs500-sgd-x1")
    with Store(path) as st:
        trials = st.trials("grow")
    assert trials.trial.tolist() == list(range(6))
    assert trials.seed.tolist() == [0, 0, 1, 2, 1, 2]  # the stored ones, then the added ones
    after = rows(path, "grow")
    pd.testing.assert_frame_equal(after[after.trial < 2].reset_index(drop=True), before)
    run_study(grow(seeds=3), store=fresh)
    pd.testing.assert_frame_equal(by_value(after), by_value(rows(fresh, "grow")))
    # and once more, with more epochs too: every cohort continues, new ones start
    run_study(grow(seeds=4, epochs=3), store=path)
    with Store(path) as st:
        assert sorted(st.cohort_epochs_done("grow").items()) == [
            ("bs32-sgd", 3),
            ("bs32-sgd-x1", 3),
            ("bs32-sgd-x2", 3),
            ("bs500-sgd", 3),
            ("bs500-sgd-x1", 3),
            ("bs500-sgd-x2", 3),
        ]
    assert len(rows(path, "grow")) == 2 * 4 * 3


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """The study run once (the refusals change nothing, so they share it)."""
    path = tmp_path_factory.mktemp("grown") / "s.db"
    run_study(grow(), store=path)
    return path


@pytest.mark.parametrize(
    ("changes", "needles"),
    [
        ({"epochs": 1}, ["fewer epochs (1) than it has (2)", "-epochs = 2", "+epochs = 1"]),
        ({"seeds": [1]}, ["without its seeds [0]"]),
        ({"learning_rate": [0.1]}, ["a different spec", "+learning_rate = [0.1]"]),
    ],
    ids=["fewer-epochs", "fewer-seeds", "other"],
)
def test_other_changes_are_refused_with_the_rule(changes, needles, grown):
    before = rows(grown, "grow")
    with pytest.raises(SpecError) as caught:
        run_study(grow(), store=grown, overrides=changes)
    message = str(caught.value)
    for needle in [*needles, "more --epochs", "more --seeds", "--new", "--name NEW"]:
        assert needle in message, message
    pd.testing.assert_frame_equal(rows(grown, "grow"), before)  # nothing was changed


def test_cli_grows_a_study_and_runs_a_variant_under_another_name(tmp_path):
    spec, path = tmp_path / "grow.toml", tmp_path / "s.db"
    spec.write_text(grow().to_toml())
    base = ("run", spec, "--store", path, "--no-report", "-q")
    ok(cli(*base))
    ok(cli(*base, "--epochs", "3", "--seeds", "2"))
    ok(cli(*base, "--epochs", "1", "--name", "grow-short"))
    with Store(path) as st:
        assert st.study_names() == ["grow", "grow-short"]
        assert st.trials("grow").epochs.tolist() == [3] * 4
        assert len(st.history("grow")) == 4 * 3 and len(st.history("grow-short")) == 2
    assert "--name" in cli("run", "--help").out
