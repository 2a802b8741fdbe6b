"""Data contracts for partner extracts: definitions, SQL checks, validation and reports."""

from placerisk.contracts.schema import (
    Column,
    FileContract,
    Reference,
    RowRule,
    contracts_for,
)
from placerisk.contracts.validate import FileResult, ValidationReport, validate_extracts

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
