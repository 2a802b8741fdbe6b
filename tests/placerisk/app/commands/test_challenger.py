"""Retraining: a challenger meets the champion in use, on the same test snapshots, and `approve` judges by that.

One small population; a champion trained on an older config (other feature windows) and approved; then three challengers:
one on today's config, one with fewer features, one identical to the champion. Nothing here is hand-fed: each comparison
is what `placerisk train` recorded in the run's hashed gate record.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from placerisk.cli import main
from placerisk.models.allocation import AllocationPolicy
from placerisk.training import evaluate

from .test_train import SMALL

pytestmark = pytest.mark.slow

# The champion's config: a 9-month window today's does not build, and snapshots up to 2023-07-01, so that its outcome windows end
# before today's test snapshots (2024-10-01 and 2025-01-01 on this population): a fair comparison.
OLDER = {**SMALL, "features": {"windows_months": [3, 9, 12, 24]}, "training": {**SMALL["training"], "last_snapshot": "2023-07-01"}}
FEWER = {**SMALL, "features": {"windows_months": [12, 24], "aggregations": ["count"], "groups": {
    "violence": {"description": "Violence", "events": ["police.violence_victim", "police.violence_suspect", "police.weapon_offence",
                                                       "health.assault_injury", "health.violent_injury_admission"]},
    "police_contact": {"description": "Any police incident", "events": ["police.domestic_abuse", "police.violence_victim"]}}},
    "training": {**SMALL["training"], "logistic": [], "lightgbm": [{"n_estimators": 5, "num_leaves": 3, "min_child_samples": 200}]}}


def _write(root: Path, name: str, settings: dict) -> Path:
    path = root / name
    path.write_text(yaml.safe_dump({"config_version": 1, **settings, "data": {"dir": "data", "output_dir": "out"}}))
    return path


def _run(*args) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = main(list(args))
    return code, printed.getvalue()


def _gate(root: Path, version: str) -> dict:
    client = mlflow.MlflowClient(f"sqlite:///{root / 'mlflow.db'}")
    run_id = client.get_model_version("placerisk-family-risk", version).run_id
    path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="gate.json", tracking_uri=f"sqlite:///{root / 'mlflow.db'}")
    return json.loads(Path(path).read_text())


def _approve(config: Path, *extra) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["findings", "--config", str(config), "--red-ids"]) == 0
    red = printed.getvalue().strip()
    return _run("approve", "--config", str(config), "--version", "candidate", "--decision", "approve", "--reviewer", "Test panel",
                "--note", "retraining test", "--allow-dirty", *(["--accept", red] if red else []), *extra)


@pytest.fixture(scope="module")
def retrained(tmp_path_factory):
    root = tmp_path_factory.mktemp("retrain")
    older, today, fewer = _write(root, "older.yaml", OLDER), _write(root, "today.yaml", SMALL), _write(root, "fewer.yaml", FEWER)
    assert main(["synth", "--config", str(older), "--families", "5000", "--seed", "7"]) == 0
    assert main(["validate", "--config", str(older)]) == 0
    steps = {}
    assert main(["train", "--config", str(older)]) == 0
    steps["champion"] = _approve(older)
    assert steps["champion"][0] == 0, steps["champion"][1]
    for name, config in (("today", today), ("fewer", fewer), ("same", older)):
        steps[f"train {name}"] = _run("train", "--config", str(config))
        assert steps[f"train {name}"][0] == 0, steps[f"train {name}"][1][-3000:]
        if name != "today":
            steps[f"approve {name}"] = _approve(config)
    steps["approve same, accepted"] = _approve(older, "--accept-below-champion")
    steps["score today"] = _run("score", "--config", str(today), "--as-of", "2026-01-05")
    other_cohort = _write(root, "cohort.yaml", {**OLDER, "cohort": {"min_age": 8, "max_age": 20}})
    steps["score another cohort"] = _run("score", "--config", str(other_cohort), "--as-of", "2026-01-05")  # version 4 is champion
    yield root, steps
    mlflow.set_tracking_uri(None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)


def test_a_champion_trained_on_an_older_config_is_re_evaluated_with_its_own_definitions(retrained):
    root, steps = retrained
    record = _gate(root, "2")["champion"]
    assert record["version"] == "1" and record["evaluated"] is True
    assert "features.windows_months: [3, 9, 12, 24] then, [3, 6, 12, 24] now" in record["definitions_changed"]
    # the champion reads count_9m features that today's config does not build: its scores come from its own definitions.
    # Rebuild them independently (`placerisk features` under its config), score them with its bundle, and measure:
    split = record["splits"][-1]
    out = root / "check.parquet"
    assert main(["features", "--config", str(root / "older.yaml"), "--as-of", split["test"], "--out", str(out)]) == 0
    frame = pd.read_parquet(out)
    frame = frame[frame["in_cohort"] & frame["label"].notna()].sort_values("family_id").reset_index(drop=True)
    risk = mlflow.pyfunc.load_model("models:/placerisk-family-risk/1").unwrap_python_model().risk_model
    assert any(c.endswith("count_9m") for c in risk.feature_names)
    X = frame[list(risk.feature_names)]
    teams = {t["name"]: t["weekly_capacity"] for t in SMALL["teams"]}
    got = evaluate(frame["label"].to_numpy().astype(int), risk.rank_score(X), risk.predict_proba(X), k=sum(teams.values()),
                   list_k=sum(teams.values()) * SMALL["training"]["list_weeks"], shares=(0.05,), tiebreak=frame["family_id"].to_numpy(),
                   allocation=AllocationPolicy(teams, weeks=SMALL["training"]["list_weeks"]), team=frame["team"].to_numpy())
    assert split["champion"]["precision_at_list"] == pytest.approx(got["precision_at_list"], abs=1e-6)
    assert split["champion"]["brier"] == pytest.approx(got["brier"], abs=1e-6)
    assert record["margin"]["baseline"] == "version 1" and "the champion (version 1)" in record["margin"]["sentence"]
    assert "champion: version 1" in steps["train today"][1] and "windows_months" in steps["train today"][1]


def test_the_weekly_run_refuses_a_champion_whose_definitions_no_longer_match_and_says_what_changed(retrained):
    _, steps = retrained
    code, out = steps["score today"]
    assert code == 2
    assert "features.windows_months: [3, 9, 12, 24] then, [3, 6, 12, 24] now" in out and "Retraining is due" in out


def test_the_weekly_run_refuses_a_champion_trained_for_another_cohort_or_outcome(retrained):
    _, steps = retrained
    code, out = steps["score another cohort"]
    assert code == 2
    assert "trained for another outcome or cohort than the config's: cohort.max_age: 24 then, 20 now" in out and "Retraining is due" in out


def test_list_churn_per_team_adds_up_and_fills_each_teams_week(retrained):
    root, _ = retrained
    churn = _gate(root, "2")["champion"]["churn"]
    assert churn["measured"] and churn["date"] == _gate(root, "2")["champion"]["splits"][-1]["test"]
    teams = {t["team"]: t for t in churn["teams"]}
    assert set(teams) == {t["name"] for t in SMALL["teams"]} | {"all teams"}
    for name, t in teams.items():
        assert t["kept"] + t["dropped"] == t["champion_listed"] and t["kept"] + t["added"] == t["challenger_listed"]
        assert t["jaccard"] == pytest.approx(t["kept"] / (t["kept"] + t["added"] + t["dropped"]))
        if name != "all teams":
            assert t["champion_listed"] == t["challenger_listed"] == 10  # one week's list: the team's weekly capacity
    assert teams["all teams"]["kept"] == sum(t["kept"] for n, t in teams.items() if n != "all teams")


def test_a_worse_challenger_with_fewer_features_is_refused_against_the_champion(retrained):
    root, steps = retrained
    record = _gate(root, "3")["champion"]
    assert record["evaluated"] and record["beats"] is False
    assert np.mean(record["margin"]["differences"]) < 0  # it is worse, not merely not better
    code, out = steps["approve fewer"]
    assert code == 1
    assert "does not beat the champion (version 1)" in out and "--accept-below-champion" in out


def test_a_retrained_copy_of_the_champion_cannot_be_shown_better_and_replaces_it_only_when_the_panel_accepts_that(retrained):
    root, steps = retrained
    record = _gate(root, "4")["champion"]
    # the same config, data and seed: the deployed model is the champion again, so no team's list changes
    assert record["churn"]["teams"][-1]["share_changed"] == 0.0
    # its test snapshots are ones the champion was fitted on: shown side by side, but no fair margin
    assert record["saw_outcomes"] == [s["split"] for s in record["splits"]] and record["fair_splits"] == []
    assert record["margin"] is None and record["beats"] is False
    assert steps["approve same"][0] == 1 and "not shown to beat the champion (version 1)" in steps["approve same"][1]
    code, out = steps["approve same, accepted"]
    assert code == 0, out
    assert "is now 'champion' (was version 1)" in out and "accepted below the champion" in out
    log = [json.loads(line) for line in (root / "model-decisions.jsonl").read_text().splitlines()]
    approved = [r for r in log if r.get("event") == "decision" and r.get("outcome") == "recorded" and r.get("version") == "4"]
    assert approved[0]["accepted_below_champion"] is True and approved[0]["replaces"]["version"] == "1"
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    run_id = client.get_model_version("placerisk-family-risk", "4").run_id
    cards = [f.path for d in client.list_artifacts(run_id, "decisions") for f in client.list_artifacts(run_id, d.path)]
    card = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=next(c for c in cards if c.endswith(".md")),
                                                    tracking_uri=uri)).read_text()
    assert "- Replaces: version 1" in card and "accepted that explicitly" in card
    trained_card = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="model_card.md", tracking_uri=uri)).read_text()
    assert "- Replaces: version 1 (the champion when it was trained), if approved" in trained_card


def test_a_fair_comparison_is_judged_only_on_snapshots_the_champion_was_not_fitted_on(retrained):
    root, _ = retrained
    record = _gate(root, "2")["champion"]
    assert record["saw_outcomes"] == [] and record["fair_splits"] == [s["split"] for s in record["splits"]]
    assert record["margin"] == record["margin_every_split"]
