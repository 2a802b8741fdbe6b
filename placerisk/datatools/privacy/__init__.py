"""Privacy helpers: the direct-identifier guard and keyed pseudonymisation.

Both modules are pure (no CLI, no file I/O apart from reading a key file).
"""

from placerisk.datatools.privacy.identifiers import (
    IdentifierFinding,
    find_identifiers,
    is_valid_nhs_number,
    looks_like_identifier,
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
    "IdentifierFinding",
    "find_identifiers",
    "is_valid_nhs_number",
    "load_key",
    "looks_like_identifier",
    "normalise_identifier",
    "pseudonymise_frame",
    "pseudonymise_value",
]
