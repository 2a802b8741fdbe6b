"""Partners as configuration: a new partner added by a config entry and its file alone, a site with a subset of partners,
and a partner that joined the data-sharing agreement late. End to end on one small synthetic population.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from placerisk.cli import main

from .test_challenger import _run
from .test_train import SMALL

pytestmark = pytest.mark.slow
AS_OF = "2026-01-05"
PROBATION = {"probation": {"file": "probation", "description": "Probation service", "recording_lag": "weeks",
                           "event_types": {"supervision_started": "Supervision by the probation service started"}}}
# A site with five partners (four of the ten, and its own), one of which (the community sector) joined the data-sharing
# agreement on 2024-04-01.
JOINED = "2024-04-01"
SUBSET = {"police": {}, "health": {}, "education": {}, "community_sector": {"joined": JOINED}, **PROBATION,
          **{s: None for s in ("social_care", "housing", "youth_justice", "early_years", "fire_and_rescue", "welfare")}}


def _config(root: Path, name: str, **settings) -> Path:
    path = root / f"{name}.yaml"
    body = {"config_version": 1, **SMALL, **settings, "data": {"dir": "data", "output_dir": f"out-{name}"},
            "mlflow": {"registered_model": f"model-{name}"}}
    path.write_text(yaml.safe_dump(body))
    return path


def _probation_extract(data: Path) -> pa.Table:
    """A partner the generator knows nothing of: a supervision of the person 30 to 240 days before each of their violent
    injuries (a strong signal, recorded within three weeks), and as many at random dates for others."""
    rng = np.random.default_rng(3)
    police, health = pd.read_parquet(data / "police.parquet"), pd.read_parquet(data / "health.parquet")
    hurt = pd.concat([police[police.event_type == "violence_victim"], health[health.event_type == "violent_injury_admission"]])
    day = pd.to_datetime(hurt["event_date"]).to_numpy() - rng.integers(30, 240, len(hurt)).astype("timedelta64[D]")
    persons = pd.read_parquet(data / "persons.parquet")["person_id"].to_numpy()
    others = rng.choice(persons, len(hurt))
    other_day = np.datetime64("2019-06-01") + rng.integers(0, 2400, len(hurt)).astype("timedelta64[D]")
    person = np.concatenate([hurt["person_id"].to_numpy(), others])
    event = np.concatenate([day, other_day]).astype("datetime64[D]")
    recorded = event + rng.integers(0, 21, len(event)).astype("timedelta64[D]")
    keep = (event >= np.datetime64("2019-04-01")) & (recorded <= np.datetime64("2026-03-31"))
    return pa.table({"person_id": person[keep], "event_type": np.full(int(keep.sum()), "supervision_started"),
                     "event_date": pa.array(event[keep], pa.date32()), "recorded_date": pa.array(recorded[keep], pa.date32())})


def _approve_and_score(config: Path) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["findings", "--config", str(config), "--red-ids"]) == 0
    red = printed.getvalue().strip()
    code, out = _run("approve", "--config", str(config), "--version", "candidate", "--decision", "approve", "--reviewer", "Test panel",
                     "--note", "partners test", "--allow-dirty", *(["--accept", red] if red else []))
    assert code == 0, out
    code, out = _run("score", "--config", str(config), "--as-of", AS_OF)
    assert code == 0, out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("partners")
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
    base, plus = _config(root, "base"), _config(root, "plus", sources=PROBATION)
    subset = _config(root, "subset", sources=SUBSET)
    assert main(["synth", "--config", str(base), "--families", "3000", "--seed", "7"]) == 0
    pq.write_table(_probation_extract(root / "data"), root / "data" / "probation.parquet")
    runs = {}
    for name, config in (("plus", plus), ("subset", subset)):
        assert main(["validate", "--config", str(config)]) == 0
        runs[name] = _run("train", "--config", str(config))
        assert runs[name][0] == 0, runs[name][1]
        _approve_and_score(config)
    yield root, runs
    mlflow.set_tracking_uri(None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)


def _lists(root: Path, name: str) -> pd.DataFrame:
    paths = sorted((root / f"out-{name}" / "lists" / AS_OF / "teams").glob("*/list.csv"))
    return pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths])


def _bundle(name: str):
    return mlflow.pyfunc.load_model(f"models:/model-{name}@champion").unwrap_python_model().risk_model


def _partners(lists: pd.DataFrame) -> set[str]:
    return set(pd.concat([lists[f"Partner {i}"] for i in (1, 2, 3)])) - {""}


def test_a_partner_added_by_config_and_file_alone_reaches_the_reasons_in_the_lists(site):
    root, _ = site
    risk = _bundle("plus")
    assert "probation" in {e["source"] for e in risk.feature_definitions["event_types"]}
    assert "probation__supervision_started__count_12m" in risk.feature_names
    lists = _lists(root, "plus")
    named = pd.concat([lists[[f"Reason {i}", f"Partner {i}"]].set_axis(["reason", "partner"], axis=1) for i in (1, 2, 3)])
    probation = named[named["partner"] == "probation"]
    assert len(probation) > 0, _partners(lists)
    assert probation["reason"].str.startswith("Supervision by the probation service started").all()
    report = next((root / "out-plus" / "validation").rglob("report.json")).read_text()
    assert '"probation"' in report


def test_a_site_with_a_subset_of_partners_trains_and_scores_on_them_alone(site):
    root, _ = site
    risk = _bundle("subset")
    assert {e["source"] for e in risk.feature_definitions["event_types"]} == {"police", "health", "education", "community_sector", "probation"}
    assert not [n for n in risk.feature_names if n.split("__")[0] in ("social_care", "housing", "welfare", "early_years")]
    assert _partners(_lists(root, "subset")) <= {"police", "health", "education", "community sector", "probation", "council records",
                                                 "health and police"}


def test_a_late_partner_counts_only_from_the_day_it_joined_and_the_card_says_so(site, tmp_path):
    root, runs = site
    config = root / "subset.yaml"
    before, after = tmp_path / "before.parquet", tmp_path / "after.parquet"
    assert main(["features", "--config", str(config), "--as-of", JOINED, "--out", str(before)]) == 0
    assert main(["features", "--config", str(config), "--as-of", "2024-07-01", "--out", str(after)]) == 0
    community = [c for c in pd.read_parquet(before).columns if c.startswith("community_sector__")]
    counts = [c for c in community if "__count_" in c]
    early, late = pd.read_parquet(before), pd.read_parquet(after)
    assert (early[counts] == 0).all().all()  # as of the day it joined, nothing of it is known yet
    # After joining, its history counts: concerns from before the join date are in the 24-month counts.
    assert late["community_sector__wellbeing_concern__count_24m"].sum() > late["community_sector__wellbeing_concern__count_3m"].sum() > 0
    assert (late["community_sector__wellbeing_concern__days_since_last"] > 91).any()
    assert f"sources.community_sector joined on {JOINED}" in runs["subset"][1]
    run_id = mlflow.MlflowClient().get_model_version("model-subset", "1").run_id
    card = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="model_card.md")).read_text()
    assert f"community sector: joined the data-sharing agreement on {JOINED}" in card
    assert "police: records from 2019-04-01" in card


def test_an_outcome_partner_that_joined_after_a_snapshots_cut_off_is_refused(site):
    root, _ = site
    late_police = _config(root, "late-police", sources={"police": {"joined": "2025-01-01"}})
    assert main(["validate", "--config", str(late_police)]) == 0
    code, out = _run("train", "--config", str(late_police))
    assert code == 2 and "sources.police.joined: got 2025-01-01" in out and "Traceback" not in out


@pytest.mark.spark
def test_spark_applies_the_same_rules_to_a_partner_of_our_own_and_a_late_one(site, spark, capsys):
    root, _ = site
    assert main(["engines", "--config", str(root / "subset.yaml"), "--as-of", "2024-07-01"]) == 0
    assert "the engines agree on 2024-07-01" in capsys.readouterr().out
