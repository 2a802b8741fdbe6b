"""`placerisk score`: the weekly lists from a champion, end to end on a small synthetic population.

One population, trained and approved once (module fixture); each test scores into its own output folder.
"""

from __future__ import annotations

import json
import shutil

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from placerisk.cli import main
from placerisk.config import load_config

from .test_train import SMALL

pytestmark = pytest.mark.slow
AS_OF, NEXT = "2026-01-05", "2026-01-12"


def _teams(folder):
    return {p.parent.name: pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((folder / "teams").glob("*/list.csv"))}


def test_each_team_gets_only_its_own_families_up_to_its_capacity(scored, champion):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    folder = tmp / "out" / "lists" / AS_OF
    teams = _teams(folder)
    capacity = {t["name"]: t["weekly_capacity"] for t in SMALL["teams"]}
    areas = pd.read_parquet(champion[0] / "data" / "areas.parquet")
    families = pd.read_parquet(champion[0] / "data" / "families.parquet").merge(areas, on="area_code")
    team_of = dict(zip(families["family_id"], families["team"], strict=True))
    assert set(teams) == set(capacity)
    for team, table in teams.items():
        assert 0 < len(table) <= capacity[team]
        assert set(table["Team"]) == {team} and {team_of[f] for f in table["Family (pseudonymous id)"]} == {team}
        assert table["Place"].astype(int).tolist() == list(range(1, len(table) + 1))
        assert set(table["Since last week"]) == {"new"}
        bands = table["Band (1-20)"].astype(int)
        assert bands.between(1, 20).all() and table["Reason 1"].str.len().gt(0).all()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"]["version"] == "1" and manifest["approval"]["by"] == "Test panel"
    assert sum(t["listed"] for t in manifest["teams"]) == sum(len(t) for t in teams.values())


def test_objectors_appear_nowhere_and_supported_families_are_apart(scored, champion):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    folder = tmp / "out" / "lists" / AS_OF
    data = champion[0] / "data"
    objected = set(pd.read_csv(data / "objections.csv", dtype=str)["family_id"].dropna())
    assert objected
    written = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.suffix in (".csv", ".html", ".json"))
    assert not [f for f in objected if f.encode() in written]
    engaged = pd.read_csv(data / "engagements.csv", dtype=str, keep_default_na=False)
    open_now = set(engaged.loc[(engaged["started"] <= AS_OF) & ((engaged["ended"] == "") | (engaged["ended"] >= AS_OF)), "family_id"])
    listed = set(pd.concat(_teams(folder).values())["Family (pseudonymous id)"])
    supported = set(pd.concat([pd.read_csv(p, dtype=str) for p in (folder / "teams").glob("*/supported.csv")])["Family (pseudonymous id)"])
    assert not listed & open_now
    assert supported <= open_now and supported


def test_the_same_inputs_give_byte_identical_lists_and_a_second_run_needs_force(scored, capsys):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    folder = tmp / "out" / "lists" / AS_OF
    first = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"}
    capsys.readouterr()
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["score", "--config", str(config), "--as-of", AS_OF, "--force"]) == 0
    again = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert again == first  # CSV, HTML and workbook, byte for byte
    kept = [p for p in folder.parent.iterdir() if p.name.startswith(f"{AS_OF}.replaced-")]
    assert len(kept) == 1 and (kept[0] / "manifest.json").is_file()  # the earlier lists are kept beside


def test_next_week_marks_still_listed_and_says_who_left(scored):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    assert main(["score", "--config", str(config), "--as-of", NEXT]) == 0
    week1 = pd.concat(_teams(tmp / "out" / "lists" / AS_OF).values())
    week2 = pd.concat(_teams(tmp / "out" / "lists" / NEXT).values())
    before = set(week1["Family (pseudonymous id)"])
    still = week2[week2["Since last week"] == "still listed"]["Family (pseudonymous id)"]
    assert set(still) <= before and len(still) > 0
    left = pd.concat([pd.read_csv(p, dtype=str) for p in (tmp / "out" / "lists" / NEXT / "teams").glob("*/left.csv")])
    assert set(left["Family (pseudonymous id)"]) == before - set(week2["Family (pseudonymous id)"]) - set()  # objectors aside
    assert json.loads((tmp / "out" / "lists" / NEXT / "manifest.json").read_text())["previous_week"] == AS_OF


def test_reasons_are_the_bundles_own_top_contributions(scored, champion):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    risk = mlflow.pyfunc.load_model("models:/placerisk-family-risk@champion").unwrap_python_model().risk_model
    features = tmp / "f.parquet"
    assert main(["features", "--config", str(config), "--as-of", AS_OF, "--out", str(features)]) == 0
    frame = pd.read_parquet(features).set_index("family_id")
    table = next(iter(_teams(tmp / "out" / "lists" / AS_OF).values()))
    from placerisk.scoring.reasons import phrase
    from placerisk.features import FeatureSet

    fs = FeatureSet.from_dict(risk.feature_definitions)
    for _, row in table.head(3).iterrows():
        X = frame.loc[[row["Family (pseudonymous id)"]], list(risk.feature_names)]
        top = risk.explain(X, top=3)
        expected = [phrase(fs, f, v)[0] for f, v in zip(top["feature"], top["value"], strict=True)]
        assert [row[f"Reason {i}"] for i in range(1, len(expected) + 1)] == expected
        assert np.isclose(float(row["Probability"]), risk.predict(X)["score"].iloc[0], atol=5e-4)


def test_no_champion_is_a_clear_error_and_publishes_nothing(scored, capsys, tmp_path):
    tmp, config = scored
    settings = yaml.safe_load(config.read_text())
    settings["mlflow"]["registered_model"] = "no-such-model"
    config.write_text(yaml.safe_dump(settings))
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "has no champion" in err and "placerisk approve" in err and "Traceback" not in err
    assert not (tmp / "out" / "lists").exists()


def test_a_corrupted_model_artefact_is_a_clear_error_and_publishes_nothing(scored, champion, capsys):
    tmp, config = scored
    pickles = [p for p in (champion[0] / "mlartifacts").rglob("python_model.pkl")]
    assert pickles
    saved = {p: p.read_bytes() for p in pickles}
    try:
        for p in pickles:
            p.write_bytes(b"not a model")
        assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 2
        err = capsys.readouterr().err
        assert "could not be loaded" in err and "Traceback" not in err
    finally:
        for p, data in saved.items():
            p.write_bytes(data)
    assert not (tmp / "out" / "lists").exists()


def test_a_missing_extract_or_an_unusable_output_folder_publishes_nothing(scored, champion, capsys):
    tmp, config = scored
    police = champion[0] / "data" / "police.parquet"
    moved = police.with_suffix(".away")
    police.rename(moved)
    try:
        assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 2
        assert "is no longer there" in capsys.readouterr().err
    finally:
        moved.rename(police)
    assert not (tmp / "out" / "lists").exists()
    (tmp / "out" / "lists").write_text("a file where the lists folder goes")
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_run_killed_while_writing_leaves_no_list_and_the_next_run_publishes(scored):
    """SIGKILL once the staging folder exists: nothing where a team would look, partial or whole; a new run then succeeds."""
    import subprocess
    import sys
    import time

    tmp, config = scored
    lists = tmp / "out" / "lists"
    exe = str(__import__("pathlib").Path(sys.executable).with_name("placerisk"))
    killed = False
    for _ in range(5):
        proc = subprocess.Popen([exe, "score", "--config", str(config), "--as-of", AS_OF], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None:
            if any(p.name.endswith(".placerisk-new") for p in lists.glob(".*")) if lists.is_dir() else False:
                proc.kill()
                killed = True
                break
            time.sleep(0.0005)
        proc.wait()
        if killed:
            break
        shutil.rmtree(lists)  # finished before we could kill it: try again
    assert killed, "the run never reached its writing step while watched"
    assert not (lists / AS_OF).exists()  # no list, partial or whole
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    assert (lists / AS_OF / "manifest.json").is_file() and not any(p.name.endswith(".placerisk-new") for p in lists.glob(".*"))


def test_changed_feature_definitions_or_a_date_past_the_data_are_refused(scored, capsys):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", "2026-06-01"]) == 2
    assert "expected dates on or before the data's end" in capsys.readouterr().err
    settings = yaml.safe_load(config.read_text())
    settings["features"] = {"windows_months": [3, 6, 12]}  # a window dropped since the champion was trained
    config.write_text(yaml.safe_dump(settings))
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "feature definitions" in err and "Retraining is due" in err
    assert "features.windows_months: [3, 6, 12, 24] then, [3, 6, 12] now" in err  # it says what changed
    assert not (tmp / "out" / "lists").exists()


def test_drift_warns_for_the_police_inputs_when_police_recording_doubles(scored, champion):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    reference = json.loads((tmp / "out" / "lists" / AS_OF / "manifest.json").read_text())["drift"]["reference"]["date"]
    assert main(["score", "--config", str(config), "--as-of", reference]) == 0  # the reference's own date and data: nothing moved
    drift = json.loads((tmp / "out" / "lists" / reference / "manifest.json").read_text())["drift"]
    assert drift["status"] == "stable" and drift["warnings"] == [] and max(r["psi"] for r in drift["psi"]) < 1e-9

    # the same population, but the police recorded twice as many events in the year before the date
    doubled = tmp / "doubled"
    shutil.copytree(champion[0] / "data", doubled)
    police = pd.read_parquet(doubled / "police.parquet")
    day = pd.Timestamp(reference)
    year = police[(pd.to_datetime(police["recorded_date"]) < day) & (pd.to_datetime(police["recorded_date"]) >= day - pd.Timedelta(days=365))]
    again = year.assign(event_date=(pd.to_datetime(year["event_date"]) - pd.Timedelta(days=1)).dt.date)
    pd.concat([police, again], ignore_index=True).to_parquet(doubled / "police.parquet", index=False)
    assert main(["validate", "--config", str(config), "--data", str(doubled)]) == 0
    assert main(["score", "--config", str(config), "--data", str(doubled), "--as-of", reference, "--force"]) == 0
    drift = json.loads((tmp / "out" / "lists" / reference / "manifest.json").read_text())["drift"]
    police_groups = {g for g, spec in load_config(config).features.groups.items() if any(e.startswith("police.") for e in spec.events)}

    def police_based(column: str) -> bool:
        return column.startswith("police__") or any(column.startswith(f"group__{g}__") for g in police_groups)

    significant = [r["column"] for r in drift["psi"] if r["band"] == "significant" and r["kind"] == "numeric" and r["column"] != "the score"]
    assert significant and all(police_based(c) for c in significant), significant
    assert any(c.startswith("police__") for c in significant)
    assert all(w.split(":")[0] in significant or w.startswith("the score:") for w in drift["warnings"])
    assert all(r["psi"] < 1e-9 for r in drift["psi"] if r["kind"] == "group")  # the same families
    stable_elsewhere = [r for r in drift["psi"] if r["kind"] == "numeric" and not police_based(r["column"]) and r["column"] != "the score"]
    assert stable_elsewhere and all(r["psi"] < 1e-9 for r in stable_elsewhere)
