"""Direct-identifier guard: find columns that look like personal identifiers.

Partner extracts must carry no direct identifiers (names, NHS numbers, dates
of birth, postcodes, addresses, email addresses, phone numbers).
`find_identifiers` looks at column names (works on an empty frame) and at a
sample of values, column by column (a kind must fill a share of the column).
`scan_text` and `judge_column` find identifiers inside text as well as whole
values, and refuse on one row: `validate` runs them over whole columns, after
the SQL `PREFILTER`. Findings never quote a value from the data: values are
personal data.

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
    rows : int or None
        Rows holding `kind` when the whole column was scanned (`judge_column`); None for a sample.
    """

    column: str
    kind: str
    evidence: str
    rows: int | None = None

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
    """The identifier kind a single value looks like or holds inside its text (e.g. "nhs_number"), or None.

    Used to mask values before they are shown in a report.
    """
    kind = _classify(value, False)
    if kind is None and isinstance(value, str):
        inside = scan_text(value).inside
        kind = next((k for k in KINDS if k in inside), None)
    return kind


# --- inside text: the scan `validate` runs over whole columns ------------------
#
# `validate` scans every row of the columns that may carry text: the SQL
# prefilter below (RE2, so DuckDB runs it over the whole column) keeps only
# values that could hold an identifier, and `scan_text` then decides each
# distinct kept value exactly (modulus 11 for NHS numbers, digit counts for
# phone numbers). The prefilter must match every value `scan_text` flags.

_NHS_OR_PHONE = (r"(?:^|[^0-9])(?:[0-9]{10}|[0-9]{3} [0-9]{3} [0-9]{4}|[0-9]{3}-[0-9]{3}-[0-9]{4})(?:[^0-9]|$)"
                 r"|(?:\+44|0044|0)(?:[ ().-]*[0-9]){9}")  # NHS-shaped; 0 or +44 then 9 digits
_DATE = (r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:[0-9]{4}|[0-9]{2})"
         r"|[0-9]{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* [0-9]{4})")
PREFILTER = (_NHS_OR_PHONE + r"|@[^@\s]+\.[A-Za-z]{2}|(?i:[A-Z][0-9][A-Z0-9]? ?[0-9][A-Z]{2}|GIR ?0AA)"
             r"|(?i:d\.?o\.?b|birth|born)")
"""RE2 pattern: a value that does not contain a match holds no identifier `scan_text` finds."""
BIRTH_PREFILTER = PREFILTER + "|(?i:" + _DATE + ")"
"""As PREFILTER, for a column named like a birth date (a full date alone is then a date of birth)."""

_NHS_SHAPE = re.compile(r"(?<![0-9])(?:[0-9]{10}|[0-9]{3}([ -])[0-9]{3}\1[0-9]{4})(?![0-9])")
_PHONE_IN_TEXT = re.compile(
    r"(?<![\w+./-])(?:(?:\+|00)44[ .-]?(?:\(0\)[ .-]?)?|\(0|0)[0-9]{1,4}\)?(?:[ .-]?[0-9]{2,4}){1,3}(?!\w)")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_POSTCODE_IN_TEXT = re.compile(  # upper case only inside text (lower case words would match)
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])")
_DOB_IN_TEXT = re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|birth ?date|born(?: on)?)\W{0,3}" + _DATE, re.IGNORECASE)
_SEPARATOR = re.compile(r"[ .-]")
_DATE_LIKE = re.compile(r"[0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{2,4}")  # a date is not a phone number
_IN_TEXT = {
    "nhs_number": "NHS numbers (10 digits passing the modulus-11 check)",
    "date_of_birth": "dates of birth (full dates in a birth-date column, or after 'dob' or 'born')",
    "postcode": "full UK postcodes",
    "email": "email addresses",
    "phone": "UK phone numbers",
}

NHS_CHANCE = 1 / 11
"""Share of random 10-digit numbers that pass the modulus-11 check."""
NHS_CHANCE_MIN_ROWS = 20
"""From this many rows with NHS-shaped numbers, a column is judged against chance (see `judge_column`)."""


@dataclass(frozen=True)
class TextScan:
    """What one value holds: kinds found (as the whole value or inside it)."""

    whole: frozenset[str]        # kinds the whole value is
    inside: frozenset[str]       # kinds found inside the value (includes `whole`)
    nhs_shaped: bool = False     # holds a 10-digit number laid out like an NHS number, valid or not


def is_birth_column(column: str) -> bool:
    """Whether a column is named like a birth date (``dob``, ``birth_dt``, ``born_on``...)."""
    return _is_birth_column(_tokens(column))


def prefilter_for(column: str) -> str:
    """The prefilter for a column: `BIRTH_PREFILTER` when it is named like a birth date, else `PREFILTER`."""
    return BIRTH_PREFILTER if is_birth_column(column) else PREFILTER


def _is_phone(candidate: str) -> bool:
    digits = re.sub(r"[^0-9]", "", candidate)
    if candidate.startswith("+44") or candidate.startswith("0044"):
        digits = digits[2:] if candidate.startswith("+") else digits[4:]
        digits = digits[1:] if digits.startswith("0") else digits
    elif digits.startswith("0"):
        digits = digits[1:]
    else:
        return False
    return 9 <= len(digits) <= 10 and not _NHS_SHAPE.fullmatch(candidate) and not _DATE_LIKE.search(candidate)


def _phones_in(text: str) -> bool:
    for match in _PHONE_IN_TEXT.finditer(text):
        candidate = match.group()
        cuts = [m.start() for m in _SEPARATOR.finditer(candidate)]
        for end in [len(candidate), *reversed(cuts)]:  # the longest layout that is a phone number
            if _is_phone(candidate[:end].rstrip(" .-")):
                return True
    return False


def scan_text(value: str, *, birth: bool = False) -> TextScan:
    """The identifiers in one text value, whole or inside (e.g. "called mum on 07700 900123").

    ``birth``: the column is named like a birth date, so a full date alone is a date of birth.
    NHS numbers count only when they pass the modulus-11 check; postcodes inside
    text only in capitals (whole values in any case); a value that is all
    lowercase hex of 16-64 characters (a pseudonym) holds nothing.
    """
    text = value.strip()
    if _PSEUDONYM.fullmatch(text):
        return TextScan(frozenset(), frozenset())  # a pseudonym (lowercase hex): any digits in it are chance
    shaped = [m.group() for m in _NHS_SHAPE.finditer(text)]
    inside = set()
    if any(is_valid_nhs_number(s) for s in shaped):
        inside.add("nhs_number")
    if _EMAIL_IN_TEXT.search(text):
        inside.add("email")
    if _phones_in(text):
        inside.add("phone")
    if _POSTCODE_IN_TEXT.search(text):
        inside.add("postcode")
    if _DOB_IN_TEXT.search(text):
        inside.add("date_of_birth")
    whole = {k for k in (_classify_text(text, birth),) if k is not None}
    if whole == {"phone"} and not _is_phone(text):
        whole = set()  # a 10-digit number failing modulus 11, or a date, is not a phone number
    return TextScan(frozenset(whole), frozenset(inside | whole), bool(shaped))


def judge_column(column: str, counted: list[tuple[str, int]], rows: int, *, complete: bool = True) -> IdentifierFinding | None:
    """Judge a column from its distinct candidate values and how many rows hold each.

    ``counted``: (value, rows) pairs, for the values the prefilter kept; ``rows``:
    the column's non-empty rows; ``complete``: False when only some candidates
    were counted (the row counts are then lower bounds). One row with an
    identifier is enough, except NHS numbers: when at least
    `NHS_CHANCE_MIN_ROWS` rows hold NHS-shaped numbers, they count only if more
    pass the check than chance explains (1 in 11, plus three standard deviations).
    The evidence gives kinds and row counts, never a value.
    """
    birth = _is_birth_column(_tokens(column))
    found = dict.fromkeys(KINDS, 0)
    whole = dict.fromkeys(KINDS, 0)
    shaped = 0
    for value, n in counted:
        scan = scan_text(value, birth=birth)
        shaped += n * scan.nhs_shaped
        for kind in scan.inside:
            found[kind] += n
            whole[kind] += n * (kind in scan.whole)
    if shaped >= NHS_CHANCE_MIN_ROWS:
        spread = 3 * (shaped * NHS_CHANCE * (1 - NHS_CHANCE)) ** 0.5
        if found["nhs_number"] <= shaped * NHS_CHANCE + spread:
            found["nhs_number"] = 0  # reference numbers that pass by chance, not NHS numbers
    kinds = [k for k in KINDS if found[k] > 0]
    if not kinds:
        return None
    least = "" if complete else "at least "
    parts = []
    for kind in kinds:
        where = ("as whole values" if whole[kind] == found[kind] else
                 "inside text" if whole[kind] == 0 else "as whole values or inside text")
        parts.append(f"{_IN_TEXT[kind]} in {least}{found[kind]:,} of {rows:,} rows ({where})")
    name_kind = _kind_from_name(_tokens(column))
    name = f"; its name looks like {_FIELD[name_kind]}" if name_kind else ""
    kind = max(kinds, key=lambda k: found[k])
    return IdentifierFinding(column, kind, "; ".join(parts) + name, rows=found[kind])
