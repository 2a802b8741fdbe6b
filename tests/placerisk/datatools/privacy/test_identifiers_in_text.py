"""The whole-column scan's rules: identifiers inside text, the NHS chance rule, the SQL prefilter.

Every value is made up here; the NHS-like numbers are generated to pass (or fail) modulus 11.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placerisk.datatools.privacy import looks_like_identifier
from placerisk.datatools.privacy.identifiers import (
    BIRTH_PREFILTER,
    NHS_CHANCE_MIN_ROWS,
    PREFILTER,
    judge_column,
    scan_text,
)

from .test_identifiers import check_value, nhs_numbers


def _invalid_nhs(n: int, seed: int = 3) -> list[str]:
    """`n` made-up 10-digit strings that fail the check (a wrong last digit)."""
    return [v[:9] + str((int(v[9]) + 1) % 10) for v in nhs_numbers(n, seed=seed)]


@pytest.mark.parametrize("text, kind", [
    ("called mum on 07700 900123", "phone"),
    ("nhs 943 476 5919 seen", "nhs_number"),
    ("ref 9434765919, then home", "nhs_number"),
    ("NHS943-476-5919", "nhs_number"),
    ("mobile +44 7700 900123 after 6", "phone"),
    ("ring (0161) 496-0000 ext 2", "phone"),
    ("0044 161 496 0000 (work)", "phone"),
    ("+44 (0)161 496 0000", "phone"),
    ("call 07700 900 123.", "phone"),
    ("07700 900123 10 times", "phone"),
    ("tel:07700900123", "phone"),
    ("020 7946 0000", "phone"),
    ("write to testname@example.org please", "email"),
    ("seen at B33 8TH today", "postcode"),
    ("moved to SW1A 1AA", "postcode"),
    ("dob 01/02/2010", "date_of_birth"),
    ("D.O.B: 2010-02-01", "date_of_birth"),
    ("born on 3rd March 2011", "date_of_birth"),
])
def test_identifiers_inside_text(text, kind):
    assert kind in scan_text(text).inside
    assert looks_like_identifier(text) == kind  # report examples mask it too


@pytest.mark.parametrize("text", [
    "SA000001", "E01000001", "Central", "North", "domestic_abuse", "legacy_code_99", "Not stated",
    "2023-05-01", "2023-05-01 2023-06-01", "01/02/2023 14:30", "01-02-2023 14", "seen 14:30, again 16:45",
    "£1,000,000", "between 0 and 10", "score 0 12 345 6789", "dob 2010", "born in 2011",
    "left m25 2nd junction", "9434765918", "4b1fa32fc8b3e99e", "9434765919abcdef0123",
    "0123 4567", "1.5", "", "   ",
])
def test_codes_dates_and_ordinary_text_hold_no_identifier(text):
    assert scan_text(text).inside == frozenset()


def test_whole_values_and_inside_text_are_told_apart():
    assert scan_text(" 943 476 5919 ").whole == {"nhs_number"}
    assert scan_text("b33 8th").whole == {"postcode"}  # whole values in any case
    assert scan_text("b33 8th today").inside == frozenset()  # inside text, capitals only
    assert scan_text("nhs 943 476 5919").whole == frozenset()
    assert scan_text("2001-04-17", birth=True).whole == {"date_of_birth"}
    assert scan_text("2001-04-17").inside == frozenset()


def test_ten_digits_failing_modulus_11_are_neither_nhs_nor_phone():
    leading_zero = [v[:9] + str((check_value(v[:9]) + 1) % 10) for v in nhs_numbers(50, first="0")]
    for value in _invalid_nhs(50) + leading_zero:
        scan = scan_text(value)
        assert scan.inside == frozenset() and scan.nhs_shaped, value


def test_one_row_is_enough():
    finding = judge_column("notes", [("nothing here", 99), ("tel 07700 900123", 1)], rows=100)
    assert (finding.kind, finding.rows) == ("phone", 1)
    assert finding.evidence == "UK phone numbers in 1 of 100 rows (inside text)"


def test_evidence_has_every_kind_row_counts_and_no_values():
    numbers = nhs_numbers(3, seed=9)
    counted = [(f"nhs {n} seen", 1) for n in numbers] + [("testname@example.org", 5), ("B33 8TH", 1)]
    finding = judge_column("contact_email", counted, rows=40, complete=False)
    assert finding.kind == "email" and finding.rows == 5
    assert finding.evidence == (
        "NHS numbers (10 digits passing the modulus-11 check) in at least 3 of 40 rows (inside text); "
        "email addresses in at least 5 of 40 rows (as whole values); "
        "full UK postcodes in at least 1 of 40 rows (as whole values); "
        "its name looks like an email address field")
    message = finding.message()
    assert not any(v in message for v in [*numbers, "testname", "example.org", "B33", "8TH"])


def test_reference_numbers_passing_modulus_11_by_chance_are_not_nhs_numbers():
    rng = np.random.default_rng(5)
    refs = [str(v) for v in rng.integers(10**9, 10**10, size=1000)]
    counted = [(r, 1) for r in refs]
    passing = sum("nhs_number" in scan_text(r).inside for r in refs)
    assert 50 < passing < 140  # about 1 in 11 pass by chance...
    assert judge_column("case_ref", counted, rows=1000) is None  # ...so the column is reference numbers
    mixed = counted + [(n, 1) for n in nhs_numbers(200, seed=6)]
    assert judge_column("case_ref", mixed, rows=1200).kind == "nhs_number"


def test_below_the_chance_rows_one_passing_number_counts():
    lone = [(nhs_numbers(1, seed=8)[0], 1)] + [(v, 1) for v in _invalid_nhs(NHS_CHANCE_MIN_ROWS - 2)]
    assert judge_column("case_ref", lone, rows=NHS_CHANCE_MIN_ROWS - 1).kind == "nhs_number"


def test_pseudonyms_hold_nothing_even_with_digits_inside():
    value = "a" + nhs_numbers(1)[0] + "bcdef"
    assert scan_text(value).inside == frozenset()
    assert "nhs_number" in scan_text(value.upper()).inside  # not a pseudonym: upper-case hex


_FRAGMENTS = st.sampled_from([
    "07700 900123", "+44 7700 900123", "(0161) 496-0000", "0044 161 496 0000", "9434765919", "943 476 5919",
    "943-476-5919", "testname@example.org", "B33 8TH", "SW1A 1AA", "GIR 0AA", "dob", "born on", "D.O.B",
    "2010-02-01", "01/02/2010", "3rd March 2011", " ", ", ", ".", "-", "0", "12", "ab", "SA000001", "nhs", "\n",
    "+44", "(0", ")", "(0)", "0161", "496", "0000", "07700", "900123", "943", "476", "5919", "7700", "b33 8th",
    "TESTNAME@EXAMPLE.ORG", "dob:", "2001-04-17 00:00:00", "17.04.2001",
])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_FRAGMENTS, min_size=1, max_size=8), st.booleans())
def test_the_sql_prefilter_keeps_every_value_the_scan_flags(parts, birth):
    text = "".join(parts)
    if scan_text(text, birth=birth).inside:
        pattern = BIRTH_PREFILTER if birth else PREFILTER
        with duckdb.connect() as con:  # its own connection: the default one is shared with other tests
            assert con.execute("SELECT regexp_matches(?, ?)", [text, pattern]).fetchall() == [(True,)], text
