"""The synthetic tables follow docs/schema.md and reach the target where they say."""

import numpy as np
from helpers.synthetic import HISTORY_COLUMNS, TRIALS_COLUMNS, SyntheticStudy

from batchlab.analysis import trial_summary


def test_schema_columns_and_types():
    st = SyntheticStudy(batch_sizes=(4, 500), seeds=(0, 1), epochs=5)
    h, t = st.history(), st.trials()
    assert tuple(h.columns) == HISTORY_COLUMNS and tuple(t.columns) == TRIALS_COLUMNS
    assert len(h) == 2 * 2 * 5 and len(t) == 4
    for col in ("trial", "seed", "batch_size", "epoch", "updates", "examples_seen"):
        assert h[col].dtype == np.int64
    assert h["diverged"].dtype == bool
    # updates = epoch * ceil(n_train / batch_size); examples = epoch * n_train
    last = h[(h["batch_size"] == 4) & (h["epoch"] == 5)].iloc[0]
    assert last["updates"] == 5 * 125 and last["examples_seen"] == 5 * 500
    # a cohort (one batch size) shares its wall clock
    assert h.groupby(["cohort", "epoch"])["wall_seconds"].nunique().max() == 1
    assert "study" not in SyntheticStudy(study=None, epochs=2).history()


def test_reach_epochs_hold_with_noise_and_divergence():
    st = SyntheticStudy(
        batch_sizes=(4, 32, 500),
        epochs=30,
        reach={4: 2, 32: 9, 500: None},
        noise=0.05,
        diverge={(32, 0.01, 1): 5},
    )
    per = trial_summary(st.history(), target=st.target)
    for _, row in per.iterrows():
        expected = st.reach_epoch(row["batch_size"], row["learning_rate"], row["seed"])
        if expected is None:
            assert not row["reached"]
        else:
            assert row["epochs_to_target"] == expected
    h = st.history()
    gone = h[(h["batch_size"] == 32) & (h["seed"] == 1)]
    assert gone.loc[gone["epoch"] >= 5, "diverged"].all()
    assert gone.loc[gone["epoch"] >= 5, "test_accuracy"].isna().all()
    assert not gone.loc[gone["epoch"] < 5, "diverged"].any()
