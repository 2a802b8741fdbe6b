"""`train --table` on an event-timed person table, as real tables come: periods, a temporal holdout, the list size,
categorical inputs, the unit, and no placeholder date anywhere in what the run logs."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pytest
import yaml

from placerisk.app.own_table import choose_period, period_starts
from placerisk.cli import main
from placerisk.datatools.synth.person_table import person_table

pytestmark = pytest.mark.slow
BASE = ["--id", "person_id", "--label", "two_year_outcome", "--sensitive", "race,sex", "--no-register"]


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    (tmp_path / "data").mkdir()
    cfg = tmp_path / "placerisk.yaml"
    cfg.write_text(yaml.safe_dump({"config_version": 1, "data": {"dir": str(tmp_path / "data"), "output_dir": str(tmp_path / "out")},
                                   "mlflow": {"tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "artifact_dir": str(tmp_path / "art"),
                                              "decisions_log": str(tmp_path / "decisions.jsonl")},
                                   "training": {"logistic": [{"C": 1.0}], "lightgbm": [{"n_estimators": 30, "num_leaves": 7}]},
                                   "fairness": {"bootstrap_resamples": 20}}))
    table = tmp_path / "people.csv"
    person_table(3000, seed=3).to_csv(table, index=False)
    yield tmp_path, cfg, table
    mlflow.set_tracking_uri(None)


def _artifacts(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(errors="replace") for p in (root / "art").rglob("*")
            if p.is_file() and p.suffix in (".json", ".md", ".txt", ".csv", ".html", ".yaml")}


def test_an_event_timed_table_is_binned_by_month_and_validated_by_a_temporal_holdout(site, capsys):
    tmp, cfg, table = site
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, "--time", "screened", "--horizon-months", "24",
                 "--holdout-from", "2014-07-01", "--unit", "people"]) == 0
    printed = capsys.readouterr()
    out = printed.out + printed.err
    assert "binned by month into 24 snapshot(s)" in out and "chosen automatically" in out
    assert "test snapshots 2014-07-01 to 2014-12-01 (6), from --holdout-from 2014-07-01" in out and "a temporal holdout" in out
    assert "categorical input(s), one 0/1 column per level for every candidate: charge_degree (2 levels)" in out
    logged = _artifacts(tmp)
    plan = json.loads(next(v for k, v in logged.items() if k.endswith("split_plan.json")))
    tested = next(n for k, n in plan["rows_per_date"].items() if k.startswith("test:"))
    card = next(v for k, v in logged.items() if k.endswith("model_card.md"))
    assert "a temporal holdout" in card and "people" in card
    list_k = int(next(line for line in out.splitlines() if "operating point" in line).split("the top ")[1].split(" rows")[0])
    assert list_k == round(0.1 * tested) and list_k < tested  # a tenth of the test part, never more than it
    reports = [v for k, v in logged.items() if k.endswith("report.md")]
    assert reports and all(" families" not in r for r in reports) and all(" people" in r for r in reports)
    assert not [k for k, v in logged.items() if "1970-01" in v]


def test_without_a_time_column_no_placeholder_date_is_shown_or_logged(site, capsys):
    tmp, cfg, table = site
    person_table(3000, seed=3).drop(columns="screened").to_csv(table, index=False)
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, "--top-k", "100"]) == 0
    printed = capsys.readouterr()
    out = printed.out + printed.err
    assert "60% of the ids, by a hash of the id" in out and "1970" not in out
    assert not [k for k, v in _artifacts(tmp).items() if "1970-01" in v]


def test_the_list_is_never_larger_than_the_test_set(site, capsys):
    tmp, cfg, table = site
    person_table(3000, seed=3).drop(columns="screened").to_csv(table, index=False)
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, "--top-k", "100000"]) == 0
    printed = capsys.readouterr()
    out = printed.out + printed.err
    assert "more than the smallest test part" in out and "tends to the base rate" in out


def test_flags_that_need_a_time_column_or_a_table_and_the_horizon_are_asked_for(site, capsys):
    tmp, cfg, table = site
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, "--time", "screened"]) == 2
    assert "--time needs --horizon-months N" in capsys.readouterr().err
    assert main(["train", "--config", str(cfg), "--top-k", "10"]) == 2
    assert "only with --table FILE" in capsys.readouterr().err
    person_table(3000, seed=3).drop(columns="screened").to_csv(table, index=False)
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, "--holdout-from", "2014-01-01"]) == 2
    assert "need --time COL" in capsys.readouterr().err


def test_a_text_input_past_the_level_cap_and_two_rows_in_one_period_are_clear_errors(site, capsys):
    tmp, cfg, table = site
    frame = person_table(3000, seed=3)
    frame.to_csv(table, index=False)
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, "--time", "screened", "--horizon-months", "24",
                 "--max-levels", "1"]) == 2
    assert "column 'charge_degree' holds text with 2 distinct values" in capsys.readouterr().err
    frame.loc[1, "person_id"] = frame.loc[0, "person_id"]
    frame.loc[1, "screened"] = frame.loc[0, "screened"].replace(day=28) if frame.loc[0, "screened"].day < 28 else frame.loc[0, "screened"]
    frame.to_csv(table, index=False)
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, "--time", "screened", "--horizon-months", "24",
                 "--period", "year"]) == 2
    assert "a second row for the same (person_id, year of screened)" in capsys.readouterr().err


def test_periods_bin_dates_to_their_start_and_auto_keeps_few_dates_as_they_are():
    import pandas as pd

    dates = pd.Series(pd.to_datetime(["2013-02-17", "2013-05-01", "2014-12-31"]).date)
    assert [str(d) for d in period_starts(dates, "quarter")] == ["2013-01-01", "2013-04-01", "2014-10-01"]
    assert [str(d) for d in period_starts(dates, "year")] == ["2013-01-01", "2013-01-01", "2014-01-01"]
    assert choose_period(dates) is None
    many = pd.Series(pd.date_range("2013-01-01", periods=730, freq="D").date)
    assert choose_period(many) == "month"
    assert choose_period(pd.Series(pd.date_range("2000-01-01", periods=4000, freq="D").date)) == "quarter"


def _fails(cfg, table, capsys, *extra) -> str:
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, *extra]) == 2
    return capsys.readouterr().err


def test_a_holdout_inside_a_period_is_refused_and_the_overlap_is_counted(site, capsys):
    tmp, cfg, table = site
    err = _fails(cfg, table, capsys, "--time", "screened", "--horizon-months", "24", "--holdout-from", "2014-07-15")
    assert "falls inside the month 2014-07-01" in err and "2014-08-01" in err
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, "--time", "screened", "--horizon-months", "24",
                 "--holdout-from", "2014-07-01"]) == 0
    printed = capsys.readouterr()
    assert "of 14 of the 14 training snapshots and 4 of the 4 calibration snapshots reach into the test period" in printed.err


def test_numbers_with_a_stray_text_cell_and_dates_in_any_spelling_are_refused_by_row(site, capsys):
    tmp, cfg, table = site
    frame = person_table(3000, seed=3)
    frame["priors_count"] = frame["priors_count"].astype(str)
    frame.loc[7, "priors_count"] = "NA"
    frame.to_csv(table, index=False)
    assert "row 9, column 'priors_count': got 'NA'; expected a number in every row" in _fails(cfg, table, capsys, "--time", "screened",
                                                                                                "--horizon-months", "24")
    frame = person_table(3000, seed=3).assign(days_in_custody=lambda f: f["days_in_custody"].map(lambda v: f"{v:,.0f}"))
    frame.loc[:, "days_in_custody"] = "1,000"
    frame.to_csv(table, index=False)
    assert "got '1,000'; expected a number in every row (no thousands separators" in _fails(cfg, table, capsys, "--time", "screened",
                                                                                           "--horizon-months", "24")
    frame = person_table(3000, seed=3).assign(referred=lambda f: [d.strftime("%d/%m/%Y") for d in f["screened"]])
    frame.to_csv(table, index=False)
    assert "column 'referred' holds dates" in _fails(cfg, table, capsys, "--time", "screened", "--horizon-months", "24")
    frame = person_table(3000, seed=3).assign(screened=lambda f: [d.strftime("%m/%d/%Y") for d in f["screened"]])
    frame.to_csv(table, index=False)
    assert "column 'screened': got" in _fails(cfg, table, capsys, "--time", "screened", "--horizon-months", "24")
    frame = person_table(3000, seed=3).assign(screened=lambda f: [d.year for d in f["screened"]])
    frame.to_parquet(tmp / "people.parquet")
    assert "expected a date (YYYY-MM-DD), not a number" in _fails(cfg, tmp / "people.parquet", capsys, "--time", "screened",
                                                                 "--horizon-months", "24")


def test_missing_ids_and_odd_units_are_refused(site, capsys):
    tmp, cfg, table = site
    frame = person_table(3000, seed=3)
    frame.loc[4, "person_id"] = None
    frame.to_csv(table, index=False)
    assert "row 6, column 'person_id'" in _fails(cfg, table, capsys, "--time", "screened", "--horizon-months", "24")
    assert "expected a plural noun" in _fails(cfg, table, capsys, "--unit", "person")


def test_times_with_a_time_of_day_and_mixed_offsets_keep_the_written_date_and_a_monthly_panel_is_not_binned(site, capsys):
    tmp, cfg, table = site
    frame = person_table(3000, seed=3)
    frame["screened"] = [f"{d}T10:00:00{'+01:00' if i % 2 else '+00:00'}" for i, d in enumerate(frame["screened"])]
    frame.to_csv(table, index=False)
    assert main(["train", "--config", str(cfg), "--table", str(table), *BASE, "--time", "screened", "--horizon-months", "24",
                 "--holdout-from", "2014-07-01"]) == 0
    dates = person_table(3000, seed=3)["screened"]
    assert f"{dates.nunique()} distinct date(s) from {min(dates)} to {max(dates)}" in capsys.readouterr().err
    import pandas as pd

    panel = pd.Series(pd.date_range("2010-01-01", periods=72, freq="MS").date)
    assert choose_period(panel) is None  # 72 monthly snapshots stay as they are
