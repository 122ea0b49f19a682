"""``[schedules.NAME]`` tables and the sweep's ``schedule`` axis: parsed, round-tripped, and
every mistake named (field, value, what is valid)."""

import pytest

from batchlab.errors import SpecError
from batchlab.run.plan import plan
from batchlab.study import Study, parse_toml
from batchlab.study._schedule import BatchSchedule, RateSchedule

BASE = {
    "name": "s",
    "dataset": "blobs",
    "epochs": 30,
    "sweep": {"batch_size": [16, 32], "learning_rate": [0.1], "seeds": 2},
}


def study(schedules, axis):
    return Study.from_dict(
        {**BASE, "schedules": schedules, "sweep": {**BASE["sweep"], "schedule": axis}}
    )


SMITH = {
    "decay-rate": {"learning_rate": {"kind": "step", "epochs": [10, 20], "factor": 0.2}},
    "increase-batch": {"batch_size": {"kind": "step", "epochs": [10, 20], "factor": 5}},
    "cos": {"learning_rate": {"kind": "cosine", "floor": 0.01}},
    "lin": {"learning_rate": "linear"},
    "sizes": {"batch_size": {"kind": "step", "epochs": [10], "sizes": [100]}},
}


def test_schedules_plan_into_one_cohort_per_batch_size_and_schedule():
    s = study(SMITH, list(SMITH))
    assert s.n_trials == 2 * 1 * 5 * 2
    assert "5 schedules" in s.grid_shape
    cohorts = plan(s, n_train=500)
    assert [c.cohort for c in cohorts][:3] == [
        "bs16-sgd-decay-rate",
        "bs16-sgd-increase-batch",
        "bs16-sgd-cos",
    ]
    assert all(
        len(c.trials) == 2 and {t.schedule for t in c.trials} == {c.schedule} for c in cohorts
    )
    assert s.schedule("increase-batch").batch_size.size_at(25, 16, 500) == 400
    assert s.schedule("increase-batch").batch_size.size_at(25, 32, 500) == 500  # at most n
    assert s.schedule("sizes").batch_size.size_at(10, 16, 500) == 100
    assert s.schedule("lin").learning_rate == RateSchedule("linear")
    again = parse_toml(s.to_toml())
    assert again == s and again.spec_hash == s.spec_hash


def test_a_study_without_schedules_keeps_its_spec_and_hash():
    plain = Study.from_dict(BASE)
    assert "schedules" not in plain.to_dict() and "schedule" not in plain.to_dict()["sweep"]
    assert plain.schedule("") == plain.schedule("")  # the constant schedule
    assert not plain.schedule("").batch_size.changes


@pytest.mark.parametrize(
    ("schedules", "axis", "message"),
    [
        (
            {"a": {"learning_rate": {"kind": "stepp"}}},
            ["a"],
            "schedules.a.learning_rate.kind = 'stepp': expected one of 'constant', 'step', "
            "'cosine', 'linear'; did you mean 'step'?",
        ),
        (
            {"a": {"learning_rate": {"kind": "step", "epochs": [10]}}},
            ["a"],
            "a 'step' schedule needs 'factor'",
        ),
        (
            {"a": {"learning_rate": {"kind": "step", "epochs": [20, 10], "factor": 0.1}}},
            ["a"],
            "schedules.a.learning_rate.epochs = [20, 10]: epochs must be increasing",
        ),
        (
            {"a": {"learning_rate": {"kind": "step", "epochs": [10], "factor": -1}}},
            ["a"],
            "schedules.a.learning_rate.factor = -1.0: must be > 0",
        ),
        (
            {"a": {"learning_rate": {"kind": "cosine", "floor": 2}}},
            ["a"],
            "schedules.a.learning_rate.floor = 2.0: a fraction of the peak rate, in [0, 1]",
        ),
        (
            {"a": {"batch_size": {"kind": "step", "epochs": [10], "factor": 0.5}}},
            ["a"],
            "schedules.a.batch_size.factor = 0.5: must be >= 1",
        ),
        (
            {"a": {"batch_size": {"kind": "step", "epochs": [10, 20], "sizes": [64]}}},
            ["a"],
            "schedules.a.batch_size.sizes = [64]: one size per epoch in 'epochs' (2)",
        ),
        (
            {"a": {"batch_size": {"kind": "step", "epochs": [10], "factor": 2, "sizes": [4]}}},
            ["a"],
            "give either 'factor'",
        ),
        ({"a": {"rate": {"kind": "step"}}}, ["a"], "unknown key 'rate' in [schedules.a]"),
        (
            {"a": {"learning_rate": {"kind": "cosine", "epochs": [3]}}},
            ["a"],
            "unknown key 'epochs' in [schedules.a.learning_rate]",
        ),
        (
            {"decay": {}},
            ["decy"],
            "sweep.schedule[0] = 'decy': not a schedule of this study; define it in a "
            "[schedules.decy] table; did you mean 'decay'? (schedules: decay)",
        ),
        ({"a b": {}}, ["a b"], "schedules = 'a b': a schedule's name uses letters"),
    ],
)
def test_mistakes_name_the_field_the_value_and_what_is_valid(schedules, axis, message):
    with pytest.raises(SpecError) as err:
        study(schedules, axis)
    assert message in str(err.value)


def test_adaptive_batch_schedule_parses_with_defaults():
    b = BatchSchedule.parse({"kind": "adaptive", "min": 16, "max": 256}, "x")
    assert (b.min, b.max, b.every, b.changes) == (16, 256, 1, True)
    with pytest.raises(SpecError, match=r"x.max = 8: .*>= 16"):
        BatchSchedule.parse({"kind": "adaptive", "min": 16, "max": 8}, "x")
