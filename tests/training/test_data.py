"""TrainingData: labelled rows only, aligned row by row, labels 0/1."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from placerisk.training import TrainingData


def frames():
    # X carries its own row number so alignment can be read back; its index is deliberately not 0..n-1.
    X = pd.DataFrame({"row": np.arange(6, dtype=float), "count": [3, 1, 4, 1, 5, 9]}, index=[50, 40, 30, 20, 10, 0])
    meta = pd.DataFrame(
        {
            "family_id": [101, 102, 103, 104, 105, 106],
            "as_of_date": ["2023-01-01", "2023-01-01", "2023-04-01", "2023-04-01", "2023-07-01", "2023-07-01"],
            "label": [1.0, np.nan, 0.0, 1.0, np.nan, 0.0],
            "sex": ["F", "M", "F", "M", "F", "M"],
        }
    )
    oracle = pd.Series([0.9, 0.8, 0.1, 0.7, 0.6, 0.2])
    return X, meta, oracle


def test_from_frames_drops_unlabelled_rows_and_keeps_alignment():
    X, meta, oracle = frames()
    data = TrainingData.from_frames(X, meta, sensitive=["sex"], oracle=oracle)
    kept = [0, 2, 3, 5]
    assert data.X["row"].tolist() == kept
    assert data.X.index.tolist() == [0, 1, 2, 3]
    assert data.y.tolist() == [1, 0, 1, 0]
    assert data.family_id.tolist() == ["101", "103", "104", "106"]
    assert data.as_of_date.astype(str).tolist() == ["2023-01-01", "2023-04-01", "2023-04-01", "2023-07-01"]
    assert data.sensitive["sex"].tolist() == ["F", "F", "M", "M"]
    assert data.sensitive.index.tolist() == [0, 1, 2, 3]
    assert data.oracle.tolist() == [0.9, 0.1, 0.7, 0.2]
    assert X.shape == (6, 2) and meta["label"].isna().sum() == 2  # inputs not mutated


def test_dates_and_rows():
    X, meta, _ = frames()
    data = TrainingData.from_frames(X, meta)
    assert data.dates == [dt.date(2023, 1, 1), dt.date(2023, 4, 1), dt.date(2023, 7, 1)]
    assert data.rows([dt.date(2023, 4, 1)]).tolist() == [1, 2]
    assert data.rows([dt.date(2023, 1, 1), dt.date(2023, 7, 1)]).tolist() == [0, 3]
    assert data.rows([dt.date(2020, 1, 1)]).tolist() == []


def test_other_column_names():
    X, meta, _ = frames()
    meta = meta.rename(columns={"label": "y", "as_of_date": "d", "family_id": "fid"})
    data = TrainingData.from_frames(X, meta, label="y", time="d", id="fid")
    assert data.y.tolist() == [1, 0, 1, 0] and data.family_id.tolist() == ["101", "103", "104", "106"]


@pytest.mark.parametrize(("bad", "shown"), [(2.0, "2"), (-1.0, "-1")])
def test_labels_other_than_zero_and_one_are_rejected(bad, shown):
    X, meta, _ = frames()
    meta.loc[2, "label"] = bad
    with pytest.raises(ValueError, match=rf"(y|label): got values \[{re.escape(shown)}(\.0)?\]; expected 0 or 1 on every labelled row"):
        TrainingData.from_frames(X, meta)


@pytest.mark.parametrize("bad", [0.5, 256.0])
def test_fractional_or_overflowing_labels_are_rejected(bad):
    X, meta, _ = frames()
    meta.loc[2, "label"] = bad
    with pytest.raises(ValueError, match="expected 0 or 1"):
        TrainingData.from_frames(X, meta)


@pytest.mark.parametrize("name", ["y", "as_of_date", "family_id", "oracle"])
def test_length_mismatch_is_rejected(name):
    parts = {
        "X": pd.DataFrame({"a": [1.0, 2.0, 3.0]}),
        "y": np.array([0, 1, 0]),
        "as_of_date": np.array(["2023-01-01"] * 3, dtype="datetime64[D]"),
        "family_id": np.array(["a", "b", "c"]),
        "oracle": np.array([0.1, 0.2, 0.3]),
    }
    parts[name] = parts[name][:2]
    with pytest.raises(ValueError, match=rf"{name}: got 2 rows; expected 3, one per row of X"):
        TrainingData(**parts)


def test_from_frames_refuses_frames_of_different_lengths():
    X, meta, oracle = frames()
    with pytest.raises((ValueError, IndexError)):
        TrainingData.from_frames(X.iloc[:5], meta)
    with pytest.raises((ValueError, IndexError)):
        TrainingData.from_frames(X, meta, oracle=oracle.iloc[:5])


def test_from_frames_length_mismatch_reads_like_the_other_errors():
    X, meta, _ = frames()
    with pytest.raises(ValueError, match=r"got \d+ rows; expected \d+"):
        TrainingData.from_frames(X.iloc[:5], meta)
