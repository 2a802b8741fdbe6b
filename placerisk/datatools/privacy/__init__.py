"""Privacy helpers: the direct-identifier guard and keyed pseudonymisation.

Both modules are pure (no CLI, no file I/O apart from reading a key file).
"""

from placerisk.datatools.privacy.identifiers import (
    PREFILTER,
    IdentifierFinding,
    TextScan,
    find_identifiers,
    is_birth_column,
    is_valid_nhs_number,
    judge_column,
    looks_like_identifier,
    prefilter_for,
    scan_text,
)
from placerisk.datatools.privacy.pseudonymise import (
    KEY_ENV_VAR,
    MIN_KEY_BYTES,
    load_key,
    normalise_identifier,
    pseudonymise_frame,
    pseudonymise_value,
)

__all__ = [
    "KEY_ENV_VAR",
    "MIN_KEY_BYTES",
    "PREFILTER",
    "IdentifierFinding",
    "TextScan",
    "find_identifiers",
    "is_birth_column",
    "is_valid_nhs_number",
    "judge_column",
    "load_key",
    "looks_like_identifier",
    "normalise_identifier",
    "prefilter_for",
    "pseudonymise_frame",
    "pseudonymise_value",
    "scan_text",
]
