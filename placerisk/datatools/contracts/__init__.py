"""Data contracts for partner extracts: definitions, SQL checks, validation and reports."""

from placerisk.datatools.contracts.schema import (
    Column,
    FileContract,
    Reference,
    RowRule,
    contracts_for,
)
from placerisk.datatools.contracts.validate import FileResult, ValidationReport, validate_extracts

__all__ = [
    "Column",
    "FileContract",
    "FileResult",
    "Reference",
    "RowRule",
    "ValidationReport",
    "contracts_for",
    "validate_extracts",
]
