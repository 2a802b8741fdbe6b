"""Direct-identifier guard: find columns that look like personal identifiers.

Partner extracts must carry no direct identifiers (names, NHS numbers, dates
of birth, postcodes, addresses, email addresses, phone numbers). The guard
looks at column names (works on an empty frame) and at a sample of values.
Findings never quote a value from the data: values are personal data.

A column whose non-null values are all lowercase hex strings of 16-64
characters (what :mod:`placerisk.datatools.privacy.pseudonymise` produces) is treated as
pseudonymised and is never flagged, even when its name is ``nhs_number``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

KINDS = ("nhs_number", "date_of_birth", "name", "email", "phone", "postcode", "address")
"""Every finding kind, strongest first (ties between kinds are broken in this order)."""

_LABELS = {
    "name": "personal names",
    "nhs_number": "NHS numbers",
    "date_of_birth": "dates of birth",
    "postcode": "postcodes",
    "address": "addresses",
    "email": "email addresses",
    "phone": "phone numbers",
}
_FIELD = {
    "name": "a personal name field",
    "nhs_number": "an NHS number field",
    "date_of_birth": "a date of birth field",
    "postcode": "a postcode field",
    "address": "an address field",
    "email": "an email address field",
    "phone": "a phone number field",
}
_CONTENT = {
    "nhs_number": "valid NHS numbers (10 digits passing the modulus-11 check)",
    "date_of_birth": "full dates with a day, in a column named like a birth date",
    "postcode": "full UK postcodes",
    "email": "email addresses",
    "phone": "UK phone numbers",
}


@dataclass(frozen=True)
class IdentifierFinding:
    """One column that looks like a direct identifier.

    Attributes
    ----------
    column : str
        The column name.
    kind : str
        One of :data:`KINDS`.
    evidence : str
        Plain-English reason; never contains a value from the data.
    """

    column: str
    kind: str
    evidence: str

    def message(self) -> str:
        """Return a one-line message, e.g. ``column 'nhs_no' looks like NHS numbers: ...``."""
        return f"column '{self.column}' looks like {_LABELS[self.kind]}: {self.evidence}"


_NHS_TEXT = re.compile(r"[0-9]{10}|[0-9]{3}([ -])[0-9]{3}\1[0-9]{4}")


def is_valid_nhs_number(value: object) -> bool:
    """Return True if `value` is a 10-digit NHS number with a valid check digit.

    Parameters
    ----------
    value : object
        A ``str`` (``"9434765919"``, ``"943 476 5919"`` or ``"943-476-5919"``,
        surrounding whitespace ignored) or an ``int``; anything else is False.

    Notes
    -----
    Modulus 11: weights 10..2 on the first nine digits, ``check = 11 - sum % 11``;
    11 means 0 and 10 means the number is invalid.
    """
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, np.integer)):
        text = str(int(value))
    elif isinstance(value, str):
        text = value.strip()
    else:
        return False
    if not _NHS_TEXT.fullmatch(text):
        return False
    digits = [int(c) for c in text if c.isdigit()]
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    if check == 11:
        check = 0
    return check != 10 and check == digits[9]


# --- by column name --------------------------------------------------------

_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_NAME_WORDS = ("forename", "surname", "firstname", "lastname", "fullname",
               "givenname", "middlename", "maidenname")
_NAME_QUALIFIERS = {"first", "last", "middle", "full", "given", "family", "maiden", "person",
                    "child", "client", "patient", "pupil", "mother", "father", "parent",
                    "carer", "sur", "fore"}


def _tokens(column: str) -> list[str]:
    """Split a column name on non-alphanumerics and camelCase, lower-cased."""
    return [t.lower() for t in _TOKEN.findall(column)]


def _follows(tokens: list[str], first: set[str], second: set[str]) -> bool:
    return any(a in first and b in second for a, b in zip(tokens, tokens[1:]))


def _is_birth_column(tokens: list[str]) -> bool:
    return any("birth" in t or t in ("dob", "born") for t in tokens)


def _kind_from_name(tokens: list[str]) -> str | None:
    """Return the identifier kind a column name suggests, or None."""
    tok = set(tokens)
    if tok & {"nhsnumber", "nhsno", "nhsnum"} or tokens == ["nhs"] or _follows(
            tokens, {"nhs"}, {"number", "no", "num"}):
        return "nhs_number"
    if (tok & {"dateofbirth", "birthdate"} or ("dob" in tok and not tok & {"year", "month"})
            or ("date" in tok and _follows(tokens, {"of"}, {"birth"}))
            or _follows(tokens, {"birth"}, {"date"})):
        return "date_of_birth"
    if (any(w in t for t in tokens for w in _NAME_WORDS) or tokens in (["name"], ["names"])
            or _follows(tokens, _NAME_QUALIFIERS, {"name", "names"})):
        return "name"
    if any("email" in t for t in tokens) or _follows(tokens, {"e"}, {"mail"}):
        return "email"
    if any("phone" in t for t in tokens) or tok & {"mobile", "tel", "telno", "landline"}:
        return "phone"
    if ((tok & {"postcode", "postalcode"} or _follows(tokens, {"post", "postal"}, {"code"}))
            and not tok & {"district", "sector", "area"}):
        return "postcode"
    if any(t.startswith(("address", "street")) for t in tokens):
        return "address"
    return None


# --- by content ------------------------------------------------------------

_POSTCODE = re.compile(
    r"GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_PHONE_SEPARATORS = re.compile(r"[ \-.()]")
_PHONE = re.compile(r"(\+44|0044|0)[0-9]{9,10}")
_FULL_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T].*)?|[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}")
_PSEUDONYM = re.compile(r"[0-9a-f]{16,64}")


def _classify_text(text: str, birth: bool) -> str | None:
    if is_valid_nhs_number(text):
        return "nhs_number"
    if _POSTCODE.fullmatch(text):
        return "postcode"
    if _EMAIL.fullmatch(text):
        return "email"
    if _PHONE.fullmatch(_PHONE_SEPARATORS.sub("", text)):
        return "phone"
    if birth and _FULL_DATE.fullmatch(text):
        return "date_of_birth"
    return None


def _classify(value: object, birth: bool) -> str | None:
    """Return the kind one non-null value looks like, or None."""
    if isinstance(value, (_dt.date, np.datetime64)):
        return "date_of_birth" if birth else None
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return "nhs_number" if is_valid_nhs_number(value) else None
    if isinstance(value, str):
        return _classify_text(value.strip(), birth)
    return None  # floats and other objects are never identifiers by content


def _is_pseudonymised(values: pd.Series) -> bool:
    return len(values) > 0 and all(
        isinstance(v, str) and _PSEUDONYM.fullmatch(v.strip()) for v in values)


def _check_column(column: str, values: pd.Series, min_share: float,
                  min_matches: int) -> IdentifierFinding | None:
    if _is_pseudonymised(values):
        return None
    tokens = _tokens(column)
    birth = _is_birth_column(tokens)
    counts = dict.fromkeys(KINDS, 0)
    for value in values:
        kind = _classify(value, birth)
        if kind is not None:
            counts[kind] += 1
    total = len(values)
    flagged = [k for k in KINDS if counts[k] >= min_matches and counts[k] >= min_share * total]
    name_kind = _kind_from_name(tokens)
    name_evidence = f"column name '{column}' looks like {_FIELD[name_kind]}" if name_kind else ""
    if flagged:
        kind = max(flagged, key=lambda k: counts[k])  # first of the most-matched kinds
        evidence = f"{counts[kind]} of {total} sampled values are {_CONTENT[kind]}"
        if kind == name_kind:
            evidence = f"{name_evidence}; {evidence}"
        return IdentifierFinding(column, kind, evidence)
    if name_kind:
        return IdentifierFinding(column, name_kind, name_evidence)
    return None


def find_identifiers(sample: pd.DataFrame, *, min_share: float = 0.5,
                     min_matches: int = 3) -> list[IdentifierFinding]:
    """Find columns of `sample` that look like direct identifiers.

    Parameters
    ----------
    sample : pandas.DataFrame
        All columns of a file, possibly a sample of its rows (may have 0 rows).
    min_share : float
        Share of a column's non-null values that must match a kind, in (0, 1].
    min_matches : int
        Least number of matching values, at least 1.

    Returns
    -------
    list of IdentifierFinding
        At most one finding per column (the strongest kind), in column order;
        empty when clean. A content match beats a column-name match.
    """
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1]; got {min_share}")
    if min_matches < 1:
        raise ValueError(f"min_matches must be at least 1; got {min_matches}")
    findings = []
    for position, column in enumerate(sample.columns):
        values = sample.iloc[:, position].dropna()
        finding = _check_column(str(column), values, min_share, min_matches)
        if finding is not None:
            findings.append(finding)
    return findings


def looks_like_identifier(value: object) -> str | None:
    """The identifier kind a single value looks like (e.g. "nhs_number"), or None.

    Used to mask values before they are shown in a report.
    """
    return _classify(value, False)
