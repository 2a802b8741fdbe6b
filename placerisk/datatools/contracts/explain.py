"""Plain-English explanations of rule tokens: which column, what value, what was expected."""

from __future__ import annotations

from placerisk.datatools.contracts.schema import FileContract

_TYPES = {"string": "text", "date": "a date (YYYY-MM-DD)", "int": "a whole number"}


def _bounds(col) -> str:
    lo, hi = col.minimum, col.maximum
    if lo is not None and hi is not None:
        return f"between {lo} and {hi}"
    return f"at least {lo}" if lo is not None else f"at most {hi}"


def explain(token: str, contract: FileContract, row: dict) -> tuple[str, object, str]:
    """(column, value as received, what was expected) for one reason on one quarantined row."""
    kind, _, column = token.partition(":")
    cols = {c.name: c for c in contract.columns}
    value = row.get(f"_raw_{column}") if column else None
    if kind == "missing_value":
        return column, None, "a value (this column is required)"
    if kind == "invalid_type":
        return column, value, _TYPES[cols[column].type]
    if kind == "unknown_code":
        allowed = cols[column].allowed or ()
        shown = ", ".join(allowed[:8]) + (", ..." if len(allowed) > 8 else "")
        return column, value, f"one of: {shown}"
    if kind == "out_of_range":
        return column, value, _bounds(cols[column])
    if kind == "unknown_reference":
        target = next(r.target for r in contract.references if r.column == column)
        return column, value, f"a {column} present in '{target}'"
    if kind == "quarantined_reference":
        target = next(r.target for r in contract.references if r.column == column)
        return column, value, f"a {column} whose row in '{target}' passed its contract (that row was quarantined)"
    if kind == "duplicate_key":
        return column, value, f"a unique {column} (first seen at row {row.get('_first_row')})"
    if kind == "duplicate_row":
        return "(all)", None, f"no identical row (the same row is at row {row.get('_first_row')})"
    rule = next(r for r in contract.rules if r.name == token)
    values = ", ".join(f"{c}={row.get('_raw_' + c)}" for c in rule.columns)
    return ",".join(rule.columns), values, rule.description
