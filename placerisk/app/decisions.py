"""The append-only decisions log: every approval, rejection and alias change, with who, when and why."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path

from placerisk.errors import DataError


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def append(path: Path, record: dict) -> dict:
    """Add one JSON line; earlier lines are never rewritten."""
    record = {"at": now(), "by": record.get("by") or getpass.getuser(), **{k: v for k, v in record.items() if k != "by"}}
    append_lines(path, [record])
    return record


def append_lines(path: Path, records: list[dict]) -> None:
    """Add the records as JSON lines in one write (each must carry its own ``at``); earlier lines are never rewritten."""
    if not records:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as fh:
        fh.seek(0, 2)
        if fh.tell():  # a line cut short (a crash, a hand edit) must not swallow these records: start them on their own line
            fh.seek(-1, 2)
            lead = b"" if fh.read(1) == b"\n" else b"\n"
        else:
            lead = b""
        fh.write(lead + "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode("utf-8"))


def read(path: Path) -> list[dict]:
    """Every record; DataError naming the line when one is not a record (the log is never rewritten: fix it by hand)."""
    if not path.exists():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            ok = isinstance(record, dict) and isinstance(record.get("at"), str) and dt.datetime.fromisoformat(record["at"]).tzinfo
        except (json.JSONDecodeError, ValueError):
            ok = False
        if not ok:
            raise DataError(f"'{path}' line {number}: got {line[:60]!r}; expected one JSON record with an 'at' time (UTC) per line, "
                            "as placerisk writes them: the log was damaged, restore the line from a backup")
        out.append(record)
    return out


def holder_on(records: list[dict], model: str, alias: str, when: dt.datetime) -> str | None:
    """The version that held ``alias`` of ``model`` at ``when`` (UTC), from the log's alias changes."""
    change = _last_change(records, model, alias, when)
    return None if change is None else change.get("version")


def champion_on(records: list[dict], model: str, when: dt.datetime) -> dict | None:
    """The alias change that made the champion of ``model`` at ``when``: version, by whom, why, accepted
    findings and mitigation; None when there was no champion then."""
    change = _last_change(records, model, "champion", when)
    return change if change is not None and change.get("version") else None


def _last_change(records: list[dict], model: str, alias: str, when: dt.datetime) -> dict | None:
    found = None
    for r in records:
        same = r.get("event") == "alias" and r.get("model") == model and r.get("alias") == alias
        if same and dt.datetime.fromisoformat(r["at"]) <= when:
            found = r
    return found
