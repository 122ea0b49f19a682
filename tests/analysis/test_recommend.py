"""Recommender: the batch size and learning rate for a goal, the rule, the regime, the reasons."""

import json
import math

import numpy as np
import pytest
from helpers.synthetic import SyntheticStudy
from markupsafe import Markup

from batchlab.analysis import GOALS, REGIMES, Recommender, check_goal
from batchlab.errors import BatchlabError, SpecError

# reach 0.8 at these epochs (n_train 512: 128, 32, 8, 2 updates per epoch)
REACH = {
    (4, 0.01): 2,  # fewest epochs: 2 (256 updates)
    (4, 0.1): 1,  # fastest of all, but it diverges at epoch 5: never eligible
    (16, 0.01): 5,
    (16, 0.1): 3,  # 96 updates, least seconds: 3 * 32 * 2e-3 = 0.192 s for the cohort of 6
    (64, 0.01): 10,  # best final accuracy (0.90)
    (64, 0.1): 6,  # 48 updates
    (256, 0.01): None,  # never reaches the target
    (256, 0.1): 18,  # fewest updates: 36
}


@pytest.fixture(scope="module")
def study() -> SyntheticStudy:
    return SyntheticStudy(
        batch_sizes=(4, 16, 64, 256),
        learning_rates=(0.01, 0.1),
        seeds=(0, 1, 2),
        epochs=30,
        n_train=512,
        reach=REACH,
        diverge={(4, 0.1): 5},
        final=lambda b, lr, s: 0.90 if (b, lr) == (64, 0.01) else 0.86,
        seed_spread=0.002,
        seconds_per_update=lambda b: 1e-3 * (1 + b / 16),  # per step; grows with the batch
        seconds_per_epoch=0.0,
    )


@pytest.fixture(scope="module")
def history(study):
    return study.history()


@pytest.fixture(scope="module")
def recs(history):
    return {g: Recommender(goal=g, target=0.8).fit(history) for g in GOALS}


@pytest.mark.parametrize(
    "goal, batch_size, rate",
    [
        ("fewest_epochs", 4, 0.01),
        ("fewest_updates", 256, 0.1),
        ("least_seconds", 16, 0.1),
        ("best_accuracy", 64, 0.01),
    ],
)
def test_each_goal_picks_the_known_best(recs, goal, batch_size, rate):
    rec = recs[goal]
    assert (rec.batch_size_, rec.learning_rate_) == (batch_size, rate)
    assert rec.momentum_ is None  # the study does not sweep momentum
    assert rec.rule_ == "tuned"  # two rates at every batch size
    assert rec.distinguishable_  # every seed reaches at the same epoch: point intervals
    assert rec.text().splitlines()[1].startswith(f"Use batch size {batch_size} with learning")


def test_expected_costs_and_reasons_carry_the_numbers(recs):
    rec = recs["fewest_updates"]
    e = rec.expected_
    assert e["epochs"]["mean"] == 18 and e["updates"]["mean"] == 36
    assert e["examples"]["mean"] == 18 * 512
    # the cohort of batch size 256 holds 2 rates x 3 seeds; it ran 18 epochs of 2 steps
    assert e["trials_in_cohort"] == 6
    assert e["cohort_seconds"]["mean"] == pytest.approx(18 * 2 * 17e-3)
    assert e["seconds"]["mean"] == pytest.approx(18 * 2 * 17e-3 / 6)
    text = rec.text()
    assert "36 updates" in text and "the runner-up, batch size 64 at learning rate 0.1" in text
    assert "48 updates" in text and "do not overlap" in text
    # eligibility: the diverged and the never-reaching settings are named, with counts
    assert "6 of 8 settings" in rec.reasons_[0]
    assert "batch size 4 at learning rate 0.1 diverged in 3 of 3 seeds" in rec.reasons_[0]
    assert "batch size 256 at learning rate 0.01 reached the target in 0 of 3 seeds" in text

    secs = recs["least_seconds"]
    assert secs.expected_["seconds"]["mean"] == pytest.approx(3 * 32 * 2e-3 / 6)
    assert "trained together as one vectorized program" in secs.text()
    assert "divided by 6" in secs.text()
    tp = secs.throughput_.set_index("batch_size")
    assert tp.loc[16, "updates_per_second"] == pytest.approx(1 / 2e-3)
    assert tp.loc[16, "examples_per_second"] == pytest.approx(512 * 6 / (32 * 2e-3))

    acc = recs["best_accuracy"]
    assert acc.expected_["final_test_accuracy"]["mean"] == pytest.approx(0.90, abs=0.005)
    assert "7 of 8 settings trained without diverging" in acc.reasons_[0]


def test_regime_from_the_scaling_fit(recs, history):
    rec = recs["fewest_updates"]
    assert rec.scaling_ is not None and rec.scaling_.n_points_ == 4
    assert rec.regime_ == "no further benefit"  # B = 256 >> B_crit ~ 30
    assert recs["fewest_epochs"].regime_ == "perfect scaling"  # B = 4
    assert all(r.regime_ in REGIMES for r in recs.values())
    assert f"B_crit of {rec.scaling_.b_crit_:.3g}" in rec.text()
    # two batch sizes: no fit, and the reason says so
    two = history[history["batch_size"].isin([16, 64])]
    few = Recommender(goal="fewest_updates", target=0.8).fit(two)
    assert few.regime_ is None and few.scaling_ is None
    assert "3 or more batch sizes" in few.regime_reason_ and "this study has 2" in few.text()


def test_rate_at_the_edge_of_the_range_is_flagged(recs):
    assert "it is the largest rate tried" in recs["fewest_updates"].text()
    assert recs["fewest_updates"].rule_detail_["rates_tried"] == [0.01, 0.1]


def _pairs(study, keep):
    """The grid, cut to one rate per batch size: ``keep(batch_size) -> rate``."""
    history = study.history()
    return history[np.isclose(history["learning_rate"], history["batch_size"].map(keep))]


@pytest.mark.parametrize("rule", ["linear", "sqrt"])
def test_rule_from_the_spec_or_inferred_from_the_rates(rule):
    def law(b):
        return 0.01 * (b / 32 if rule == "linear" else math.sqrt(b / 32))

    sizes = (16, 32, 64)
    study = SyntheticStudy(
        batch_sizes=sizes,
        learning_rates=tuple(law(b) for b in sizes),
        seeds=(0, 1),
        epochs=12,
        reach={16: 3, 32: 4, 64: 6},
    )
    history = _pairs(study, law)
    spec = {"lr_rule": {"rule": rule, "reference_batch_size": 32}}
    rec = Recommender(goal="fewest_epochs", target=0.8).fit(history, spec)
    assert rec.batch_size_ == 16 and rec.rule_ == rule
    assert rec.rule_detail_["base_learning_rate"] == pytest.approx(0.01)
    assert f"study's {rule} rule" in rec.text()
    inferred = Recommender(goal="fewest_epochs", target=0.8).fit(history)
    assert inferred.rule_ == rule and inferred.rule_detail_["source"] == "inferred from the rates"
    # a spec without a rule: each batch size had one rate, given as is
    fixed = Recommender(goal="fewest_epochs", target=0.8).fit(history, {"lr_rule": {}})
    assert fixed.rule_ == "fixed" and "not tuned" in fixed.text()


def test_one_rate_everywhere_is_fixed():
    history = SyntheticStudy(batch_sizes=(4, 32, 500), seeds=(0, 1)).history()
    rec = Recommender(goal="fewest_epochs", target=0.8).fit(history)
    assert rec.rule_ == "fixed" and "(the only rate tried)" in rec.headline()


def _near_tie():
    # fewest updates: B=128 leads on the mean (44, 44, 52 -> 46.7) but its interval holds B=64's
    # 48 (every seed), which is within 5% and needs half the examples
    return SyntheticStudy(
        batch_sizes=(64, 128),
        seeds=(0, 1, 2),
        epochs=20,
        n_train=512,
        reach=lambda b, lr, s: 6 if b == 64 else (11, 11, 13)[s],
    ).history()


def test_near_tie_goes_to_the_documented_second_criterion():
    rec = Recommender(goal="fewest_updates", target=0.8).fit(_near_tie())
    table = rec.alternatives_
    leader = table[table["rank"] == 1].iloc[0]
    assert leader["batch_size"] == 128 and leader["updates_to_target_mean"] == pytest.approx(
        140 / 3
    )
    assert rec.batch_size_ == 64 and rec.expected_["updates"]["mean"] == 48
    assert not rec.distinguishable_ and rec.indistinguishable_ == [(128, 0.01)]
    text = rec.text()
    assert "cannot be told apart" in text and "is chosen over the leader" in text
    assert "fewer training examples" in text and "3,072 examples" in text
    # without a tolerance the best mean wins, and the text still says it is not clear-cut
    strict = Recommender(goal="fewest_updates", target=0.8, tolerance=0.0).fit(_near_tie())
    assert strict.batch_size_ == 128 and "cannot be told apart" in strict.text()


def test_reproducible_twice_and_on_shuffled_rows(history):
    first = Recommender(goal="least_seconds", target=0.8).fit(history).to_dict()
    again = Recommender(goal="least_seconds", target=0.8).fit(history).to_dict()
    shuffled = history.sample(frac=1.0, random_state=7).reset_index(drop=True)
    mixed = Recommender(goal="least_seconds", target=0.8).fit(shuffled).to_dict()
    assert first == again == mixed
    text = json.dumps(first, allow_nan=False, sort_keys=True)  # JSON-able, NaN-free
    assert json.loads(text)["choice"] == {"batch_size": 16, "learning_rate": 0.1}
    assert first["reasons"] and first["text"].startswith("Least wall-clock time")
    assert first["regime"]["name"] == "diminishing returns"


def test_no_eligible_candidate_says_so(history):
    rec = Recommender(goal="fewest_epochs", target=0.99).fit(history)
    assert rec.batch_size_ is None and rec.regime_ is None
    assert rec.headline().startswith("No recommendation")
    assert "0 of 8 settings reached the target test accuracy of 99.0%" in rec.text()
    assert "No setting qualifies" in rec.text() and "Lower the target" in rec.text()
    data = rec.to_dict()
    assert data["choice"] is None and data["expected"] == {}
    json.dumps(data, allow_nan=False)


def test_min_reached_lets_partly_reaching_settings_in():
    # B=500 reaches the target in 2 of 3 seeds, first at epoch 2 (the fastest)
    history = SyntheticStudy(
        batch_sizes=(8, 500),
        seeds=(0, 1, 2),
        reach=lambda b, lr, s: 5 if b == 8 else (2 if s < 2 else None),
    ).history()
    strict = Recommender(goal="fewest_epochs", target=0.8).fit(history)
    assert strict.batch_size_ == 8 and "reached the target in 2 of 3 seeds" in strict.text()
    loose = Recommender(goal="fewest_epochs", target=0.8, min_reached=0.5).fit(history)
    assert loose.batch_size_ == 500


def test_goal_names_and_bad_settings(history):
    assert check_goal("fewest-updates") == check_goal("updates") == "fewest_updates"
    assert check_goal("SECONDS") == "least_seconds"
    with pytest.raises(SpecError, match=r"--goal: 'fastest' is not a goal; use one of .*fewest-"):
        check_goal("fastest", "--goal")
    with pytest.raises(SpecError, match="goal: 'best-acuracy'.*did you mean 'best-accuracy'"):
        Recommender(goal="best-acuracy").fit(history)
    with pytest.raises(BatchlabError, match="min_reached"):
        Recommender(min_reached=0).fit(history)
    with pytest.raises(BatchlabError, match="not fitted"):
        Recommender().text()
    with pytest.raises(BatchlabError, match="learning_rate"):
        Recommender().fit(history.drop(columns="learning_rate"))


def test_report_section_is_escaped_markup(history):
    from batchlab.reporting.recommendation import recommendation_section

    title, body = recommendation_section(history, {"name": "<b>x</b>"}, target=0.8)
    assert title == "Recommendation" and isinstance(body, Markup)
    for goal in ("fewest epochs", "fewest updates", "least seconds", "best accuracy"):
        assert f"<td>{goal}</td>" in body
    assert "Use batch size 256 with learning rate 0.1" in body
    assert body.count('<div class="finding">') == 4 and "<script" not in body
    # every trial diverged: no target, so a sentence instead of an error
    gone = history.assign(diverged=True, test_accuracy=np.nan)
    title, body = recommendation_section(gone)
    assert isinstance(body, str) and body.startswith("No recommendation:")


def test_every_trial_diverged_is_said_not_refused(history):
    gone = history.assign(diverged=True, test_accuracy=np.nan)
    gone.loc[gone["epoch"] < 3, "diverged"] = False  # they diverge at epoch 3
    gone.loc[gone["batch_size"] == 4, "diverged"] = True  # ... or at epoch 1
    for goal in GOALS:
        rec = Recommender(goal=goal).fit(gone)
        assert rec.target_ is None and rec.batch_size_ is None
        assert rec.headline() == "No recommendation: every trial diverged."
        assert "batch size 4 at learning rate 0.01 in 3 seeds at epoch 1" in rec.reasons_[0]
        assert "batch size 64 at learning rate 0.1 in 3 seeds at epoch 3" in rec.reasons_[0]
        data = rec.to_dict()
        assert data["target"] is None and data["choice"] is None
        json.dumps(data, allow_nan=False)


def test_json_intervals_follow_the_seed_rule_and_are_cut(history):
    rec = Recommender(goal="fewest_updates", target=0.8).fit(history)
    data = rec.to_dict()
    assert (
        "from 5 seeds on" in data["interval_rule"]
        and "cut at what is possible" in (data["interval_rule"])
    )
    assert "stays at or above the target" in data["reach_rule"]
    updates = data["expected"]["updates"]
    assert updates["interval"] == "range" and updates["n"] == 3  # 3 seeds: their range
    assert (updates["lo"], updates["hi"]) == (updates["min"], updates["max"])
    for row in data["alternatives"]:
        for key, value in row.items():
            if key.endswith("_lo") and value is not None:
                assert value >= 0, key
    leader = rec.reasons_[1]  # 3 seeds: no t-interval over seeds, their range
    assert "CI" not in leader and "(the same in all 3 seeds)" in leader
    assert "The ranges over seeds do not overlap" in leader


def test_two_seeds_show_their_range_and_five_a_t_interval():
    few = SyntheticStudy(batch_sizes=(8, 64), seeds=(0, 1), epochs=10, reach={8: 3, 64: 6})
    rec = Recommender(goal="fewest_epochs", target=0.8).fit(few.history())
    assert "± " not in rec.text() and "CI" not in rec.text()
    many = SyntheticStudy(batch_sizes=(8, 64), seeds=range(5), epochs=10, reach={8: 3, 64: 6})
    rec = Recommender(goal="best_accuracy", target=0.8).fit(many.history())
    assert "(95% CI " in rec.text()
    assert rec.to_dict()["expected"]["final_test_accuracy"]["interval"] == "ci"


# ---------------------------------------------------------------------------- the command line
@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    from batchlab.run import run_study
    from batchlab.study import load_study

    path = tmp_path_factory.mktemp("recommend") / "store.db"
    study = load_study("seed003-grid").replace(epochs=3, seeds=2, batch_size=[16, 64, 450])
    run_study(study, store=path)
    return study.name, path


def test_cli_prints_words_and_json(tiny_store, capsys):
    from batchlab.cli import main

    name, path = tiny_store
    assert main(["recommend", name, "--store", str(path), "--goal", "fewest-updates"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Fewest updates to ") and "Use batch size" in text
    assert text.count("\n- ") >= 3  # the reasons, one per line

    assert main(["recommend", name, "--store", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["study"] == name
    assert [r["goal"] for r in data["recommendations"]] == list(GOALS)
    for r in data["recommendations"]:
        assert r["reasons"] and r["target"] > 0
        if r["choice"] is not None:
            assert r["choice"]["batch_size"] in (16, 64, 450)
            assert r["rule"]["name"] == "fixed"  # one rate, no lr rule
    # the same study gives the same answer
    assert main(["recommend", name, "--store", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == data


def test_cli_bad_goal_exits_2(tiny_store, capsys):
    from batchlab.cli import main

    name, path = tiny_store
    assert main(["recommend", name, "--store", str(path), "--goal", "fastest"]) == 2
    err = capsys.readouterr().err
    assert "--goal" in err and "'fastest'" in err and "least-seconds" in err


def test_report_has_the_recommendation(tiny_store, tmp_path, capsys):
    from batchlab.cli import main

    name, path = tiny_store
    out = tmp_path / "r.html"
    assert main(["report", name, "--store", str(path), "-o", str(out)]) == 0
    html = out.read_text()
    assert "<h2>Recommendation</h2>" in html and "<td>fewest updates</td>" in html


def test_one_seed_one_epoch_reads_as_english():
    """ "1 epoch (1 seed)", not "1 epochs on average over 1 seed (1 seed)"."""
    from helpers.synthetic import hand_history

    history = hand_history({(8, 0.1, 0): [0.9, 0.9], (64, 0.1, 0): [0.5, 0.85]})
    text = Recommender(goal="fewest_epochs", target=0.8).fit(history).text()
    assert "has the fewest epochs to the target: 1 epoch (1 seed)" in text, text
    assert "Expect 1 epoch, " in text, text
    assert "1 epochs" not in text and "over 1 seed (1 seed)" not in text, text
