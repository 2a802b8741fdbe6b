"""Contract checks as SQL: one pass over a file gives each row its list of reasons.

The same checked relation serves ``validate`` (which writes the quarantine) and
later steps that read only the rows that passed, so a row can never reach a
feature without passing its contract.
"""

from __future__ import annotations

import datetime as dt

from placerisk.datatools.contracts.schema import Column, FileContract

SQL_TYPES = {"string": "VARCHAR", "date": "DATE", "int": "BIGINT"}
_COMPATIBLE = {
    "string": {"VARCHAR"},
    "date": {"DATE"},
    "int": {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "HUGEINT", "UBIGINT"},
}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


_SPACE = "[ \\t\\r\\n]*"  # spelled out: RE2's \s and Java's differ on a vertical tab
DATE_TEXT = ("^" + _SPACE + "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
             "([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,9})?)?)?" + _SPACE + "$")
"""A date as text: YYYY-MM-DD (one-digit month and day allowed), optionally with a time of day and no zone."""
NUMBER_TEXT = "^" + _SPACE + "[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?" + _SPACE + "$"
"""A number as text, in plain or scientific notation (no '1_000', 'inf', '0x10' or '1d')."""


def typed_expression(column: Column, source_type: str) -> tuple[str, bool]:
    """SQL for the typed value, and whether it needs a cast (and so a type check).

    Text is matched against `DATE_TEXT` or `NUMBER_TEXT` before it is cast, so every engine
    accepts the same spellings (a plain cast does not: Spark reads '2024' as 1 January 2024,
    DuckDB reads '1_000' as 1000). A whole number is tested with ``round`` (Spark's ``floor``
    overflows on a large double) and kept within 9e18 (Spark casts 2^63 to the largest BIGINT).
    """
    q = quote(column.name)
    if source_type in _COMPATIBLE[column.type]:
        return q, False
    text = source_type == "VARCHAR"
    if column.type == "int":  # '1.5' or 1.5 is not a whole number (a plain cast would round it)
        number = f"TRY_CAST({q} AS DOUBLE)"
        whole = f"CASE WHEN abs({number}) <= 9e18 AND {number} = round({number}) THEN TRY_CAST({number} AS BIGINT) END"
        return (f"CASE WHEN regexp_matches({q}, {literal(NUMBER_TEXT)}) THEN {whole} END" if text else whole), True
    if column.type == "date" and text:
        return f"CASE WHEN regexp_matches({q}, {literal(DATE_TEXT)}) THEN TRY_CAST({q} AS DATE) END", True
    return f"TRY_CAST({q} AS {SQL_TYPES[column.type]})", True


def raw_text(q: str, source_type: str) -> str:
    """SQL for a value's text as received (what the quarantine keeps). A time with a zone is given as UTC without one, as
    every engine spells it alike; a floating-point number is spelled as the engine prints it (1e+20, or 1.0E20 on Spark)."""
    if source_type == "TIMESTAMP WITH TIME ZONE":
        return f"CAST(CAST({q} AS TIMESTAMP) AS VARCHAR)"
    return f"CAST({q} AS VARCHAR)"


def typed_select(columns, source_types: dict[str, str]) -> str:
    """``expr AS "name", ...``: the columns typed exactly as the checks type them."""
    return ", ".join(f"{typed_expression(c, source_types[c.name])[0]} AS {quote(c.name)}" for c in columns)


def key_name(contract_name: str) -> str:
    """The table of a keyed file's keys (and whether each row holding one passed), which references join to."""
    return f"_keys_{contract_name}"


def key_table(contract_name: str) -> str:
    return quote(key_name(contract_name))


def checked_sql(contract: FileContract, source: str, source_types: dict[str, str]) -> str:
    """SELECT of ``_row``, the typed contract columns, raw values and ``_reasons`` (a list of rule tokens)."""
    typed_cols, raw_cols, reasons = [], [], []
    t = "t"
    for col in contract.columns:
        expr, cast = typed_expression(col, source_types[col.name])
        typed_cols.append(f"{expr} AS {quote(col.name)}")
        raw = quote("_raw_" + col.name)
        raw_cols.append(f"{raw_text(quote(col.name), source_types[col.name])} AS {raw}")
        if cast:
            reasons.append(f"CASE WHEN {t}.{raw} IS NOT NULL AND {t}.{quote(col.name)} IS NULL THEN 'invalid_type:{col.name}' END")
    body = [f"SELECT _row, {', '.join(typed_cols)}, {', '.join(raw_cols)} FROM {source}"]
    for col in contract.columns:
        q = f"{t}.{quote(col.name)}"
        if col.required:
            reasons.append(f"CASE WHEN {q} IS NULL AND {t}.{quote('_raw_' + col.name)} IS NULL THEN 'missing_value:{col.name}' END")
        if col.allowed is not None:
            codes = ", ".join(literal(c) for c in col.allowed)
            reasons.append(f"CASE WHEN {q} IS NOT NULL AND {q} NOT IN ({codes}) THEN 'unknown_code:{col.name}' END")
        bounds = []
        if col.minimum is not None:
            bounds.append(f"{q} < {literal(col.minimum)}")
        if col.maximum is not None:
            bounds.append(f"{q} > {literal(col.maximum)}")
        if bounds:
            reasons.append(f"CASE WHEN {' OR '.join(bounds)} THEN 'out_of_range:{col.name}' END")
    for rule in contract.rules:  # bare column names resolve to the typed columns of t
        reasons.append(f"CASE WHEN {rule.bad_when} THEN '{rule.name}' END")
    joins = []
    for i, ref in enumerate(contract.references):
        r = f"r{i}"
        joins.append(f"LEFT JOIN {key_table(ref.target)} {r} ON {t}.{quote(ref.column)} = {r}.key")
        reasons.append(
            f"CASE WHEN {t}.{quote(ref.column)} IS NOT NULL AND {r}.key IS NULL THEN 'unknown_reference:{ref.column}' "
            f"WHEN {r}.key IS NOT NULL AND NOT {r}.ok THEN 'quarantined_reference:{ref.column}' END"
        )
    if contract.key:
        part = f"{t}.{quote(contract.key)}"
        dup_token = f"duplicate_key:{contract.key}"
        dup_guard = f"{part} IS NOT NULL AND "
    else:  # identical as received: values that fail to parse must not all look alike
        part = ", ".join(f"{t}.{quote('_raw_' + c.name)}" for c in contract.columns)
        dup_token = "duplicate_row"
        dup_guard = ""
    window = f"OVER (PARTITION BY {part} ORDER BY {t}._row)"
    reasons.append(f"CASE WHEN {dup_guard}row_number() {window} > 1 THEN '{dup_token}' END")
    typed_names = ", ".join(f"{t}.{quote(c.name)}" for c in contract.columns)
    raw_names = ", ".join(f"{t}.{quote('_raw_' + c.name)}" for c in contract.columns)
    return (
        f"SELECT {t}._row, {typed_names}, {raw_names}, first_value({t}._row) {window} AS _first_row, "
        f"list_filter([{', '.join(reasons)}], lambda x: x IS NOT NULL) AS _reasons "
        f"FROM ({body[0]}) {t} {' '.join(joins)}"
    )
