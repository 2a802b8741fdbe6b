"""A team's page and the VRU summary as people see them: rendered in headless Chromium, the rows equal the CSV's."""

from __future__ import annotations

import csv
import html
import io
import re
import subprocess

import pandas as pd

from placerisk.scoring.lists import HELD_COLUMNS
from placerisk.scoring.outputs import csv_bytes, monitor_page, summary_page, team_page
from placerisk.scoring.summary import listed_shares

from ..fairness.test_report_in_browser import FLAGS, _chromium
from .test_outputs import AS_OF, FACTS, LEFT, LISTED, SUPPORTED


def _dom(tmp_path, page: str) -> str:
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    done = subprocess.run([_chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", path.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _rows(dom: str, table_id: str) -> list[list[str]]:
    body = dom.split(f'id="{table_id}"')[1].split("</table>")[0].split("<tbody>")[1]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_team_page_shows_the_csvs_rows_band_first_probability_last(tmp_path):
    listed = pd.concat([LISTED, LISTED.assign(Place=2, **{"Family (pseudonymous id)": "f2", "Band (1-20)": 19, "Probability": 0.7})])
    held = pd.DataFrame([["North", "f7", 15, "held until 2026-05-25: declined by the family (list of 2026-02-23)"]], columns=HELD_COLUMNS)
    dom = _dom(tmp_path, team_page("North", AS_OF, listed, LEFT, SUPPORTED, FACTS, held=held))
    expected = list(csv.reader(io.StringIO(csv_bytes(listed).decode())))
    assert _rows(dom, "list-table") == expected[1:]
    header = re.findall(r"<th>(.*?)</th>", dom.split('id="list-table"')[1].split("</thead>")[0])
    assert [html.unescape(h) for h in header] == expected[0]
    assert _rows(dom, "left-table") == [["North", "f9", "dropped below the cut"]]
    assert _rows(dom, "supported-table") == [["North", "f5", "17", "an open engagement (case management)"]]
    assert _rows(dom, "held-table") == held.astype(str).values.tolist()
    assert "<script" not in dom


def test_the_vru_summary_shows_counts_and_withheld_shares(tmp_path):
    counts = pd.DataFrame([{"team": "North", "places": 25, "listed": 25, "new": 3, "still_listed": 22, "left": 3, "supported": 1, "held": 2,
                            "band_min": 18, "band_max": 20, "band_median": 20.0}])
    groups = pd.DataFrame({"ethnicity": ["A"] * 200 + ["B"] * 100 + ["C"] * 5})
    listed = pd.Series([True] * 40 + [False] * 160 + [True] * 30 + [False] * 70 + [True] + [False] * 4).to_numpy()
    shares = listed_shares(groups, listed, min_cell_count=10, round_to=5)
    after = {"monitor": {"status": "red", "on": "2026-03-01", "reasons": ["North: precision at capacity 0.04, below the rule's 0.21."]},
             "drift": {"status": "significant", "warnings": ["police__any__count_12m: PSI 0.412 (above 0.25: a significant shift since training)"]}}
    dom = _dom(tmp_path, summary_page(AS_OF, counts, shares, FACTS, after=after))
    assert _rows(dom, "teams-table") == [["North", "25", "25", "3", "22", "3", "1", "2", "18-20-20"]]
    status = html.unescape(re.sub(r"<[^>]+>", "", dom.split('id="monitor-status"')[1].split("</p>")[0]))
    assert "Outcome monitor: red" in status and "below the rule's 0.21" in status
    assert "police__any__count_12m: PSI 0.412" in dom.split('id="drift-warnings"')[1].split("</ul>")[0]
    assert dom.index('id="checks"') < dom.index('id="teams"')  # the status comes first
    assert _rows(dom, "shares-table") == shares.astype(str).values.tolist()


def test_the_monitor_page_shows_the_status_first_the_teams_and_inline_charts(tmp_path):
    from placerisk.scoring.charts import lines_over_weeks
    from placerisk.scoring.monitor import HELPED_CAVEAT, Settings, precision_by_team, team_status

    from .test_monitor import weeks_fixture

    frame = weeks_fixture()
    precision = precision_by_team(frame)
    statuses = team_status(precision, Settings(min_precision=0.05, ratio_low=0.1, ratio_high=10), frame)
    report = {"on": "2026-04-01", "status": "red", "reasons": [r for s in statuses for r in s.reasons], "data_end": "2026-03-31",
              "model": {"name": "m", "version": "3"}, "weeks_monitored": ["2025-01-06", "2025-01-13"], "weeks_waiting": [],
              "settings": vars(Settings()), "caveat": HELPED_CAVEAT, "teams": [vars(s) for s in statuses], "override_warnings": ["North: x"],
              "feedback_decisions": 0, "rule": "the best rule"}
    charts = {"precision": lines_over_weeks(precision, series={"precision": "model", "rule_precision": "rule"}, title="Precision",
                                            ylabel="share"), "overrides": "", "calibration": ""}
    dom = _dom(tmp_path, monitor_page(report, {"precision": precision}, charts))
    assert dom.index('id="monitor-status"') < dom.index('id="teams-table"') < dom.index("<svg")
    assert "Status: <strong>red</strong>" in dom and "South: precision at capacity 0.100" in dom
    teams = _rows(dom, "teams-table")
    assert [r[0] for r in teams] == ["North", "South"] and [r[1] for r in teams] == [s.status for s in statuses] == ["green", "amber"]
    assert "not a clean label" in dom and "http://" not in dom.split("<svg")[0] and "<script" not in dom
