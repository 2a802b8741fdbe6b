"""The weekly lists already published: which weeks, who was on them, what each was built on. Read-only."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from placerisk.app.catalog import Catalog

def weeks(catalog: Catalog) -> list[dt.date]:
    """Every published as-of date (a folder with a manifest), oldest first."""
    root = catalog.lists_root
    if not root.is_dir():
        return []
    return sorted(d for d in (as_date(p.name) for p in root.iterdir() if p.is_dir() and (p / "manifest.json").is_file()) if d)


def manifest(catalog: Catalog, week: dt.date) -> dict:
    return json.loads((catalog.lists(week) / "manifest.json").read_text(encoding="utf-8"))


def listed(catalog: Catalog, week: dt.date) -> pd.DataFrame:
    """The families on a week's lists: ``family_id``, ``team``, ``band``, ``place``, from its team CSVs (what the teams received)."""
    parts = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((catalog.lists(week) / "teams").glob("*/list.csv"))]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["Team", "Family (pseudonymous id)", "Band (1-20)", "Place"])
    return pd.DataFrame({"family_id": frame["Family (pseudonymous id)"], "team": frame["Team"],
                         "band": pd.to_numeric(frame["Band (1-20)"]).astype("int64"), "place": pd.to_numeric(frame["Place"]).astype("int64")})


def as_date(name: str) -> dt.date | None:
    """A folder name that is a date (YYYY-MM-DD), else None."""
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None
