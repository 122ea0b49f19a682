"""A study that cannot start stores nothing; fixing it and running again just works.

Everything that can fail (the dataset, the model's build and output width, the loss, the
gradient statistics' names, the batch sizes) is checked before the study is registered. A
study registered with nothing trained (by an older batchlab, or a run killed before its first
chunk) is replaced by a changed spec: nothing would be lost.
"""

from __future__ import annotations

import pytest

from batchlab.errors import DataError, ModelError, SpecError
from batchlab.run import plan, run_study, trials_frame
from batchlab.store import Store
from batchlab.study import Study

MODULE = """\
import keras


def five():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(5, activation="softmax")])
"""


def study(**changes) -> Study:
    base = Study(
        name="start",
        dataset="blobs",
        epochs=1,
        model={"kind": "mlp", "hidden": [4]},
        sweep={"batch_size": [64], "learning_rate": [0.1]},
    )
    return base.replace(**changes) if changes else base


@pytest.mark.parametrize(
    ("changes", "error", "needles"),
    [
        ({"model": {"kind": "mlp", "activation": "relu2"}}, ModelError, ["relu2"]),
        ({"model": {"kind": "import", "path": "absent_module:build"}}, ModelError, ["absent"]),
        ({"model": {"kind": "import", "path": "models.py:five"}}, ModelError, ["5", "3"]),
        ({"model": {"kind": "import", "path": "models.py:six"}}, ModelError, ["'six'"]),
        ({"loss": "binary_crossentropy"}, SpecError, ["binary_crossentropy"]),
        ({"batch_size": [64, 1000]}, SpecError, ["sweep.batch_size[1] = 1000"]),
        ({"dataset": "absent.csv"}, DataError, ["absent.csv"]),
        (
            {"diagnostics": {"enabled": True, "quantities": ["grad_nrom"]}},
            SpecError,
            ["grad_nrom"],
        ),
    ],
    ids=["activation", "import", "width", "attribute", "loss", "batch", "dataset", "quantity"],
)
def test_a_study_that_cannot_start_stores_nothing(changes, error, needles, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(MODULE)
    path = tmp_path / "s.db"
    with pytest.raises(error) as caught:
        run_study(study(**changes), store=path)
    for needle in needles:
        assert needle in str(caught.value)
    with Store(path) as st:
        assert st.study_names() == []
    report = run_study(study(), store=path)  # the typo fixed: it runs, as a new study
    assert report.epochs_trained == 1


def test_a_registered_study_with_nothing_trained_is_replaced_by_a_changed_spec(tmp_path):
    path = tmp_path / "s.db"
    typo = study(epochs=3)  # registered, never trained (a run killed before its first chunk)
    with Store(path) as st:
        plans = plan(typo, 500)
        st.create_study(typo.to_dict(), typo.spec_hash, trials_frame(plans, typo.name))
    report = run_study(study(batch_size=[32]), store=path)
    assert report.cohorts_run == ("bs32-sgd",) and report.epochs_trained == 1
    with Store(path) as st:
        assert st.get_study("start")["spec"]["sweep"]["batch_size"] == [32]
        assert st.trials("start").batch_size.tolist() == [32]
    # once an epoch is stored, a change is refused (item: the refusal names the rule)
    with pytest.raises(SpecError, match="--new"):
        run_study(study(batch_size=[16]), store=path)


def test_the_description_and_analysis_settings_change_without_retraining(tmp_path):
    path = tmp_path / "s.db"
    run_study(study(), store=path)
    with Store(path) as st:
        before = st.history("start")
    changed = study(description="now with a target", target_accuracy=0.5)
    report = run_study(changed, store=path)
    assert report.epochs_trained == 0
    with Store(path) as st:
        assert st.get_study("start")["spec_hash"] == changed.spec_hash
        assert st.history("start").equals(before)
