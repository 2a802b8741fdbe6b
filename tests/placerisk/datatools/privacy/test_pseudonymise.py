"""Tests for keyed pseudonymisation (all identifiers and keys are made up in the tests)."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from placerisk.errors import UserError
from placerisk.datatools.privacy import (
    KEY_ENV_VAR,
    MIN_KEY_BYTES,
    find_identifiers,
    load_key,
    normalise_identifier,
    pseudonymise_frame,
    pseudonymise_value,
)
from placerisk.datatools.privacy import pseudonymise as module

KEY = b"synthetic-key-for-tests-only-000"
OTHER_KEY = b"another-synthetic-key-for-tests1"
NHS = "9434765919"  # the standard example number given in the spec (not a real person)


def expected(value: str, key: bytes = KEY, length: int = 16) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:length]


# --- values -------------------------------------------------------------------

def test_known_hmac_value():
    assert pseudonymise_value(NHS, KEY) == expected(NHS)
    assert pseudonymise_value(NHS, KEY, 64) == hmac.new(KEY, NHS.encode(), "sha256").hexdigest()
    assert pseudonymise_value("Testname", KEY, 20) == expected("TESTNAME", length=20)


@pytest.mark.parametrize("a, b", [("943 476 5919", NHS), ("943-476-5919", NHS), (" 9434765919\n", NHS),
                                  ("m1 1ae", "M1 1AE"), ("m11ae", "M1 1AE")])
def test_normalisation_gives_same_pseudonym(a, b):
    assert normalise_identifier(a) == normalise_identifier(b)
    assert pseudonymise_value(a, KEY) == pseudonymise_value(b, KEY)


def test_normalise_identifier():
    assert normalise_identifier("  m1 1-ae ") == "M11AE"
    with pytest.raises(TypeError):
        normalise_identifier(9434765919)


def test_different_key_gives_different_pseudonym():
    assert pseudonymise_value(NHS, KEY) != pseudonymise_value(NHS, OTHER_KEY)


@pytest.mark.parametrize("length", [15, 65, 0, True, 16.0, "16"])
def test_bad_length(length):
    with pytest.raises(UserError, match="from 16 to 64"):
        pseudonymise_value(NHS, KEY, length)


def test_short_or_wrong_key_type():
    with pytest.raises(UserError, match="5 bytes"):
        pseudonymise_value(NHS, b"short")
    with pytest.raises(TypeError):
        pseudonymise_value(NHS, KEY.decode())


def test_empty_identifier():
    with pytest.raises(UserError, match="empty"):
        pseudonymise_value(" - ", KEY)


# --- frames -------------------------------------------------------------------

def test_frame_same_id_in_two_frames_gets_same_pseudonym():
    a = pd.DataFrame({"nhs": [NHS, "4010232137"], "x": [1, 2]})
    b = pd.DataFrame({"child_nhs": ["401 023 2137", 9434765919]})
    pa = pseudonymise_frame(a, ["nhs"], KEY)
    pb = pseudonymise_frame(b, ["child_nhs"], KEY)
    assert pa["nhs"].tolist() == [expected(NHS), expected("4010232137")]
    assert pb["child_nhs"].tolist() == pa["nhs"].tolist()[::-1]
    assert pa["x"].tolist() == [1, 2]
    assert pseudonymise_frame(a, ["nhs"], OTHER_KEY)["nhs"].tolist() != pa["nhs"].tolist()


def test_frame_input_unchanged_and_new_frame_returned():
    df = pd.DataFrame({"nhs": [NHS, None, "4010232137"], "postcode": ["m1 1ae", "M1 1AE", None]})
    before = df.copy(deep=True)
    out = pseudonymise_frame(df, ["nhs", "postcode"], KEY, length=32)
    pd.testing.assert_frame_equal(df, before)
    assert out is not df
    assert out["postcode"].iloc[0] == out["postcode"].iloc[1] == expected("M11AE", length=32)


def test_frame_nulls_preserved():
    df = pd.DataFrame({
        "text": [NHS, None, np.nan, "  "],
        "nullable_int": pd.array([9434765919, None, None, 4010232137], dtype="Int64"),
        "float_with_gap": [9434765919.0, np.nan, np.nan, 4010232137.0],
    })
    out = pseudonymise_frame(df, ["text", "nullable_int", "float_with_gap"], KEY)
    assert out["text"].isna().tolist() == [False, True, True, True]  # blank once normalised -> missing
    assert out["nullable_int"].isna().tolist() == [False, True, True, False]
    assert out["float_with_gap"].tolist()[0] == out["nullable_int"].tolist()[0] == expected(NHS)
    assert out["float_with_gap"].iloc[3] == out["nullable_int"].iloc[3] == expected("4010232137")


def test_frame_int_and_spaced_string_match():
    out = pseudonymise_frame(pd.DataFrame({"a": [9434765919, 9434765919], "b": ["943 476 5919", NHS]}),
                             "a", KEY)
    assert out["a"].tolist() == [pseudonymise_value("943 476 5919", KEY)] * 2


def test_frame_absent_column():
    df = pd.DataFrame({"a": [1], "b": [2], "c": [3]})
    with pytest.raises(UserError) as info:
        pseudonymise_frame(df, ["a", "nhs"], KEY)
    assert str(info.value) == "column 'nhs' not in the file; columns are: a, b, c"


def test_frame_duplicate_column():
    df = pd.DataFrame([[NHS, NHS]], columns=["nhs", "nhs"])
    with pytest.raises(UserError, match="more than once"):
        pseudonymise_frame(df, ["nhs"], KEY)


def test_frame_rejects_non_integer_numbers_without_quoting_them():
    with pytest.raises(UserError) as info:
        pseudonymise_frame(pd.DataFrame({"nhs": [1234.5]}), ["nhs"], KEY)
    assert "'nhs'" in str(info.value) and "1234" not in str(info.value)


def test_frame_hashes_each_distinct_id_once(monkeypatch):
    calls = []
    real = module.pseudonymise_value
    monkeypatch.setattr(module, "pseudonymise_value", lambda v, k, n: calls.append(v) or real(v, k, n))
    df = pd.DataFrame({"nhs": [NHS, "4010232137"] * 50, "mother_nhs": [NHS] * 100})
    out = pseudonymise_frame(df, ["nhs", "mother_nhs"], KEY)
    assert sorted(calls) == sorted([NHS, "4010232137"])
    assert out["mother_nhs"].nunique() == 1


def test_pseudonymised_frame_passes_identifier_guard():
    df = pd.DataFrame({"nhs_number": [NHS, "4010232137", "401 023 2137"], "age": [3, 4, 5]})
    assert [f.kind for f in find_identifiers(df)] == ["nhs_number"]
    assert find_identifiers(pseudonymise_frame(df, ["nhs_number"], KEY)) == []


# --- keys ---------------------------------------------------------------------

def test_load_key_from_file_strips_trailing_newline(tmp_path):
    path = tmp_path / "k.txt"
    path.write_bytes(KEY + b"\n")
    assert load_key(path) == KEY
    assert load_key(str(path)) == KEY
    assert load_key(key_file=path) == KEY


def test_load_key_from_default_env_var(monkeypatch):
    monkeypatch.setenv(KEY_ENV_VAR, KEY.decode() + "\n")
    assert load_key() == KEY


def test_load_key_from_named_env_var(monkeypatch):
    monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    monkeypatch.setenv("PARTNER_KEY", OTHER_KEY.decode())
    assert load_key(key_env="PARTNER_KEY") == OTHER_KEY


def test_short_key_in_file_never_quoted(tmp_path):
    secret = "Zq9x7"
    path = tmp_path / "k.txt"
    path.write_text(secret + "\n")
    with pytest.raises(UserError) as info:
        load_key(path)
    assert str(info.value) == f"key in file '{path}' is 5 bytes; expected at least {MIN_KEY_BYTES}"
    assert secret not in str(info.value)


def test_short_key_in_env_never_quoted(monkeypatch):
    secret = "Qv8-short-secret"[:15]
    monkeypatch.setenv("PARTNER_KEY", secret)
    with pytest.raises(UserError) as info:
        load_key(key_env="PARTNER_KEY")
    message = str(info.value)
    assert "PARTNER_KEY" in message and "15 bytes" in message
    assert secret not in message and secret[:5] not in message


@pytest.mark.parametrize("value, word", [(None, "not set"), ("", "empty"), ("  \n", "empty")])
def test_env_var_unset_or_empty(monkeypatch, value, word):
    if value is None:
        monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(KEY_ENV_VAR, value)
    with pytest.raises(UserError, match=f"'{KEY_ENV_VAR}' is {word}"):
        load_key()


def test_key_file_missing_or_unreadable(tmp_path):
    with pytest.raises(UserError, match="key file '.*missing.txt' not found"):
        load_key(tmp_path / "missing.txt")
    with pytest.raises(UserError, match="cannot read key file"):
        load_key(tmp_path)  # a directory


def test_both_sources_rejected(tmp_path, monkeypatch):
    path = tmp_path / "k.txt"
    path.write_bytes(KEY)
    monkeypatch.setenv("PARTNER_KEY", OTHER_KEY.decode())
    with pytest.raises(UserError, match="not both") as info:
        load_key(path, "PARTNER_KEY")
    assert KEY.decode() not in str(info.value) and OTHER_KEY.decode() not in str(info.value)
