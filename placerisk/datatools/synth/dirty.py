"""Realistic faults injected into clean extracts, each one recorded.

Event files get duplicate rows, unknown codes, missing values, dates out of
range, recorded dates before event dates and ids with no family; the persons
file gets unknown codes, an impossible birth month, a duplicated person and a
person whose family is unknown; one extract (housing by default) gets a stray
postcode column, so the whole file must be refused. Faults go to distinct rows
of files other than the refused one, so a validator must quarantine exactly
these rows (plus the events of quarantined persons) and nothing else.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

STRAY_IDENTIFIER_FILE = "housing"  # the source whose file gets a stray postcode column
EVENT_FAULTS = (
    "duplicate_row",
    "unknown_code:event_type",
    "missing_value:event_date",
    "missing_value:person_id",
    "out_of_range:event_date",
    "recorded_before_event",
    "unknown_reference:person_id",
)
PERSON_FAULTS = ("unknown_code:sex", "out_of_range:birth_month", "duplicate_key:person_id", "unknown_reference:family_id")
_OUTWARD = "ABDEFGHJLMNPRSTUWYZ"
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"


def _fake_postcodes(rng: np.random.Generator, n: int) -> list[str]:
    """Made-up strings in the UK postcode format (not real addresses)."""
    a = rng.choice(list(_OUTWARD), (n, 2))
    d = rng.integers(1, 10, (n, 2))
    b = rng.choice(list(_INWARD), (n, 2))
    return [f"{x[0]}{x[1]}{y[0]} {y[1]}{z[0]}{z[1]}" for x, y, z in zip(a, d, b)]


def _fresh_ids(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        candidate = f"{rng.integers(0, 2**63):016x}"
        if candidate not in taken:
            out.append(candidate)
    return out


def _apply(df: pd.DataFrame, kinds: tuple[str, ...], per_kind: int, rng: np.random.Generator, mutate) -> tuple[pd.DataFrame, list[tuple[int, str, int]]]:
    """Apply ``per_kind`` faults of each kind to distinct rows; returns the new frame and (row, rule, original index)."""
    n = len(df)
    total = min(n // 2, per_kind * len(kinds))
    chosen = rng.choice(n, size=total, replace=False)
    out = df.copy()
    order = np.arange(n, dtype=np.int64) * 2
    extra_rows, extra_order, faults = [], [], []
    for i, row in enumerate(chosen):
        kind = kinds[i % len(kinds)]
        if kind in ("duplicate_row", "duplicate_key:person_id"):
            extra_rows.append(out.iloc[row])
            extra_order.append(row * 2 + 1)
            faults.append((row * 2 + 1, kind, int(row)))
        else:
            mutate(out, int(row), kind)
            faults.append((row * 2, kind, int(row)))
    if extra_rows:
        out = pd.concat([out, pd.DataFrame(extra_rows)], ignore_index=True)
        order = np.concatenate([order, np.asarray(extra_order, dtype=np.int64)])
    position = np.argsort(order, kind="stable")
    out = out.iloc[position].reset_index(drop=True)
    rank = {key: i + 1 for i, key in enumerate(order[position])}  # 1-based row in the new file
    return out, [(rank[key], kind, orig) for key, kind, orig in faults]


def inject_faults(data_dir: Path, file_names: dict[str, str], seed: int, rate: float = 0.0005) -> pd.DataFrame:
    """Inject faults in place; returns (and writes to truth/injected_faults.csv) one row per fault.

    ``file_names`` maps logical names (``persons``, ``families``, each source) to file names.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31 + 1,)))
    persons_path = data_dir / f"{file_names['persons']}.parquet"
    persons = pq.read_table(persons_path).to_pandas(date_as_object=True)
    families = set(pq.read_table(data_dir / f"{file_names['families']}.parquet", columns=["family_id"]).column(0).to_pylist())
    person_ids = set(persons["person_id"])
    records = []

    def mutate_person(df: pd.DataFrame, row: int, kind: str) -> None:
        if kind == "unknown_code:sex":
            df.loc[row, "sex"] = "Q"
        elif kind == "out_of_range:birth_month":
            df.loc[row, "birth_month"] = 13
        elif kind == "unknown_reference:family_id":
            df.loc[row, "family_id"] = _fresh_ids(rng, 1, families)[0]

    per_kind = max(1, int(rate * len(persons)))
    new_persons, faults = _apply(persons, PERSON_FAULTS, per_kind, rng, mutate_person)
    pq.write_table(pa.Table.from_pandas(new_persons, schema=pq.read_schema(persons_path), preserve_index=False), persons_path)
    records += [(file_names["persons"], row, kind, persons.loc[orig, "person_id"]) for row, kind, orig in faults]

    def mutate_event(df: pd.DataFrame, row: int, kind: str) -> None:
        if kind == "unknown_code:event_type":
            df.loc[row, "event_type"] = "legacy_code_99"
        elif kind == "missing_value:event_date":
            df.loc[row, "event_date"] = None
        elif kind == "missing_value:person_id":
            df.loc[row, "person_id"] = None
        elif kind == "out_of_range:event_date":
            df.loc[row, "event_date"] = dt.date(1899, 12, 31)
        elif kind == "recorded_before_event":
            df.loc[row, "recorded_date"] = df.loc[row, "event_date"] - dt.timedelta(days=30)
        elif kind == "unknown_reference:person_id":
            df.loc[row, "person_id"] = _fresh_ids(rng, 1, person_ids)[0]

    sources = [n for n in file_names if n not in ("areas", "families", "persons", "objections", "engagements")]
    for source in sources:
        name = file_names[source]
        path = data_dir / f"{name}.parquet"
        schema = pq.read_schema(path)
        df = pq.read_table(path).to_pandas(date_as_object=True)
        if source == STRAY_IDENTIFIER_FILE:
            df["postcode"] = _fake_postcodes(rng, len(df))
            pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
            records.append((name, 0, "identifier_column:postcode", None))
            continue
        new, faults = _apply(df, EVENT_FAULTS, max(1, int(rate * len(df))), rng, mutate_event)
        pq.write_table(pa.Table.from_pandas(new, schema=schema, preserve_index=False), path)
        records += [(name, row, kind, None) for row, kind, _ in faults]
    out = pd.DataFrame(records, columns=["file", "row", "rule", "person_id"])
    out.to_csv(data_dir / "truth" / "injected_faults.csv", index=False)
    return out
