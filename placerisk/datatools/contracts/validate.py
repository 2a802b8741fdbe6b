"""Check every extract against its contract; quarantine bad rows with their reasons."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from placerisk.datatools.contracts.checks import (
    checked_sql,
    key_name,
    literal,
    quote,
    typed_select,
)
from placerisk.datatools.contracts.engine import ROW, CheckEngine, DuckDBChecks, ReservedColumn, Unreadable
from placerisk.datatools.contracts.explain import explain
from placerisk.datatools.contracts.schema import FileContract, contracts_hash
from placerisk.datatools.privacy import find_identifiers, is_birth_column, judge_column, looks_like_identifier, prefilter_for
from placerisk.datatools.tables import separator_hint

Status = Literal["accepted", "accepted_with_quarantine", "not supplied", "refused"]
NOT_SUPPLIED: Status = "not supplied"  # an optional file (engagements) absent when validated
EXAMPLES_PER_FILE = 20
SCAN_DISTINCT_LIMIT = 100_000  # distinct candidate values judged per column (beyond: row counts are lower bounds)
SMALL_SHARE = 1 / 500  # an event source below this share of the other sources' rows per family is refused ...
SMALL_MIN_ROWS = 10    # ... when that bound is at least this many rows (small extracts are never judged on noise)
_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
SAMPLE_MULTIPLIER, SAMPLE_MODULUS = 40503, 1000003  # the identifier sample's order: the same rows on every engine


@dataclass
class FileResult:
    name: str
    path: str | None
    status: Status = "accepted"
    rows: int = 0
    bad_rows: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)   # why the file was refused
    warnings: list[str] = field(default_factory=list)
    examples: list[dict[str, object]] = field(default_factory=list)
    quarantine: str | None = None
    quarantine_sha256: str | None = None          # of the quarantine file as written: its rows are what `features` removes
    fingerprint: dict[str, object] | None = None  # bytes, mtime_ns and sha256 of the file as checked

    @property
    def bad_share(self) -> float:
        return self.bad_rows / self.rows if self.rows else 0.0


@dataclass
class ValidationReport:
    data_dir: str
    out_dir: str
    checked_at: str
    seconds: float
    files: list[FileResult]
    contracts_hash: str = ""
    settings: dict[str, object] = field(default_factory=dict)  # the thresholds it was judged by

    @property
    def passed(self) -> bool:
        return all(f.status != "refused" for f in self.files)

    def to_dict(self) -> dict[str, object]:
        return {"passed": self.passed, **asdict(self)}


def locate(data_dir: Path, name: str) -> tuple[Path | None, str | None]:
    """The file for a contract (``name.parquet`` or ``name.csv``), or a problem."""
    found = [p for p in (data_dir / f"{name}.parquet", data_dir / f"{name}.csv") if p.exists()]
    if not found:
        return None, f"required file '{name}' not found in '{data_dir}': expected {name}.parquet or {name}.csv"
    if len(found) > 1:
        return None, f"both {found[0].name} and {found[1].name} are in '{data_dir}': expected exactly one file for '{name}'"
    if not found[0].is_file():
        return None, f"'{found[0]}' is a folder; expected the partner's {name} file ({name}.parquet or {name}.csv)"
    return found[0], None


def _guard(engine: CheckEngine, view: str, sample_rows: int, scanned: dict[str, str], columns: list[str]) -> list[str]:
    """Identifier findings, one per column in file order: names and whole columns on a sample, then the full text scan.

    The sample is the rows first in a fixed permutation of row numbers, so every engine (and every run) judges the same rows.
    """
    order = f"({ROW} * {SAMPLE_MULTIPLIER}) % {SAMPLE_MODULUS}, {ROW}"
    sample = engine.frame(f"SELECT {', '.join(map(quote, columns))} FROM {quote(view)} ORDER BY {order} LIMIT {int(sample_rows)}")
    found = {f.column: f for f in find_identifiers(sample)}
    found.update({f.column: f for f in _scan(engine, view, scanned)})  # whole-column row counts beat the sample's
    return [found[c].message() for c in map(str, sample.columns) if c in found]


def _scanned_columns(contract: FileContract, types: dict[str, str]) -> dict[str, str]:
    """The columns the identifier scan reads, each with the SQL for its text.

    Contract text columns except the pseudonymous ids (``*_id``), and every column
    not in the contract: text, whole numbers, floats (whole values only: an NHS
    number saved as 9434765919.0) and, when named like a birth date, dates.
    """
    columns = {c.name: c for c in contract.columns}
    out = {}
    for name, sql_type in types.items():
        q = quote(name)
        if name in columns:
            if columns[name].type == "string" and not name.endswith("_id"):
                out[name] = f"CAST({q} AS VARCHAR)"
        elif sql_type == "VARCHAR" or sql_type in _INTEGER_TYPES:
            out[name] = f"CAST({q} AS VARCHAR)"
        elif sql_type in ("FLOAT", "DOUBLE") or sql_type.startswith("DECIMAL"):
            out[name] = f"CASE WHEN {q} = round({q}) THEN CAST(TRY_CAST({q} AS DECIMAL(38, 0)) AS VARCHAR) END"
        elif (sql_type == "DATE" or sql_type.startswith("TIMESTAMP")) and is_birth_column(name):
            out[name] = f"CAST({q} AS VARCHAR)"
    return out


def _scan(engine: CheckEngine, view: str, text: dict[str, str]):
    """Every row of the columns in ``text``: the RE2 prefilter in SQL, then each distinct kept value judged exactly."""
    if not text:
        return []
    columns = list(text)
    pattern = {c: prefilter_for(c) for c in columns}
    counts = engine.rows("SELECT " + ", ".join(
        f"count({text[c]}), count(*) FILTER (WHERE regexp_matches({text[c]}, {literal(pattern[c])}))" for c in columns
    ) + f" FROM {quote(view)}")[0]
    findings = []
    for i, column in enumerate(columns):
        rows, candidates = counts[2 * i], counts[2 * i + 1]
        if not candidates:
            continue
        counted = engine.rows(
            f"SELECT v, count(*) FROM (SELECT {text[column]} AS v FROM {quote(view)}) "
            f"WHERE regexp_matches(v, {literal(pattern[column])}) GROUP BY v LIMIT {SCAN_DISTINCT_LIMIT + 1}"
        )
        complete = len(counted) <= SCAN_DISTINCT_LIMIT
        finding = judge_column(column, counted[:SCAN_DISTINCT_LIMIT], rows, complete=complete)
        if finding is not None:
            findings.append(finding)
    return findings


def check_file(
    engine: CheckEngine,
    contract: FileContract,
    data_dir: Path,
    quarantine_dir: Path,
    *,
    max_bad_row_share: float,
    identifier_sample_rows: int,
    refused: set[str],
    min_event_rows: int = 1,
) -> FileResult:
    path, problem = locate(data_dir, contract.name)
    result = FileResult(contract.name, str(path) if path else None)
    if problem and contract.optional and path is None and "not found" in problem:
        result.status = NOT_SUPPLIED
        result.warnings.append(f"optional file '{contract.name}' not supplied ({contract.description.split(':')[0].lower()})")
        return result
    if problem:
        return _refuse(result, problem)
    result.fingerprint = file_fingerprint(path)
    blocked = [r.target for r in contract.references if r.target in refused]
    if blocked:
        return _refuse(result, f"not checked: it refers to {', '.join(repr(b) for b in blocked)}, which was refused")
    view = f"src_{contract.name}"
    try:
        types = engine.register(path, view)
    except ReservedColumn:
        return _refuse(result, f"'{path}' has a column named '{ROW}', which is reserved for row numbers: rename it")
    except Unreadable as err:
        return _refuse(result, f"'{path}' could not be read: {err}")
    identifiers = _guard(engine, view, identifier_sample_rows, _scanned_columns(contract, types), list(types))
    if identifiers:
        return _refuse(result, f"'{path}' carries direct identifiers and is refused: " + "; ".join(identifiers))
    missing = [c.name for c in contract.columns if c.name not in types]
    if missing:
        return _refuse(result, f"'{path}' is missing column(s) {', '.join(missing)}: expected {', '.join(contract.column_names)}"
                               + separator_hint(types))
    extra = [c for c in types if c not in contract.column_names]
    if extra:
        result.warnings.append(f"column(s) {', '.join(extra)} not in the contract: ignored (never ingested)")

    result.rows = engine.rows(f"SELECT count(*) FROM {quote(view)}")[0][0]
    if result.rows == 0:
        if contract.kind == "population":
            return _refuse(result, f"'{path}' has no rows: expected at least one (a truncated export?)")
        if contract.kind == "events" and min_event_rows > 0:
            return _refuse(result, f"'{path}' has no rows: expected {contract.event_source} events, at least "
                                   f"{min_event_rows:,} (validation.min_event_rows); a truncated or failed export?")
        result.warnings.append("the file has no rows")
    elif contract.kind == "events" and result.rows < min_event_rows:
        return _refuse(result, f"'{path}' has {result.rows:,} rows: expected at least {min_event_rows:,} "
                               f"{contract.event_source} events (validation.min_event_rows); a truncated or failed export?")
    sql = checked_sql(contract, quote(view), types)
    bad = f"bad_{contract.name}"
    engine.table(bad, f"SELECT * FROM ({sql}) WHERE array_length(_reasons) > 0")
    result.bad_rows = engine.rows(f"SELECT count(*) FROM {quote(bad)}")[0][0]
    result.reasons = dict(engine.rows(f"SELECT r, count(*) FROM (SELECT unnest(_reasons) AS r FROM {quote(bad)}) GROUP BY r ORDER BY r"))
    if contract.key:
        engine.table(
            key_name(contract.name),
            f"SELECT k AS key, bool_or(ok) AS ok FROM (SELECT s.{quote(contract.key)} AS k, b._row IS NULL AS ok "
            f"FROM ({_typed_key_sql(contract, quote(view), types)}) s LEFT JOIN {quote(bad)} b USING (_row)) WHERE k IS NOT NULL GROUP BY k"
        )
    if result.bad_rows:
        result.status = "accepted_with_quarantine"
        result.quarantine = str(quarantine_dir / f"{contract.name}.parquet")
        quarantine_dir.mkdir(parents=True, exist_ok=True)
        raw = ", ".join(f"{quote('_raw_' + c.name)} AS {quote(c.name)}" for c in contract.columns)
        engine.write_parquet(
            f"SELECT _row AS row, _reasons[1] AS rule, array_to_string(_reasons, '; ') AS reasons, {raw} FROM {quote(bad)}",
            Path(result.quarantine), order_by="row",
        )
        result.quarantine_sha256 = str(file_fingerprint(Path(result.quarantine))["sha256"])
        result.examples = _examples(engine, contract, quote(bad), path)
    limit = contract.max_bad_row_share if contract.max_bad_row_share is not None else max_bad_row_share
    if result.rows and result.bad_share > limit:
        _refuse(result, f"{result.bad_rows:,} of {result.rows:,} rows ({result.bad_share:.2%}) failed the contract; the limit is {limit:.2%}")
    return result


def _typed_key_sql(contract: FileContract, view: str, types: dict[str, str]) -> str:
    key = [c for c in contract.columns if c.name == contract.key]
    return f"SELECT _row, {typed_select(key, types)} FROM {view}"


def _examples(engine: CheckEngine, contract: FileContract, bad: str, path: Path) -> list[dict[str, object]]:
    rows = engine.frame(f"SELECT * FROM {bad} ORDER BY _row LIMIT {EXAMPLES_PER_FILE}").to_dict("records")
    out = []
    for row in rows:
        for token in row["_reasons"]:
            column, value, expected = explain(token, contract, row)
            kind = looks_like_identifier(value) if value is not None else None
            if kind:  # never copy what looks like a direct identifier into a report
                value = f"<withheld: looks like {kind.replace('_', ' ')}>"
            out.append({"file": path.name, "row": int(row["_row"]), "column": column, "value": value, "rule": token, "expected": expected})
    return out


def file_fingerprint(path: Path, *, content: bool = True) -> dict[str, object]:
    """Size, modification time and (when ``content``) the SHA-256 of a file."""
    stat = path.stat()
    out: dict[str, object] = {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if content:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        out["sha256"] = digest.hexdigest()
    return out


def _refuse(result: FileResult, problem: str) -> FileResult:
    result.status = "refused"
    result.problems.append(problem)
    return result


def _refuse_implausibly_small(contracts: tuple[FileContract, ...], results: list[FileResult]) -> None:
    """Refuse an event file with far fewer rows per family than the other event files have.

    The bound is `SMALL_SHARE` of the median rows per family of the other event files
    (those that were read and have rows), applied only when it comes to `SMALL_MIN_ROWS`
    rows or more. Nothing refers to an event file, so refusing it here blocks no other file.
    """
    by_name = {r.name: r for r in results}
    families = next((by_name[c.name] for c in contracts if c.kind == "population" and c.key == "family_id"), None)
    if families is None or families.status == "refused" or not families.rows:
        return
    events = [(c, by_name[c.name]) for c in contracts if c.kind == "events"]
    for contract, result in events:
        others = [r.rows / families.rows for c, r in events if c is not contract and r.rows > 0]
        if result.status == "refused" or not others:
            continue
        typical = statistics.median(others)
        bound = SMALL_SHARE * typical * families.rows
        if bound >= SMALL_MIN_ROWS and result.rows < bound:
            _refuse(result, (
                f"'{result.path}' has {result.rows:,} rows for {families.rows:,} families ({result.rows / families.rows:.4f} per family): "
                f"expected at least {math.ceil(bound):,} {contract.event_source} events, 1/{round(1 / SMALL_SHARE)} of the median "
                f"rows per family of the other event files ({typical:.2f}); a truncated or failed export?"))


def validate_extracts(
    contracts: tuple[FileContract, ...],
    data_dir: Path,
    out_dir: Path,
    *,
    max_bad_row_share: float,
    identifier_sample_rows: int,
    memory_limit: str = "4GB",
    threads: int | None = None,
    min_event_rows: int = 1,
    engine: CheckEngine | None = None,
) -> ValidationReport:
    """Check every contract's file in ``data_dir``; quarantine goes to ``out_dir/quarantine``.

    ``min_event_rows``: fewest rows accepted in an event file (``validation.min_event_rows``).
    ``engine``: where the checks run (the Spark engine's, say); by default an in-process DuckDB
    with ``memory_limit`` and ``threads``, closed after.
    """
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    own = engine is None
    if own:
        engine = DuckDBChecks.connect(memory_limit=memory_limit, threads=threads, spill=out_dir / ".spill")
    refused: set[str] = set()
    results = []
    try:
        for contract in contracts:
            res = check_file(
                engine, contract, data_dir, out_dir / "quarantine",
                max_bad_row_share=max_bad_row_share, identifier_sample_rows=identifier_sample_rows, refused=refused,
                min_event_rows=min_event_rows,
            )
            if res.status == "refused":
                refused.add(contract.name)
            results.append(res)
    finally:
        if own:
            engine.close()
    _refuse_implausibly_small(contracts, results)
    return ValidationReport(
        data_dir=str(data_dir),
        out_dir=str(out_dir),
        checked_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - started, 2),
        files=results,
        contracts_hash=contracts_hash(contracts),
        settings={"max_bad_row_share": max_bad_row_share, "identifier_sample_rows": identifier_sample_rows, "min_event_rows": min_event_rows},
    )
