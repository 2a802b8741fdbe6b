"""`placerisk feedback`, then the next week's lists, end to end on the small synthetic population of the score tests."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from placerisk.cli import main

from .test_score import AS_OF, NEXT, _teams

pytestmark = pytest.mark.slow
COLUMNS = ["family_id", "week", "decision", "reason_code", "partner", "role", "decided", "note"]


def _listed(tmp, week=AS_OF):
    return pd.concat(_teams(tmp / "out" / "lists" / week).values(), ignore_index=True)


def _write(path, rows):
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    return path


def _store(tmp):
    path = tmp / "out" / "feedback" / "decisions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_notes_holding_identifiers_refuse_the_file_without_echoing_them(scored, capsys):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    f = _listed(tmp)["Family (pseudonymous id)"].tolist()
    secrets = ["9434765919", "SW1A 1AA", "07700 900123", "someone@example.org"]  # a valid NHS number, a postcode, a phone, an email
    rows = [(f[0], AS_OF, "engaged", "offer_taken", "", "key worker", AS_OF, "fine")]
    rows += [(f[i + 1], AS_OF, "declined", "no_thanks", "", "key worker", AS_OF, f"rang, see {s}") for i, s in enumerate(secrets)]
    capsys.readouterr()
    assert main(["feedback", "--config", str(config), "--file", str(_write(tmp / "fb.csv", rows))]) == 1
    err = capsys.readouterr().err
    for row, kind in zip((3, 4, 5, 6), ("an NHS number", "a postcode", "a phone number", "an email address"), strict=True):
        assert f"row {row}, column 'note': holds {kind}" in err
    assert not [s for s in secrets if s in err] and "row 2" not in err
    assert _store(tmp) == [] and not (tmp / "out" / "feedback" / "quarantine").exists()  # nothing stored, nothing quarantined


def test_the_next_list_honours_the_decisions_and_the_store_keeps_what_was_superseded(scored, capsys):
    tmp, config = scored
    assert main(["score", "--config", str(config), "--as-of", AS_OF]) == 0
    listed = _listed(tmp)
    f = listed["Family (pseudonymous id)"].tolist()
    first = _write(tmp / "first.csv", [
        (f[0], AS_OF, "engaged", "offer_taken", "", "Key worker", AS_OF, "met at the school"),
        (f[1], AS_OF, "declined", "no_thanks", "", "social worker", AS_OF, ""),
        (f[2], AS_OF, "data_wrong", "wrong_person", "police", "team manager", AS_OF, ""),
        (f[3], AS_OF, "engaged", "offer_taken", "", "key worker", AS_OF, ""),        # superseded by the second file
        (f[4], AS_OF, "no_contact", "no_answer", "", "key worker", AS_OF, ""),
        (f[5], AS_OF, "maybe", "x", "", "Jane Smith", AS_OF, ""),                      # quarantined: decision and role
        ("not-a-listed-family", AS_OF, "engaged", "x", "", "key worker", AS_OF, ""),   # quarantined: not on the list
    ])
    assert main(["feedback", "--config", str(config), "--file", str(first)]) == 0
    out = capsys.readouterr().out
    assert "5 stored" in out and "2 quarantined" in out and "got 'maybe'" in out and "not a configured role" in out
    assert "Jane Smith" not in out
    quarantine = next((tmp / "out" / "feedback" / "quarantine").glob("*.csv"))
    assert pd.read_csv(quarantine)["row"].tolist() == [7, 8]
    police = next((tmp / "out" / "feedback" / "to_partners" / "police").glob("*.csv"))
    assert pd.read_csv(police, dtype=str)["family_id"].tolist() == [f[2]]
    second = _write(tmp / "second.csv", [(f[3], AS_OF, "declined", "changed_mind", "", "key worker", NEXT, "")])
    assert main(["feedback", "--config", str(config), "--file", str(second)]) == 0
    assert main(["feedback", "--config", str(config), "--file", str(second)]) == 2  # the same file twice
    assert "already ingested" in capsys.readouterr().err
    store = _store(tmp)
    assert [r["decision"] for r in store if r["family_id"] == f[3]] == ["engaged", "declined"]  # both kept
    assert main(["score", "--config", str(config), "--as-of", NEXT]) == 0
    folder = tmp / "out" / "lists" / NEXT
    now = set(_listed(tmp, NEXT)["Family (pseudonymous id)"])
    supported = pd.concat([pd.read_csv(p, dtype=str) for p in (folder / "teams").glob("*/supported.csv")]).set_index("Family (pseudonymous id)")
    held = pd.concat([pd.read_csv(p, dtype=str) for p in (folder / "teams").glob("*/held.csv")]).set_index("Family (pseudonymous id)")
    assert supported.at[f[0], "Why"] == f"engaged after the list of {AS_OF} (practitioner feedback)" and f[0] not in now
    assert held.at[f[1], "Why held"].startswith("held until 2026-03-30: declined by the family")  # 12 weeks after the week
    assert held.at[f[2], "Why held"] == f"held until the next validated extract: data wrong (list of {AS_OF}), reported to police"
    assert held.at[f[3], "Why held"].startswith("held until") and f[3] not in supported.index  # the later decision counts
    assert not {f[1], f[2], f[3]} & now
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["feedback"]["held"] == 3 and manifest["feedback"]["engaged"] == 1 and manifest["feedback"]["store_sha256"]
    left = pd.concat([pd.read_csv(p, dtype=str) for p in (folder / "teams").glob("*/left.csv")]).set_index("Family (pseudonymous id)")
    assert left.at[f[1], "Why they left the list"] == held.at[f[1], "Why held"]
