"""Practitioner feedback in: a file checked like any extract, its good rows appended to the store, bad rows quarantined.

The contract (``docs/feedback.md`` is its readable version) is :data:`COLUMNS`. A file is refused
whole, with nothing stored, when any cell holds a direct identifier (an NHS number, a postcode, a
phone number, an email address, a date of birth): the message names the row and column and the
kind, never the value. Otherwise every row that breaks the contract is quarantined with its
reasons (row, column, value, what was expected; a note's text is never repeated), and the others
are appended to the store with the family's team and band on that week's list and the data that
list was built on. The same file is never ingested twice.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from placerisk.app import published
from placerisk.app.catalog import Catalog
from placerisk.app.decisions import append_lines, now
from placerisk.app.decisions import read as read_lines
from placerisk.config import Config
from placerisk.datatools.privacy.cells import cell_text, identifier_cells
from placerisk.datatools.tables import display_row, read_frame
from placerisk.errors import DataError
from placerisk.scoring.feedback import COLUMNS as STORED
from placerisk.scoring.feedback import DECISIONS

COLUMNS = {
    "family_id": "the pseudonymous family id, as on the list",
    "week": "the as-of date of the published list the family was on (YYYY-MM-DD)",
    "decision": "one of " + ", ".join(DECISIONS),
    "reason_code": "a short code for the reason (letters, digits, '_' or '-', up to 40), never free text",
    "partner": "with data_wrong: the partner whose data was wrong (a configured source, or the council's families or persons file)",
    "role": "the practitioner's role (one of feedback.roles), never a name",
    "decided": "when the decision was made (YYYY-MM-DD), on or after the week, not in the future",
    "note": "optional free text, up to feedback.max_note_chars characters, with no identifiers",
}
REQUIRED = ("family_id", "week", "decision", "reason_code", "role", "decided")
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Refused(DataError):
    """The whole file is refused (identifiers in it): the command exits 1, as a refused extract does."""


@dataclass
class Ingested:
    path: Path
    batch: str
    rows: int
    accepted: pd.DataFrame                       # as stored
    quarantined: pd.DataFrame                    # row, column, reason, then the row as sent
    partner_reports: dict[str, Path] = field(default_factory=dict)
    quarantine: Path | None = None
    ignored: list[str] = field(default_factory=list)  # columns not in the contract: never stored


def _roles(config: Config) -> dict[str, str]:
    """The configured roles by their case-folded spelling."""
    return {r.casefold(): r for r in config.feedback.roles}


def _partners(config: Config) -> dict[str, str]:
    """Whose data can be reported wrong (the sources, the council's families and persons files), by case-folded spelling."""
    return {p.casefold(): p for p in [*config.sources, config.population.families, config.population.persons]}


def _date(text) -> dt.date | None:
    """A YYYY-MM-DD date, else None (no other ISO spelling: 20260105 and 2026-W02-1 are refused)."""
    text = str(text).strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def check_rows(frame: pd.DataFrame, path: Path, config: Config, lists: dict[dt.date, pd.DataFrame], today: dt.date) -> list[list[tuple[str, str]]]:
    """Per row, its problems as ``(column, reason)``; empty for a good row. ``lists``: each published week's listed families.

    ``frame``: as :func:`read` returns it (every cell text, ``frame.attrs["several"]`` the cells that held a list)."""
    roles, partners = _roles(config), _partners(config)
    several = frame.attrs.get("several", set())
    problems = []
    for i, row in enumerate(frame.to_dict("records")):
        bad: list[tuple[str, str]] = [(c, "got several values in one cell; expected one value") for c in COLUMNS if (i, c) in several]
        value = {c: (row.get(c) or "").strip() for c in COLUMNS}
        for c in REQUIRED:
            if not value[c]:
                bad.append((c, f"empty; expected {COLUMNS[c]}"))
        week, decided = _date(value["week"]), _date(value["decided"])
        if value["week"] and week is None:
            bad.append(("week", f"got {value['week'][:40]!r}; expected a date (YYYY-MM-DD)"))
        elif week is not None and week not in lists:
            shown = ", ".join(d.isoformat() for d in sorted(lists)[-3:]) or "none yet"
            bad.append(("week", f"got {week.isoformat()}; expected the as-of date of a published list (latest: {shown})"))
        elif week is not None and value["family_id"] and value["family_id"] not in lists[week].index:
            bad.append(("family_id", f"got {value['family_id'][:40]!r}; expected a family on the lists published for {week.isoformat()}"))
        if value["decision"] and value["decision"].casefold() not in DECISIONS:
            bad.append(("decision", f"got {value['decision'][:40]!r}; expected one of {', '.join(DECISIONS)}"))
        if value["reason_code"] and not _CODE.fullmatch(value["reason_code"].casefold()):
            bad.append(("reason_code", f"got {value['reason_code'][:40]!r}; expected {COLUMNS['reason_code']}"))
        if value["partner"].casefold() not in partners and (value["partner"] or value["decision"].casefold() == "data_wrong"):
            shown = repr(value["partner"][:40]) if value["partner"] else "nothing"
            bad.append(("partner", f"got {shown}; expected {'with data_wrong ' if not value['partner'] else ''}one of {', '.join(partners.values())}"))
        if value["role"] and value["role"].casefold() not in roles:
            bad.append(("role", f"got a value that is not a configured role (not shown: it may be a name); expected one of feedback.roles "
                                f"({', '.join(config.feedback.roles)})"))
        if value["decided"] and decided is None:
            bad.append(("decided", f"got {value['decided'][:40]!r}; expected a date (YYYY-MM-DD)"))
        elif decided is not None and (decided > today or (week is not None and decided < week)):
            bad.append(("decided", f"got {decided.isoformat()}; expected a date from the week ({value['week']}) to today ({today.isoformat()})"))
        if len(value["note"]) > config.feedback.max_note_chars:
            bad.append(("note", f"got {len(value['note']):,} characters (not shown); expected at most {config.feedback.max_note_chars:,} "
                                "(feedback.max_note_chars)"))
        problems.append(bad)
    return problems


def record_lines(path: Path) -> list[int] | None:
    """The line each CSV record starts on (blank lines skipped; a quoted note may span lines), so a reason names the line a
    person sees in an editor; DataError naming the line of a record with more or fewer fields than the header (never its
    text). None for Parquet, or a file that is not UTF-8 (the reader then says so)."""
    import csv

    if path.suffix != ".csv" or not path.is_file():
        return None
    starts, width, previous = [], None, 0
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            for record in reader:
                start, previous = previous + 1, reader.line_num
                if not record:
                    continue
                if width is None:
                    width = len(record)
                    continue
                if len(record) != width:
                    raise DataError(f"'{path}' line {start}: {len(record)} fields; expected {width}, as in the header (a missing or extra "
                                    "comma, or an unclosed quote?); nothing was stored")
                starts.append(start)
    except (UnicodeDecodeError, csv.Error):
        return None
    return starts


def row_number(frame: pd.DataFrame, path: Path, i: int) -> int:
    """The number a person sees for the row at position ``i``: its line in a CSV, its position from 1 in Parquet."""
    lines = frame.attrs.get("lines")
    return lines[i] if lines and len(lines) == len(frame) else display_row(path, i)


def read(path: Path) -> pd.DataFrame:
    """The feedback file with every cell as text (or None); DataError when it cannot be read, repeats a column or lacks one.

    ``attrs["several"]``: the ``(row, column)`` cells that held a list of values; ``attrs["ignored"]``: columns not in the contract."""
    lines = record_lines(path)
    frame = read_frame(path)
    repeated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if repeated:
        raise DataError(f"'{path}' has the column(s) {', '.join(repeated)} more than once: expected each column once")
    several, texts = set(), {}
    for column in frame.columns:
        cells = []
        for i, v in enumerate(frame[column].tolist()):
            text, single = cell_text(v)
            cells.append(text)
            if not single:
                several.add((i, str(column)))
        texts[str(column)] = cells
    frame = pd.DataFrame(texts, columns=[str(c) for c in frame.columns], dtype=object)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        got = ", ".join(repr(c) for c in frame.columns[:12]) or "none"
        raise DataError(f"'{path}' is missing column(s) {', '.join(missing)}: got {got}; expected {', '.join(COLUMNS)} (see docs/feedback.md)")
    ignored = [c for c in frame.columns if c not in COLUMNS]
    for c in COLUMNS:
        if c not in frame.columns:
            frame[c] = None
    frame.attrs["several"], frame.attrs["ignored"], frame.attrs["lines"] = several, ignored, lines
    return frame


def _conflicts(frame: pd.DataFrame, problems: list[list[tuple[str, str]]], path: Path) -> None:
    """Rows of one file giving different decisions for the same family, week and date: each is quarantined (send one)."""
    keys = pd.DataFrame({"f": frame["family_id"].fillna("").str.strip(), "w": frame["week"].fillna("").str.strip(),
                         "d": frame["decided"].fillna("").str.strip(), "x": frame["decision"].fillna("").str.strip().str.casefold()})
    ok = np.array([not p for p in problems], dtype=bool)
    for _, part in keys[ok].groupby(["f", "w", "d"]):
        if part["x"].nunique() > 1:
            for i in part.index:
                problems[i].append(("decision", f"rows {', '.join(str(row_number(frame, path, j)) for j in part.index)} give different decisions for this family "
                                                "and week on the same date; expected one (send the one that stands)"))


def ingest(config: Config, path: Path, *, today: dt.date | None = None) -> Ingested:
    """Check ``path`` and append its good rows to the store; DataError (nothing stored) for identifiers or a repeated file."""
    catalog = Catalog(config)
    frame = read(path)  # refuses a missing, unreadable or malformed file first
    batch = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    found = identifier_cells(frame, lambda i: row_number(frame, path, i))
    if found:
        more = f"; and {len(found) - 10} more" if len(found) > 10 else ""
        raise Refused(f"'{path}' is refused and nothing was stored: {'; '.join(found[:10])}{more}. Feedback must carry no direct "
                        "identifiers: remove them (the family is known by its pseudonymous id) and send the file again")
    store = read_store(catalog.feedback_store)
    if not store.empty and (store["batch"] == batch).any():
        when = store.loc[store["batch"] == batch, "at"].iloc[0]
        raise DataError(f"'{path}' was already ingested at {when} (same content, batch {batch}); nothing was added again")
    today = today or dt.datetime.now(dt.UTC).date()
    weeks = published.weeks(catalog)
    lists = {w: published.listed(catalog, w).set_index("family_id") for w in weeks}
    problems = check_rows(frame, path, config, lists, today)
    _conflicts(frame, problems, path)
    good = [i for i, p in enumerate(problems) if not p]
    stamp = f"{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%S.%fZ')}-{batch}"
    fingerprints = {w: published.manifest(catalog, w).get("data", {}).get("data_fingerprint") for w in weeks}
    roles, partners = _roles(config), _partners(config)
    records = []
    for i in good:
        row = frame.iloc[i]
        week = _date(row["week"])
        on_list = lists[week].loc[str(row["family_id"]).strip()]
        decision = str(row["decision"]).strip().casefold()
        records.append({"family_id": str(row["family_id"]).strip(), "week": week.isoformat(), "team": str(on_list["team"]),
                        "band": int(on_list["band"]), "decision": decision, "reason_code": str(row["reason_code"]).strip().casefold(),
                        "partner": partners.get(str(row["partner"] or "").strip().casefold()),
                        "role": roles[str(row["role"]).strip().casefold()], "decided": _date(row["decided"]).isoformat(),
                        "note": None if row["note"] is None or not str(row["note"]).strip() else str(row["note"]).strip(),
                        "data_fingerprint": fingerprints[week], "batch": batch, "file": str(path.resolve()), "row": row_number(frame, path, i)})
    bad = [(row_number(frame, path, i), c, r) for i, p in enumerate(problems) for c, r in p]
    result = Ingested(path, batch, len(frame), pd.DataFrame(records), pd.DataFrame(bad, columns=["row", "column", "reason"]),
                      ignored=list(frame.attrs["ignored"]))
    if bad:
        result.quarantine = catalog.feedback_quarantine(stamp)
        rows = frame.iloc[[i for i, p in enumerate(problems) if p]].reset_index(drop=True)
        rows = rows.map(lambda v: f"<withheld: {len(v):,} characters>" if isinstance(v, str) and len(v) > config.feedback.max_note_chars else v)
        table = pd.DataFrame({"row": [row_number(frame, path, i) for i, p in enumerate(problems) if p],
                              "reasons": ["; ".join(f"{c}: {r}" for c, r in p) for p in problems if p]})
        _write_new(result.quarantine, pd.concat([table, rows], axis=1).to_csv(index=False))
    _append(catalog.feedback_store, records)
    wrong = [r for r in records if r["decision"] == "data_wrong"]
    for partner, part in pd.DataFrame(wrong, columns=STORED).groupby("partner"):
        target = catalog.partner_report(str(partner), stamp)
        _write_new(target, part[["family_id", "week", "reason_code", "decided", "role"]].to_csv(index=False))
        result.partner_reports[str(partner)] = target
    return result


def _append(store: Path, records: list[dict]) -> None:
    """Append the records with their arrival time and who ran the ingest, in one write."""
    at, by = now(), getpass.getuser()
    append_lines(store, [{"at": at, "ingested_by": by, **r} for r in records])


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as fh:  # a new file each time: nothing published is written over
        fh.write(text)


def read_store(path: Path) -> pd.DataFrame:
    """Every stored decision in store order (``scoring.feedback.COLUMNS``); DataError naming a damaged line."""
    return pd.DataFrame(read_lines(path), columns=[*STORED, "ingested_by", "file"])


def store_hash(path: Path) -> str | None:
    """The store's content hash (an input of every weekly run), None when there is no feedback yet."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else None
