"""Register validated extracts on DuckDB as the feature engine's input relations.

Only rows that passed their contract reach a feature: each file is read as it
was validated, typed the same way, and its quarantined rows are removed by row
number. A file whose bytes changed since validation (its SHA-256, not only its
size and time) is refused, so the report and the features always describe the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from placerisk.app.catalog import ValidationPaths
from placerisk.config import Config
from placerisk.datatools.contracts.checks import SQL_TYPES, literal, quote, typed_select
from placerisk.datatools.contracts.schema import FileContract, contracts_for, contracts_hash
from placerisk.datatools.contracts.engine import ROW, CheckEngine, DuckDBChecks
from placerisk.datatools.contracts.validate import NOT_SUPPLIED, file_fingerprint
from placerisk.errors import DataError


def load_validation(validation: ValidationPaths, data_dir: Path, config: Config) -> dict:
    """The validation report for ``data_dir``; DataError unless it passed, under the same contracts, on unchanged files."""
    path = validation.report_json
    if not path.exists():
        raise DataError(f"no validation report at '{path}': run `placerisk validate --data {data_dir}` first")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        report["passed"], report["data_dir"], report["contracts_hash"], report["checked_at"]  # noqa: B018 - what is read below
        named = {f["name"] for f in report["files"]}
        for f in report["files"]:
            if f["status"] not in ("refused", NOT_SUPPLIED):
                f["path"], f["fingerprint"]["bytes"], f["fingerprint"]["sha256"]  # noqa: B018
        absent = sorted({c.name for c in contracts_for(config)} - named)
        if absent:
            raise KeyError(f"no result for {', '.join(absent)}")
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as err:
        raise DataError(f"the validation report '{path}' is damaged or incomplete ({type(err).__name__}): "
                        f"run `placerisk validate --data {data_dir} --overwrite` again") from None
    if report.get("contracts_hash") != contracts_hash(contracts_for(config)):
        raise DataError(f"the data contracts in the config changed since '{path}' was written (sources, codes, teams or files): run `placerisk validate` again")
    if Path(report["data_dir"]).resolve() != data_dir.resolve():
        raise DataError(f"the report at '{path}' is for '{report['data_dir']}', not '{data_dir}': validate this folder first")
    if not report["passed"]:
        refused = [f["name"] for f in report["files"] if f["status"] == "refused"]
        raise DataError(f"validation of '{data_dir}' failed (refused: {', '.join(refused)}); fix the extracts and validate again")
    v = config.validation
    now = {"max_bad_row_share": v.max_bad_row_share, "identifier_sample_rows": v.identifier_sample_rows, "min_event_rows": v.min_event_rows}
    if report.get("settings") != now:
        raise DataError(f"'{path}' was judged under other validation settings ({report.get('settings')}) than the config's ({now}): "
                        f"run `placerisk validate --data {data_dir} --overwrite` again")
    for f in report["files"]:
        if f["status"] == NOT_SUPPLIED:
            arrived = [p for p in (data_dir / f"{f['name']}.parquet", data_dir / f"{f['name']}.csv") if p.exists()]
            if arrived:
                raise DataError(f"'{arrived[0]}' was not there when '{data_dir}' was validated: run `placerisk validate` again")
            continue
        if f.get("quarantine") and (not Path(f["quarantine"]).is_file()
                                    or file_fingerprint(Path(f["quarantine"]))["sha256"] != f.get("quarantine_sha256")):
            raise DataError(f"the quarantine file '{f['quarantine']}' is missing or changed since validation, so its bad rows cannot be "
                            f"kept out: run `placerisk validate --data {data_dir} --overwrite` again")
        if not Path(f["path"]).exists():
            raise DataError(f"'{f['path']}' was validated but is no longer there: restore it or validate again")
        then = f["fingerprint"]
        same_size = Path(f["path"]).stat().st_size == then["bytes"]
        if not same_size or file_fingerprint(Path(f["path"]))["sha256"] != then["sha256"]:  # the bytes, not the size and time
            raise DataError(f"'{f['path']}' changed since it was validated at {report['checked_at']}: run `placerisk validate` again")
    return report


def data_fingerprint(report: dict) -> str:
    """One hash over the content of every validated file."""
    content = sorted((f["name"], f["fingerprint"]["sha256"] if f.get("fingerprint") else f["status"]) for f in report["files"])
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()[:16]


def _accepted_view(target: CheckEngine, contract: FileContract, result: dict) -> str:
    """A view of the rows of one file that passed its contract, typed as in validation."""
    source = f"src_{contract.name}"
    types = target.register(Path(result["path"]), source)
    names = ", ".join(f"s.{quote(c.name)}" for c in contract.columns)
    sql = f"SELECT {names} FROM (SELECT {ROW}, {typed_select(contract.columns, types)} FROM {quote(source)}) s"
    if result.get("quarantine"):  # the rows validation quarantined, by row number
        quarantined = f"q_{contract.name}"
        target.register(Path(result["quarantine"]), quarantined)
        sql += f" LEFT JOIN {quote(quarantined)} q ON s.{ROW} = q.row WHERE q.row IS NULL"
    view = f"ok_{contract.name}"
    target.view(view, sql)
    return view


def _empty_view(target: CheckEngine, contract: FileContract) -> str:
    """An optional file that was not supplied: a view with its typed columns and no rows."""
    cols = ", ".join(f"CAST(NULL AS {SQL_TYPES[c.type]}) AS {quote(c.name)}" for c in contract.columns)
    view = f"ok_{contract.name}"
    target.view(view, f"SELECT {cols} WHERE FALSE")
    return view


def register_views(target: CheckEngine, config: Config, report: dict) -> None:
    """Create ``persons``, ``families``, ``areas``, ``events``, ``objections`` and ``engagements`` on ``target``'s engine."""
    results = {f["name"]: f for f in report["files"]}
    views = {c.name: _accepted_view(target, c, results[c.name]) if results[c.name]["status"] != NOT_SUPPLIED else _empty_view(target, c)
             for c in contracts_for(config)}
    pop = config.population
    target.view("persons", f"SELECT * FROM {quote(views[pop.persons])}")
    target.view("families", f"SELECT * FROM {quote(views[pop.families])}")
    target.view("areas", f"SELECT * FROM {quote(views[pop.areas])}")
    target.view("objections", f"SELECT family_id, person_id FROM {quote(views[pop.objections])}")
    target.view("engagements", f"SELECT family_id, started, ended, team, service FROM {quote(views[pop.engagements])}")
    parts = [
        f"SELECT person_id, {literal(src + '.')} || event_type AS event, event_date, {known_date(s.joined)} AS recorded_date "
        f"FROM {quote(views[s.file])}"
        for src, s in config.sources.items()
    ]
    target.view("events", " UNION ALL ".join(parts))


def known_date(joined: dt.date | None) -> str:
    """The date placerisk could first know a record: the partner's recorded date, or the day the partner joined the
    data-sharing agreement when that is later (history shared at joining is known from then, never before)."""
    if joined is None:
        return "recorded_date"
    day = f"DATE '{joined.isoformat()}'"
    return f"CASE WHEN recorded_date < {day} THEN {day} ELSE recorded_date END"


def data_span(target: CheckEngine, config: Config) -> tuple[dt.date | None, dt.date]:
    """The earliest event date and the data's end (``data.extract_date``, else the latest recorded date), in one pass."""
    first, latest = target.rows("SELECT min(event_date), max(recorded_date) FROM events")[0]
    if config.data.extract_date:
        return first, config.data.extract_date
    if latest is None:
        raise DataError("the extracts hold no events, so the data's end is unknown: set data.extract_date in the config")
    return first, latest


def register_inputs(con: duckdb.DuckDBPyConnection, config: Config, report: dict) -> tuple[dt.date | None, dt.date]:
    """`register_views` on the DuckDB connection ``con``; returns `data_span`."""
    target = DuckDBChecks(con)
    register_views(target, config, report)
    return data_span(target, config)


@contextmanager
def engine(config: Config, report: dict, *, span: bool = True) -> Iterator[tuple[duckdb.DuckDBPyConnection, dt.date | None, dt.date | None]]:
    """A configured DuckDB connection with the validated inputs registered, spilling to a private
    temporary folder; yields ``(con, first event date, data end)`` and cleans up after. Without
    ``span`` the two dates are None and the events are not read (another engine reads them)."""
    with tempfile.TemporaryDirectory(prefix="placerisk-spill-") as spill:
        con = duckdb.connect()
        try:
            config.engine.configure(con)
            con.execute(f"SET temp_directory = '{spill}'")
            if span:
                first_event, data_end = register_inputs(con, config, report)
            else:
                register_views(DuckDBChecks(con), config, report)
                first_event = data_end = None
            yield con, first_event, data_end
        finally:
            con.close()
