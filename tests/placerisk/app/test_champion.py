"""``app.champion``: signs that the data no longer fits the champion's definitions, from the registered events and the report."""

from __future__ import annotations

import datetime as dt

import duckdb

from placerisk.app.champion import data_warnings
from placerisk.features import EventType, FeatureSet


def _events(rows):
    con = duckdb.connect()
    con.execute("CREATE TABLE events (person_id VARCHAR, event VARCHAR, event_date DATE, recorded_date DATE)")
    con.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
    return con


FS = FeatureSet(event_types=(EventType("police", "asb", "ASB"), EventType("police", "weapon", "Weapon"),
                             EventType("police", "missing", "Missing"), EventType("housing", "arrears", "Arrears")))


def test_a_code_gone_quiet_while_its_partner_records_continue_is_warned_about():
    con = _events([("p1", "police.asb", dt.date(2026, 2, 1), dt.date(2026, 2, 3)),
                   ("p2", "police.weapon", dt.date(2024, 5, 1), dt.date(2024, 5, 2)),   # then nothing: renamed?
                   ("p3", "housing.arrears", dt.date(2023, 1, 1), dt.date(2023, 1, 9)),  # the whole source is quiet: not a code change
                   ("p4", "police.weapon", dt.date(2026, 6, 1), dt.date(2026, 6, 2))])  # after the as-of date: not known then
    got = data_warnings(lambda sql: con.sql(sql).to_arrow_table(), FS, {"files": []}, dt.date(2026, 3, 30))
    assert got == ["police.weapon: no record since 2024-05-02, while police records continue: a partner may have changed or stopped "
                   "this code; check the extract and the config's event types, and retrain if it changed",
                   "police.missing: no record at all, while police records continue: a partner may have changed or stopped this code; "
                   "check the extract and the config's event types, and retrain if it changed"]


def test_rows_quarantined_for_an_unknown_event_type_are_warned_about_and_a_fitting_extract_gives_nothing():
    con = _events([("p1", f"police.{code}", dt.date(2026, 2, 1), dt.date(2026, 2, 3)) for code in ("asb", "weapon", "missing")])
    report = {"files": [{"name": "police", "reasons": {"unknown_code:event_type": 1234}}, {"name": "housing", "reasons": {}}]}
    assert data_warnings(lambda sql: con.sql(sql).to_arrow_table(), FS, report, dt.date(2026, 3, 30)) == [
        "police: 1,234 row(s) quarantined with an event type the config does not know: a partner may have added or renamed a code; "
        "add it to the config's event types and retrain"]
    assert data_warnings(lambda sql: con.sql(sql).to_arrow_table(), FS, {"files": []}, dt.date(2026, 3, 30)) == []
