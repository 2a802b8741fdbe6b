"""Reading a partner's or a data scientist's file: problems said in words a person can act on."""

from __future__ import annotations

import pyarrow as pa
import pytest

from placerisk.datatools.tables import read_frame, safe_reason, separator_hint
from placerisk.errors import DataError


@pytest.mark.parametrize("sep,word", [(";", "semicolons"), ("\t", "tabs"), ("|", "bars")])
def test_a_csv_separated_by_something_else_says_so(tmp_path, sep, word):
    path = tmp_path / "s.csv"
    path.write_text(sep.join(["risk", "outcome", "g"]) + "\n" + sep.join(["0.1", "1", "A"]) + "\n")
    with pytest.raises(DataError, match=f"it looks separated by {word}; expected commas"):
        read_frame(path)


def test_a_one_column_csv_is_not_mistaken_for_another_separator():
    assert separator_hint(["family_id"]) == "" and separator_hint(["a", "b;c"]) == ""


def test_a_latin1_csv_asks_for_utf8(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes("id,name\n1,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(DataError) as err:
        read_frame(path)
    assert "not UTF-8 text" in str(err.value) and "CSV UTF-8" in str(err.value) and "Jos" not in str(err.value)


def test_a_folder_where_a_file_should_be(tmp_path):
    (tmp_path / "x.csv").mkdir()
    with pytest.raises(DataError, match="is a folder; expected a CSV or Parquet file"):
        read_frame(tmp_path / "x.csv")


def test_reasons_never_quote_row_text():
    err = pa.ArrowInvalid("CSV parse error: Expected 3 columns, got 2: secret,row,text")
    assert "secret" not in safe_reason(err)


def test_a_header_without_its_final_newline_is_a_file_with_no_rows(tmp_path):
    from placerisk.datatools.tables import read_csv_as_text

    path = tmp_path / "h.csv"
    path.write_bytes(b"person_id,event_type,event_date,recorded_date")
    table = read_csv_as_text(path)
    assert table.num_rows == 0 and table.schema.names == ["person_id", "event_type", "event_date", "recorded_date"]
