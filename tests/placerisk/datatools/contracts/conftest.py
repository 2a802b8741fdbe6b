"""A tiny, hand-written, valid set of extracts (CSV) and a helper to validate it."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from placerisk.config import parse_config
from placerisk.datatools.contracts import contracts_for, validate_extracts

ONLY_POLICE = {
    "config_version": 1,
    "sources": {"health": None, "education": None, "social_care": None, "housing": None, "youth_justice": None,
                "early_years": None, "fire_and_rescue": None, "welfare": None, "community_sector": None},
    "outcome": {"events": ["police.violence_victim"]},
    "features": {"groups": {"violence": None, "police_contact": None}},
    "synth": {"recording_bias": {"event_types": []}},
    "data": {"extract_date": "2026-03-31"},
}


def valid_tables() -> dict[str, list[dict]]:
    return {
        "areas": [
            {"area_code": "SA000001", "deprivation_decile": 1, "team": "Central"},
            {"area_code": "SA000002", "deprivation_decile": 10, "team": "North"},
        ],
        "families": [{"family_id": "fa01", "area_code": "SA000001"}, {"family_id": "fa02", "area_code": "SA000002"}],
        "persons": [
            {"person_id": "p1", "family_id": "fa01", "sex": "F", "ethnicity": "White", "birth_year": 1985, "birth_month": 4, "member_from": "2010-01-01", "member_to": ""},
            {"person_id": "p2", "family_id": "fa01", "sex": "M", "ethnicity": "Black", "birth_year": 2008, "birth_month": 11, "member_from": "2008-11-01", "member_to": ""},
            {"person_id": "p3", "family_id": "fa02", "sex": "M", "ethnicity": "Not stated", "birth_year": 2012, "birth_month": 1, "member_from": "2012-01-01", "member_to": "2024-06-01"},
        ],
        "police": [
            {"person_id": "p1", "event_type": "domestic_abuse", "event_date": "2023-05-01", "recorded_date": "2023-05-02"},
            {"person_id": "p2", "event_type": "violence_victim", "event_date": "2024-01-10", "recorded_date": "2024-01-10"},
            {"person_id": "p3", "event_type": "asb", "event_date": "2022-07-15", "recorded_date": "2022-07-20"},
            {"person_id": "p2", "event_type": "asb", "event_date": "2022-07-15", "recorded_date": "2022-07-20"},
        ],
        "objections": [{"family_id": "fa02", "person_id": "", "recorded_date": "2025-01-01"}],
        "engagements": [{"family_id": "fa01", "started": "2025-02-01", "ended": "", "team": "Central", "service": "Early help"}],
    }


def write_tables(folder: Path, tables: dict[str, list[dict]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return folder


@pytest.fixture
def config():
    return parse_config(ONLY_POLICE)


@pytest.fixture
def run(tmp_path, config):
    """Validate ``tables`` written as CSV; returns (report, {file: quarantine frame})."""

    def _run(tables, *, max_bad_row_share=1.0):
        data = write_tables(tmp_path / "data", tables)
        report = validate_extracts(
            contracts_for(config), data, tmp_path / "out", max_bad_row_share=max_bad_row_share, identifier_sample_rows=1000
        )
        quarantine = {f.name: pd.read_parquet(f.quarantine) for f in report.files if f.quarantine}
        return report, quarantine

    return _run
