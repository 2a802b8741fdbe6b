"""The same tables give the same bytes: CSV, page and workbook; the page escapes what it shows and fetches nothing."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import load_workbook

from placerisk.scoring.lists import LEFT_COLUMNS, LIST_COLUMNS, SUPPORTED_COLUMNS
from placerisk.scoring.outputs import csv_bytes, summary_page, team_page, workbook_bytes
from placerisk.scoring.summary import listed_shares

AS_OF = dt.date(2026, 3, 2)
LISTED = pd.DataFrame([["North", 1, "f1", 20, "new", "Any police incident: 3 in the last 6 months <b>", "police", "2026-02-25",
                        "", "", "", "", "", "", 0.81234]], columns=LIST_COLUMNS)
LEFT = pd.DataFrame([["North", "f9", "dropped below the cut"]], columns=LEFT_COLUMNS)
SUPPORTED = pd.DataFrame([["North", "f5", 17, "an open engagement (case management)"]], columns=SUPPORTED_COLUMNS)
FACTS = {"model": "m version 1", "approved_by": "Panel", "accepted_findings": "", "data_end": "2026-03-31", "first_run": False,
         "places": 25, "round_to": 5, "min_cell_count": 10, "hold_weeks": 12, "band_rise": 3}


def test_csv_is_byte_identical_and_rounds_probabilities():
    first, second = csv_bytes(LISTED), csv_bytes(LISTED.copy())
    assert first == second and b"0.812\n" in first and b"\r" not in first


def test_team_page_is_identical_escaped_and_self_contained():
    page = team_page("North", AS_OF, LISTED, LEFT, SUPPORTED, FACTS)
    assert page == team_page("North", AS_OF, LISTED.copy(), LEFT, SUPPORTED, FACTS)
    assert "&lt;b&gt;" in page and "<b>" not in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert page.index("Band (1-20)") < page.index("Reason 1") < page.index("Probability")


def test_workbook_has_fixed_bytes_and_the_sheets_a_team_needs():
    a = workbook_bytes(LISTED, LEFT, SUPPORTED, AS_OF, "North")
    b = workbook_bytes(LISTED.copy(), LEFT, SUPPORTED, AS_OF, "North")
    assert a == b
    book = load_workbook(io.BytesIO(a))
    assert book.sheetnames == ["List", "Left the list", "Already supported", "Held after feedback", "About the columns"]
    rows = list(book["List"].values)
    assert list(rows[0]) == LIST_COLUMNS and rows[1][2] == "f1" and rows[1][-1] == 0.812
    assert book.properties.created.date() == AS_OF


def test_listed_shares_withhold_small_groups_and_the_one_that_would_reveal_them():
    groups = pd.DataFrame({"ethnicity": ["A"] * 200 + ["B"] * 100 + ["C"] * 5})
    listed = pd.Series([True] * 40 + [False] * 160 + [True] * 30 + [False] * 70 + [True, False, False, False, False]).to_numpy()
    shares = listed_shares(groups, listed, min_cell_count=10, round_to=5).set_index("group")
    assert shares.loc["C", "listed"] == "[c]" and shares.loc["C", "families"] == "[c]"
    assert shares.loc["B", "listed"] == "[c]"  # the next smallest: else C's count would follow from the total
    assert shares.loc["A", "share"] == "20.0%" and shares.loc["A", "families"] == "200"
    page = summary_page(AS_OF, pd.DataFrame([{"team": "North", "places": 25, "listed": 25, "new": 3, "still_listed": 22, "left": 3,
                                              "supported": 1, "held": 0, "band_min": 18, "band_max": 20, "band_median": 20.0}]),
                        shares.reset_index(), FACTS)
    assert "[c]" in page and "North" in page

