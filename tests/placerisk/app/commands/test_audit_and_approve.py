"""`placerisk audit` on any score file and `train --table` (approve: test_approve.py)."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from placerisk.cli import main

HAND = pd.DataFrame({  # hand-counted: top 5 by score, ties broken by id
    "id": [f"x{i:02d}" for i in range(12)],
    "risk": [0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
    "outcome": [1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0],
    "group": ["A", "B", "A", "B", "A", "B", None, "A", "B", None, "A", "B"],
})
HAND_CELLS = {"A": (2, 1, 1, 1), "B": (1, 1, 1, 2), "Missing": (0, 0, 1, 1)}  # tp, fp, fn, tn


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "placerisk.yaml"
    path.write_text(yaml.safe_dump({"config_version": 1, "fairness": {"min_cell_count": 1, "round_to": 1, "bootstrap_resamples": 20}}))
    return path


def test_audit_reproduces_hand_counted_confusion_matrices(tmp_path, config, capsys):
    HAND.to_csv(tmp_path / "scores.csv", index=False)
    out = tmp_path / "audit"
    assert main(["audit", "--config", str(config), "--scores", str(tmp_path / "scores.csv"), "--score", "risk", "--label", "outcome",
                 "--sensitive", "group", "--top-k", "5", "--id", "id", "--out", str(out), "--full"]) == 0
    report = json.loads((out / "full" / "report.json").read_text())
    assert {"report.html", "report.md", "report.json"} <= {p.name for p in out.iterdir()}
    rows = [r for r in report["tables"]["by_group"] if r["feature"] == "group"]
    cells = {r["group"]: (r["tp"], r["fp"], r["fn"], r["tn"]) for r in rows}
    assert cells == HAND_CELLS
    assert "traffic light" in capsys.readouterr().out
    # never overwrites unless asked
    assert main(["audit", "--config", str(config), "--scores", str(tmp_path / "scores.csv"), "--score", "risk", "--label", "outcome",
                 "--sensitive", "group", "--top-k", "5", "--out", str(out)]) == 2


def test_audit_names_file_row_column_and_value_of_a_bad_label(tmp_path, config, capsys):
    bad = HAND.assign(outcome=HAND["outcome"].astype(object))
    bad.loc[3, "outcome"] = "yes"
    bad.to_csv(tmp_path / "scores.csv", index=False)
    assert main(["audit", "--config", str(config), "--scores", str(tmp_path / "scores.csv"), "--score", "risk", "--label", "outcome",
                 "--sensitive", "group", "--top-k", "5", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert "scores.csv' row 5, column 'outcome': got 'yes'; expected 0 or 1" in err and "Traceback" not in err
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(("point", "fragment"), [
    (["--threshold", "1.5"], "--threshold 1.5 puts no row"),
    (["--threshold", "0"], "--threshold 0 puts every row"),
    (["--top-k", "12"], "--top-k 12 puts every row"),
])
def test_a_list_of_no_row_or_of_every_row_is_refused_not_audited(tmp_path, config, capsys, point, fragment):
    HAND.to_csv(tmp_path / "scores.csv", index=False)
    assert main(["audit", "--config", str(config), "--scores", str(tmp_path / "scores.csv"), "--score", "risk", "--label", "outcome",
                 "--sensitive", "group", *point, "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "scores run from 0.1 to 0.9" in err and "Traceback" not in err
    assert not (tmp_path / "a").exists()


def test_an_infinite_score_is_named_with_its_row(tmp_path, config, capsys):
    HAND.assign(risk=HAND["risk"].where(HAND.index != 2, np.inf)).to_csv(tmp_path / "scores.csv", index=False)
    assert main(["audit", "--config", str(config), "--scores", str(tmp_path / "scores.csv"), "--score", "risk", "--label", "outcome",
                 "--sensitive", "group", "--top-k", "5", "--out", str(tmp_path / "a")]) == 2
    assert "scores.csv' row 4, column 'risk': got inf; expected a finite number" in capsys.readouterr().err


@pytest.mark.slow
def test_train_from_any_table_keeps_sensitive_columns_out_of_the_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    rng = np.random.default_rng(1)
    n, dates = 1500, pd.date_range("2020-01-01", periods=9, freq="QS")
    rows = []
    for d in dates:
        x = rng.poisson(1.0, size=(n, 3))
        p = 1 / (1 + np.exp(-(x[:, 0] - 3)))
        rows.append(pd.DataFrame({"fid": [f"f{i}" for i in range(n)], "when": d.date(), "a": x[:, 0], "b": x[:, 1], "c": x[:, 2],
                                  "y": rng.binomial(1, p), "eth": rng.choice(["P", "Q"], n)}))
    table = pd.concat(rows)
    table.to_parquet(tmp_path / "t.parquet")
    cfg = tmp_path / "placerisk.yaml"
    cfg.write_text(yaml.safe_dump({"config_version": 1, "training": {"snapshots": 9, "splits": 2, "logistic": [{"C": 1.0}], "lightgbm": [{"n_estimators": 20}],
                                                "list_weeks": 1},
                                   "fairness": {"bootstrap_resamples": 20}, "outcome": {"horizon_months": 3, "recording_allowance_days": 0}}))
    assert main(["train", "--config", str(cfg), "--table", str(tmp_path / "t.parquet"), "--id", "fid", "--label", "y", "--time", "when",
                 "--horizon-months", "3", "--sensitive", "eth"]) == 0
    model = mlflow.pyfunc.load_model("models:/placerisk-family-risk@candidate").unwrap_python_model().risk_model
    assert model.feature_names == ("a", "b", "c")
    out = capsys.readouterr().out
    assert "best single feature" in out and "rule:" not in out  # the config's rules need features this table lacks
    table.loc[table.index[5], "y"] = 2
    table.to_parquet(tmp_path / "t.parquet")
    assert main(["train", "--config", str(cfg), "--table", str(tmp_path / "t.parquet"), "--id", "fid", "--label", "y", "--time", "when",
                 "--horizon-months", "3", "--sensitive", "eth"]) == 2
    assert "row 6, column 'y': got '2'; expected 0, 1 or empty" in capsys.readouterr().err
    table.loc[table.index[5], "y"] = 0
    table.loc[table.index[7], "b"] = np.nan
    table.to_parquet(tmp_path / "t.parquet")
    assert main(["train", "--config", str(cfg), "--table", str(tmp_path / "t.parquet"), "--id", "fid", "--label", "y", "--time", "when",
                 "--horizon-months", "3", "--sensitive", "eth"]) == 2
    assert "row 8, column 'b': got 'nan'; expected a number in every row" in capsys.readouterr().err
    table.loc[table.index[7], "b"] = 1
    table.to_parquet(tmp_path / "t.parquet")
    table["eth"] = [f"code {i}" for i in range(len(table))]  # text not listed as sensitive is a categorical input, up to a cap
    table.to_parquet(tmp_path / "t.parquet")
    assert main(["train", "--config", str(cfg), "--table", str(tmp_path / "t.parquet"), "--id", "fid", "--label", "y", "--time", "when",
                 "--horizon-months", "3"]) == 2
    assert "column 'eth' holds text with 13,500 distinct values" in capsys.readouterr().err


def test_audit_of_the_teams_lists_uses_each_teams_capacity(tmp_path, capsys):
    """`--team`: each team's top scores up to its configured capacity x weeks, the same allocation as training's audit."""
    cfg = tmp_path / "placerisk.yaml"
    cfg.write_text(yaml.safe_dump({"config_version": 1, "teams": [{"name": "North", "weekly_capacity": 2}, {"name": "South", "weekly_capacity": 1}],
                                   "fairness": {"min_cell_count": 1, "round_to": 1, "bootstrap_resamples": 20}}))
    frame = HAND.assign(team=["North", "North", "South", "North", "South", "South", "North", "South", "North", "South", "North", "South"])
    frame.to_csv(tmp_path / "scores.csv", index=False)
    out = tmp_path / "audit"
    args = ["audit", "--config", str(cfg), "--scores", str(tmp_path / "scores.csv"), "--score", "risk", "--label", "outcome",
            "--sensitive", "team", "--id", "id", "--team", "team", "--weeks", "2", "--out", str(out), "--full"]
    assert main(args) == 0
    report = json.loads((out / "full" / "report.json").read_text())
    listed = {r["group"]: r["selected"] for r in report["tables"]["by_group"] if r["feature"] == "team"}
    # by hand: North's top 4 of x00 x01 x03 x06 x08 x10 are x00 x01 x03 x06; South's top 2 of x02 x04 x05 ... are x02, then x04 (tie 0.6, lower id)
    assert listed == {"North": 4, "South": 2}
    found = {r["group"]: r["tp"] for r in report["tables"]["by_group"] if r["feature"] == "team"}
    assert found == {"North": 2, "South": 1}  # x00 x03 in North; x02 in South
    assert report["operating_point"]["description"] == "each team's top families for 2 weeks: 6 of 12"
    frame.loc[4, "team"] = "Nowhere"
    frame.to_csv(tmp_path / "scores.csv", index=False)
    assert main([*args[:-3], "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "row 6, column 'team': got 'Nowhere'; expected a configured team (North, South)" in err and not (tmp_path / "b").exists()


def test_audit_sets_each_groups_listed_share_beside_the_oracles_list(tmp_path, config):
    rng = np.random.default_rng(4)
    n = 4000
    truth = rng.beta(1, 6, n)
    group = rng.choice(["A", "B"], n, p=[0.7, 0.3])
    score = truth * np.where(group == "B", 1.6, 1.0)  # B over-scored for the same need: recorded more often
    frame = pd.DataFrame({"id": [f"f{i:05d}" for i in range(n)], "risk": score, "truth": truth, "group": group,
                          "outcome": (rng.random(n) < truth).astype(int)})
    frame.to_csv(tmp_path / "scores.csv", index=False)
    out = tmp_path / "audit"
    assert main(["audit", "--config", str(config), "--scores", str(tmp_path / "scores.csv"), "--score", "risk", "--label", "outcome",
                 "--sensitive", "group", "--top-k", "400", "--id", "id", "--oracle", "truth", "--out", str(out)]) == 0
    rows = {r["group"]: r for r in json.loads((out / "report.json").read_text())["oracle_comparison"]}
    expected = frame.sort_values("id")
    model_b = expected.nlargest(400, "risk")["group"].eq("B").sum()
    oracle_b = expected.nlargest(400, "truth")["group"].eq("B").sum()
    assert rows["B"]["listed_model"] == model_b and rows["B"]["listed_oracle"] == oracle_b  # round_to 1 in this config
    assert rows["B"]["ratio_model"] > 1.5 * rows["B"]["ratio_oracle"]
    assert "Against the truth (synthetic data only)" in (out / "report.html").read_text()
    assert main(["audit", "--config", str(config), "--scores", str(tmp_path / "scores.csv"), "--score", "risk", "--label", "outcome",
                 "--sensitive", "group", "--threshold", "0.3", "--oracle", "truth", "--out", str(tmp_path / "b")]) == 2
