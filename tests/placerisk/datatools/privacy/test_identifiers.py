"""Tests for the direct-identifier guard (all data synthetic, made up in the tests)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from placerisk.datatools.privacy import IdentifierFinding, find_identifiers, is_valid_nhs_number
from placerisk.datatools.privacy.pseudonymise import pseudonymise_value


def check_value(prefix: str) -> int:
    """Modulus-11 check value of a 9-digit prefix, computed independently (10 = no valid number)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(prefix))
    return (11 - total % 11) % 11


def nhs_numbers(n: int, seed: int = 0, first: str = "") -> list[str]:
    """`n` made-up 10-digit strings that pass the NHS check."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        prefix = first + "".join(str(d) for d in rng.integers(0, 10, 9 - len(first)))
        if check_value(prefix) != 10:
            out.append(prefix + str(check_value(prefix)))
    return out


def kinds(df: pd.DataFrame, **kwargs) -> dict[str, str]:
    return {f.column: f.kind for f in find_identifiers(df, **kwargs)}


# --- is_valid_nhs_number ------------------------------------------------------

@pytest.mark.parametrize("value", ["9434765919", 9434765919, np.int64(9434765919),
                                   "943 476 5919", "943-476-5919", " 9434765919 "])
def test_valid_nhs_number(value):
    assert is_valid_nhs_number(value)


@pytest.mark.parametrize("value", ["9434765918", 9434765918, "943476591", "94347659190", "943476591X",
                                   "943 476-5919", "9434 765 919", "", None, 9434765919.0, True,
                                   "-943476591", "٩٤٣٤٧٦٥٩١٩"])
def test_invalid_nhs_number(value):
    assert not is_valid_nhs_number(value)


def test_check_value_ten_is_never_valid():
    prefix = next(p for p in (f"{i:09d}" for i in range(100, 10**6)) if check_value(p) == 10)
    assert not any(is_valid_nhs_number(prefix + str(d)) for d in range(10))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_check_digit_per_prefix(prefix):
    valid = [d for d in range(10) if is_valid_nhs_number(prefix + str(d))]
    assert valid == ([] if check_value(prefix) == 10 else [check_value(prefix)])


# --- by column name -----------------------------------------------------------

@pytest.mark.parametrize("column, kind", [
    ("first_name", "name"), ("family_name", "name"), ("FirstName", "name"), ("child_full_name", "name"),
    ("SURNAME", "name"), ("forename", "name"), ("name", "name"), ("mother_maidenname", "name"),
    ("sur_name", "name"), ("carer_name", "name"),
    ("nhs_number", "nhs_number"), ("nhs_no", "nhs_number"), ("nhsnumber", "nhs_number"),
    ("NHSNumber", "nhs_number"),
    ("dob", "date_of_birth"), ("date_of_birth", "date_of_birth"), ("birth_date", "date_of_birth"),
    ("birthdate", "date_of_birth"), ("DateOfBirth", "date_of_birth"),
    ("postcode", "postcode"), ("post_code", "postcode"), ("postal_code", "postcode"),
    ("email", "email"), ("email_address", "email"), ("e_mail", "email"),
    ("phone", "phone"), ("telephone", "phone"), ("mobile", "phone"), ("phone_number", "phone"),
    ("tel_no", "phone"),
    ("address", "address"), ("address_line_1", "address"), ("street", "address"),
])
def test_flagged_by_column_name_on_zero_rows(column, kind):
    findings = find_identifiers(pd.DataFrame(columns=[column]))
    assert [(f.column, f.kind) for f in findings] == [(column, kind)]
    assert f"column name '{column}'" in findings[0].evidence


@pytest.mark.parametrize("column", [
    "school_name", "team_name", "event_name", "area_name", "file_name", "username",
    "birth_year", "birth_month", "year_of_birth", "month_of_birth", "event_date", "person_id",
    "lsoa_code", "age", "postcode_district",
])
def test_allowed_column_names(column):
    assert find_identifiers(pd.DataFrame(columns=[column])) == []


def test_name_finding_message():
    finding = find_identifiers(pd.DataFrame(columns=["first_name"]))[0]
    assert finding == IdentifierFinding(
        "first_name", "name", "column name 'first_name' looks like a personal name field")
    assert finding.message() == ("column 'first_name' looks like personal names: "
                                 "column name 'first_name' looks like a personal name field")


def test_findings_in_column_order_one_per_column():
    df = pd.DataFrame({"person_id": ["a1"] * 3, "surname": ["Testname"] * 3, "age": [4, 5, 6],
                       "email": ["M1 1AE", "SW1A 1AA", "B33 8TH"], "nhs_no": nhs_numbers(3)})
    assert list(kinds(df).items()) == [("surname", "name"), ("email", "postcode"),
                                       ("nhs_no", "nhs_number")]


# --- by content ---------------------------------------------------------------

def test_nhs_numbers_by_content_as_text_and_int():
    valid = nhs_numbers(183, seed=1)
    invalid = [v[:9] + str((int(v[9]) + 1) % 10) for v in nhs_numbers(17, seed=2)]
    df = pd.DataFrame({"ref": valid + invalid, "ref_int": [int(v) for v in valid + invalid]})
    findings = find_identifiers(df)
    assert [(f.column, f.kind) for f in findings] == [("ref", "nhs_number"), ("ref_int", "nhs_number")]
    assert findings[0].evidence == ("183 of 200 sampled values are valid NHS numbers "
                                    "(10 digits passing the modulus-11 check)")
    assert findings[0].message().startswith("column 'ref' looks like NHS numbers: 183 of 200")


def test_name_and_content_agree_gives_both_in_evidence():
    finding = find_identifiers(pd.DataFrame({"nhs_no": nhs_numbers(5)}))[0]
    assert finding.kind == "nhs_number"
    assert "column name 'nhs_no'" in finding.evidence and "5 of 5 sampled values" in finding.evidence


def test_random_ten_digit_ids_are_not_nhs_numbers():
    rng = np.random.default_rng(20240417)
    ids = rng.integers(10**9, 10**10, size=1000)
    df = pd.DataFrame({"case_ref": ids, "case_ref_text": ids.astype(str)})
    share = np.mean([is_valid_nhs_number(int(i)) for i in ids])
    assert 0.03 < share < 0.2  # about 1 in 11 pass by chance
    assert find_identifiers(df) == []


@pytest.mark.parametrize("value", ["M1 1AE", "SW1A 1AA", "b338th", "GIR 0AA", "gir0aa", "EC1A 1BB",
                                   "W1A 0AX", "CR2 6XH", "DN55 1PT", " ls1 4dy "])
def test_postcodes_by_content(value):
    assert kinds(pd.DataFrame({"where": [value] * 3})) == {"where": "postcode"}


@pytest.mark.parametrize("value", ["E01000001", "E02000001", "M1", "M1 1", "SW1A", "M1  1AE",
                                   "M1 1CE", "ab12cdef", "1AA 1AA", "M1 1AE X"])
def test_not_postcodes(value):
    assert kinds(pd.DataFrame({"where": [value] * 3})) == {}


@pytest.mark.parametrize("value", ["testname@example.org", "a.b+c@mail.example.co.uk"])
def test_emails_by_content(value):
    assert kinds(pd.DataFrame({"contact": [value] * 3})) == {"contact": "email"}


@pytest.mark.parametrize("value", ["07700 900123", "+44 7700 900123", "0044 161 496 0000",
                                   "(0161) 496-0000", "0161.496.0000", "01632960001"])
def test_phones_by_content(value):
    assert kinds(pd.DataFrame({"contact": [value] * 3})) == {"contact": "phone"}


def test_valid_nhs_number_with_leading_zero_counts_as_nhs_not_phone():
    values = nhs_numbers(5, first="0")
    assert all(v.startswith("0") for v in values)
    assert kinds(pd.DataFrame({"contact": values})) == {"contact": "nhs_number"}


@pytest.mark.parametrize("values", [
    ["2001-04-17", "2003-12-01", "1999-01-31"],
    ["17/04/2001", "01/12/2003", "31/01/1999"],
    [dt.date(2001, 4, 17), dt.date(2003, 12, 1), dt.date(1999, 1, 31)],
    list(pd.to_datetime(["2001-04-17", "2003-12-01", "1999-01-31"])),
])
def test_full_dates_in_birth_column(values):
    for column in ("birth_dt", "child_born", "dob_text"):
        assert kinds(pd.DataFrame({column: values})) == {column: "date_of_birth"}


def test_datetime_column_in_birth_column():
    df = pd.DataFrame({"born_on": pd.to_datetime(["2001-04-17", "2003-12-01", "1999-01-31"])})
    assert kinds(df) == {"born_on": "date_of_birth"}


def test_thresholds():
    values = ["M1 1AE", "SW1A 1AA", None, None, "x", "y", "z", "w"]
    df = pd.DataFrame({"where": values})
    assert kinds(df) == {}  # 2 matches < min_matches 3
    assert kinds(df, min_matches=2, min_share=0.3) == {"where": "postcode"}  # 2 of 6 non-null
    assert kinds(df, min_matches=2, min_share=0.5) == {}
    with pytest.raises(ValueError):
        find_identifiers(df, min_share=0)
    with pytest.raises(ValueError):
        find_identifiers(df, min_matches=0)


def test_evidence_never_contains_values():
    values = {"contact": ["testname@example.org"] * 3, "where": ["ZZ9 9ZZ"] * 3,
              "ref": nhs_numbers(3), "phone_no": ["07700 900123"] * 3,
              "birth_dt": ["2001-04-17"] * 3}
    findings = find_identifiers(pd.DataFrame(values))
    assert len(findings) == 5
    for finding in findings:
        for value in values[finding.column]:
            assert value not in finding.message()
            assert value.replace(" ", "") not in finding.message()


# --- false positives ----------------------------------------------------------

def test_pseudonymised_and_ordinary_columns_are_not_flagged():
    key = b"synthetic-test-key-0123456789"
    rng = np.random.default_rng(7)
    ids = nhs_numbers(50)
    df = pd.DataFrame({
        "person_id": [pseudonymise_value(v, key) for v in ids],
        "pid_32": [pseudonymise_value(v, key, 32) for v in ids],
        "pid_64": [pseudonymise_value(v, key, 64) for v in ids],
        "event_code": rng.choice(["violence_victim", "school_exclusion", "missing_episode"], 50),
        "event_date": [str(dt.date(2023, 1, 1) + dt.timedelta(days=int(d))) for d in rng.integers(0, 365, 50)],
        "event_dt": pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, 50), unit="D"),
        "count": rng.integers(0, 10, 50),
        "score": rng.random(50),
        "big_float": rng.integers(10**9, 10**10, 50).astype(float),
        "birth_year": rng.integers(2005, 2020, 50),
        "birth_month": [f"{y}-{m:02d}" for y, m in zip(rng.integers(2005, 2020, 50), rng.integers(1, 13, 50))],
        "lsoa_code": [f"E01{n:06d}" for n in rng.integers(0, 40000, 50)],
        "district": rng.choice(["M1", "SW1A", "B33"], 50),
        "flag": rng.random(50) > 0.5,
        "empty": [None] * 50,
    })
    assert find_identifiers(df) == []


def test_pseudonymised_identifier_column_keeps_its_name():
    key = b"synthetic-test-key-0123456789"
    df = pd.DataFrame({"nhs_number": [pseudonymise_value(v, key) for v in nhs_numbers(5)]})
    assert find_identifiers(df) == []
    assert kinds(df.iloc[:0]) == {"nhs_number": "nhs_number"}  # no rows: the name decides


def test_non_string_column_labels():
    df = pd.DataFrame({0: [1, 2, 3], 1: ["M1 1AE", "SW1A 1AA", "B33 8TH"]})
    assert kinds(df) == {"1": "postcode"}
