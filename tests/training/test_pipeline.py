"""train_and_evaluate on six generated quarterly snapshots, two rolling-origin splits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from placerisk.training import CandidateSpec, TrainingData, train_and_evaluate

from .conftest import (
    CANDIDATES,
    FEATURES,
    LIGHTGBM,
    LOGISTIC,
    RULE,
    make_data,
    make_frames,
    make_splits,
    sigmoid,
)

K = 50
# two grid points that stop early well before the last round
EAGER = CandidateSpec("lightgbm", "lightgbm", grid=tuple({"n_estimators": 300, "num_leaves": leaves, "min_child_samples": 20, "learning_rate": 0.3}
                                                       for leaves in (7, 3)))


def run(data, candidates=CANDIDATES, **kwargs):
    splits, final = make_splits()
    return train_and_evaluate(data, splits, final, candidates, k=K, random_state=0, n_jobs=1, **kwargs)


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def result(data):
    return run(data, descriptions={"violence_12m": "Violence, last 12 months"})


def test_table_has_a_row_per_candidate_per_split_plus_mean(result):
    table = result.table()
    assert len(table) == len(CANDIDATES) * 3
    assert table.groupby("candidate", sort=False)["split"].apply(list).to_dict() == {
        c.name: ["split 1", "split 2", "mean"] for c in CANDIDATES
    }
    assert table.set_index("candidate")["baseline"].groupby(level=0).first().to_dict() == {"rule_violence": True, "logistic": False, "lightgbm": False}
    for name, rows in table.groupby("candidate"):
        per_split = rows[rows["split"] != "mean"]
        mean = rows[rows["split"] == "mean"].iloc[0]
        for metric in ("precision_at_k", "roc_auc", "brier", "average_precision"):
            assert mean[metric] == pytest.approx(per_split[metric].mean()), (name, metric)
    assert (table["k"] == K).all()
    assert set(table["rows"]) == {500.0}


def test_test_predictions_are_the_test_snapshot_rows(result, data):
    splits, _ = make_splits()
    for c in result.candidates:
        assert len(c.predictions) == len(c.metrics) == len(c.params) == len(c.searches) == 2
        for split, pred, metrics in zip(splits, c.predictions, c.metrics, strict=True):
            dates = set(pd.to_datetime(data.as_of_date[pred.rows]).date)
            assert dates == {split.test_date}
            assert len(pred.rows) == metrics["rows"] == 500
            assert np.all((pred.probability >= 0) & (pred.probability <= 1))


def test_chosen_and_baseline_comparison_follow_the_mean_primary_metric(result):
    means = {c.spec.name: c.mean()["precision_at_k"] for c in result.candidates}
    learnt = {n: v for n, v in means.items() if n != "rule_violence"}
    assert result.primary_metric == "precision_at_k"
    assert result.chosen == max(learnt, key=learnt.get)
    assert result.best_baseline == "rule_violence"
    # the label also depends on contacts and days since contact, which the one-column rule ignores
    assert result.beats_baselines is True and result.margin.beats is True and result.model.metadata["beats_baselines"] is True
    m = result.margin
    assert (m.metric, m.candidate, m.baseline, m.splits) == ("precision_at_k", result.chosen, "rule_violence", ("split 1", "split 2"))
    chosen, rule = result.result(result.chosen).metrics, result.result("rule_violence").metrics
    assert m.differences == pytest.approx([a["precision_at_k"] - b["precision_at_k"] for a, b in zip(chosen, rule, strict=True)], abs=1e-12)
    # 50 of 500 rows is a small list: better in both splits, but the interval of the mean difference reaches 0
    assert m.rule == "every_split" and m.interval[0] == 0 < m.interval[1] and m.n_resamples == 500 and m.confidence == 0.95
    assert result.model.metadata["margin"] == m.to_dict()


def test_a_higher_mean_by_chance_no_longer_beats_the_baseline():
    # The label depends on violence_12m only, the rule's own column: the logistic regression is ahead on the mean by
    # chance (ahead in split 1, behind in split 2). The old strict ">" of the means said it beat the rule.
    X, meta, _ = make_frames(seed=2)
    rng = np.random.default_rng(102)
    meta = meta.assign(label=(rng.random(len(X)) < sigmoid(-2.4 + 0.9 * X["violence_12m"].to_numpy())).astype(float))
    res = run(TrainingData.from_frames(X, meta), candidates=(RULE, LOGISTIC))
    means = {c.spec.name: c.mean()["precision_at_k"] for c in res.candidates}
    assert means["logistic"] > means["rule_violence"]
    assert res.beats_baselines is False and res.model.metadata["beats_baselines"] is False
    assert res.margin.differences[0] > 0 > res.margin.differences[1] and res.margin.interval[0] < 0 < res.margin.interval[1]
    assert res.margin.rule == "neither"
    assert res.margin.sentence.startswith("logistic does not beat the best baseline (rule_violence) on precision_at_k: better in 1 of 2")


def test_without_a_baseline_nothing_is_beaten(data):
    res = run(data, candidates=(LOGISTIC,))
    assert res.best_baseline is None and res.beats_baselines is False
    assert res.margin.rule == "no_baseline" and res.margin.baseline is None and res.model.metadata["margin"]["beats"] is False


def test_a_primary_metric_that_cannot_rank_and_bad_settings_are_refused_before_any_fit(data):
    messages = []
    with pytest.raises(ValueError, match=r"primary_metric: got 'brier'; expected a ranking metric"):
        run(data, candidates=(RULE, LOGISTIC), primary_metric="brier", progress=messages.append)
    with pytest.raises(ValueError, match=r"confidence: got 1.2; expected a number between 0.5 and 1"):
        run(data, candidates=(RULE, LOGISTIC), margin_confidence=1.2, progress=messages.append)
    with pytest.raises(ValueError, match=r"n_resamples: got 10; expected at least 20"):
        run(data, candidates=(RULE, LOGISTIC), margin_resamples=10, progress=messages.append)
    with pytest.raises(ValueError, match=r"validation share: got 0; expected a number between 0 and 1"):
        run(data, candidates=(RULE, LOGISTIC), validation_share=0, progress=messages.append)
    assert messages == []


def test_calibration_labels_reach_the_calibrators_only(data):
    # Scramble the labels of 2023-07-01, split 2's calibration snapshot (split 1 never sees it), then, in another run, of
    # 2024-01-01, the final fit's calibration snapshot (split 2's test). Grid points, validation scores, boosting rounds and
    # the fitted models stay exactly the same; only the calibrated probabilities move.
    splits, final = make_splits()
    candidates = (RULE, LOGISTIC, EAGER)

    def scrambled(date):
        y, rows = data.y.copy(), data.rows([date])
        y[rows] = np.random.default_rng(11).permutation(y[rows])
        return run(dataclasses.replace(data, y=y), candidates=candidates)

    before, split2, deployed = run(data, candidates=candidates), scrambled(splits[1].calibration_date), scrambled(final.calibration_date)
    assert max(e["trees"] for search in before.result("lightgbm").searches for e in search) < 300  # stopped early: rounds could move
    for b, a in zip(before.candidates, split2.candidates, strict=True):
        assert b.params == a.params and str(b.searches) == str(a.searches)  # str: NaN scores
        for p, q in zip(b.predictions, a.predictions, strict=True):
            np.testing.assert_array_equal(p.rank_score, q.rank_score)
        np.testing.assert_array_equal(b.predictions[0].probability, a.predictions[0].probability)
        assert not np.allclose(b.predictions[1].probability, a.predictions[1].probability), b.spec.name
    assert deployed.chosen == before.chosen
    for key in ("params", "trees", "validation_share"):
        assert deployed.model.metadata[key] == before.model.metadata[key]
    np.testing.assert_array_equal(deployed.model.rank_score(data.X), before.model.rank_score(data.X))
    if before.model.metadata["kind"] == "lightgbm":
        assert deployed.model.estimator.booster_.model_to_string() == before.model.estimator.booster_.model_to_string()
    assert not np.allclose(deployed.model.predict_proba(data.X), before.model.predict_proba(data.X))


def test_final_model_uses_the_final_split(result, data):
    _, final = make_splits()
    model = result.model
    assert model.name == result.chosen == model.metadata["candidate"]
    assert model.metadata["train_dates"] == ["2022-10-01", "2023-01-01", "2023-04-01", "2023-07-01", "2023-10-01"]
    assert model.metadata["train_dates"] == [d.isoformat() for d in final.train_dates]
    assert model.metadata["calibration_date"] == "2024-01-01" == final.calibration_date.isoformat()
    assert model.metadata["k"] == K and model.metadata["beats_baselines"] == result.beats_baselines
    assert model.metadata["mean_metrics"] == result.result(result.chosen).mean()
    assert model.feature_names == tuple(FEATURES)
    assert model.descriptions == {"violence_12m": "Violence, last 12 months"}
    # the calibrator and ventile edges come from the final calibration snapshot
    cal = data.rows([final.calibration_date])
    out = model.predict(data.X.iloc[cal])
    assert out["score"].mean() == pytest.approx(data.y[cal].mean(), abs=1e-9)
    counts = np.bincount(out["band"], minlength=21)[1:]
    assert counts.sum() == 500 and counts.min() >= 15 and counts.max() <= 40


def test_same_inputs_and_random_state_give_identical_results(result, data):
    again = run(data, descriptions={"violence_12m": "Violence, last 12 months"})
    pd.testing.assert_frame_equal(result.table(), again.table())
    assert again.chosen == result.chosen and again.model.metadata == result.model.metadata and again.margin == result.margin
    pd.testing.assert_frame_equal(result.model.predict(data.X), again.model.predict(data.X))


def test_test_labels_never_reach_the_fits(result, data):
    # Scramble the labels of 2024-01-01, the test snapshot of split 2 (split 1 never touches it).
    rows = data.rows([make_splits()[0][1].test_date])
    y = data.y.copy()
    y[rows] = np.random.default_rng(5).permutation(y[rows])
    scrambled = run(dataclasses.replace(data, y=y), candidates=(RULE, LOGISTIC, LIGHTGBM))
    for before, after in zip(result.candidates, scrambled.candidates, strict=True):
        assert before.params == after.params and str(before.searches) == str(after.searches)  # str: NaN scores
        for p, q in zip(before.predictions, after.predictions, strict=True):
            np.testing.assert_array_equal(p.rank_score, q.rank_score)
            np.testing.assert_array_equal(p.probability, q.probability)
        assert before.metrics[0] == after.metrics[0]
    # ...while the split 2 metrics did see the new labels
    assert result.result("logistic").metrics[1]["roc_auc"] != scrambled.result("logistic").metrics[1]["roc_auc"]


def test_beats_baselines_is_false_when_the_learnt_models_only_see_noise():
    # Before the test snapshots the label is a coin unrelated to every feature, so the learnt models can
    # learn nothing; on the two test snapshots the rule column drives it.
    splits, _ = make_splits()
    data = make_data(informative_dates=[s.test_date for s in splits], seed=2)
    res = run(data)
    means = {c.spec.name: c.mean()["precision_at_k"] for c in res.candidates}
    assert res.beats_baselines is False and res.model.metadata["beats_baselines"] is False
    assert res.best_baseline == "rule_violence"
    assert means["rule_violence"] > max(means["logistic"], means["lightgbm"])


def test_only_baselines_is_refused(data):
    with pytest.raises(ValueError, match=r"candidates: got only baselines; expected at least one learnt model"):
        run(data, candidates=(RULE, CandidateSpec("best", "best_single_feature")))


def test_a_one_class_part_is_refused_with_the_split_and_part_named(data):
    rows = data.rows([make_splits()[0][0].test_date])  # 2023-10-01
    y = data.y.copy()
    y[rows] = 0
    with pytest.raises(ValueError, match=r"^split 1: the test rows hold only one class; expected both outcomes"):
        run(dataclasses.replace(data, y=y))


def test_progress_reports_each_split_and_the_final_fit(data):
    messages = []
    run(data, candidates=(RULE, LOGISTIC), progress=messages.append)
    assert messages[0].startswith("split 1/2: train 1,500 rows, calibrate 500, test 500 (snapshot 2023-10-01); grid and early stopping on ")
    assert messages[0].endswith(" training rows of held-out families")
    assert any(m.startswith("logistic beats the best baseline (rule_violence) on precision_at_k") for m in messages)
    assert any(m.startswith("split 2/2: train 2,000 rows") for m in messages)
    assert messages[-1].startswith("final fit: ")
    assert isinstance(data, TrainingData)
