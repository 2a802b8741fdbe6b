import json
import re

import pytest

from placerisk.fairness import (
    FairnessPolicy,
    atrs_record,
    audit,
    mitigation_tradeoffs,
    model_card,
    proxy_check,
    render_all,
    to_dict,
    to_html,
    to_markdown,
)

from .conftest import make_population


@pytest.fixture(scope="module")
def bundle():
    y, score, sf = make_population(n=3000, seed=9, gap=1.0)
    sf.loc[sf.index[:8], "sex"] = None
    result = audit(y, score, sf, k=300, intersections=[("ethnicity", "sex")], policy=FairnessPolicy(n_boot=40))
    X = sf.assign(signal=(sf["ethnicity"] == "B") * 1.0).drop(columns=["ethnicity", "sex"])
    proxy = proxy_check(X, sf, model_rows=500)
    mitigation = mitigation_tradeoffs(y, score, sf["ethnicity"], k=300, max_rows=1000)
    return result, proxy, mitigation


def test_html_is_self_contained_printable_and_opens_with_the_summary(bundle):
    result, proxy, mitigation = bundle
    html = to_html(result, context={"model": "Vendor score <v2>"}, proxy=proxy, mitigation=mitigation)
    assert not re.search(r"(src|href)\s*=|https?://|<script|<link|@import", html)
    assert "@media print" in html and "<svg" in html
    assert html.index("Summary") < html.index("Findings") < html.index("Figures by group") \
        < html.index("Calibration by group") < html.index("Proxy check") < html.index("Mitigation options") \
        < html.index("Data and method notes")
    assert "Vendor score &lt;v2&gt;" in html
    assert f"Traffic light: {result.traffic_light.upper()}" in html


def test_markdown_carries_the_same_findings_and_notes(bundle):
    result, proxy, mitigation = bundle
    md = to_markdown(result, proxy=proxy, mitigation=mitigation)
    html = to_html(result, proxy=proxy, mitigation=mitigation)
    for finding in result.findings_for(published=True):
        assert finding.sentence in md
    full_md = to_markdown(result, published=False)
    for finding in result.findings:
        assert finding.sentence in full_md
    assert "[c]" in md and "bootstrap" in md and "comparisons" in md and "original row position" in md
    assert md.count("| ") > 50
    assert "NOT FOR PUBLICATION" not in md and "NOT FOR PUBLICATION" in to_markdown(result, published=False)
    assert len(re.findall(r"<tr>", html)) > 50


def test_json_published_has_no_small_counts(bundle):
    result, proxy, mitigation = bundle
    doc = json.loads(render_all(result, {"model": "m"}, proxy=proxy, mitigation=mitigation)["report.json"])
    assert doc["published"] is True and doc["traffic_light"] == result.traffic_light
    for name, rows in doc["tables"].items():
        for row in rows:
            for column in ("n", "positives", "negatives", "selected", "tp", "fp", "fn", "tn"):
                if row.get(column) is not None:
                    assert row[column] >= 10 and row[column] % 5 == 0, (name, column, row[column])
    assert "min_count" not in doc["tables"]["disparities"][0]
    full = to_dict(result, published=False)
    assert any(r["n"] < 10 for r in full["tables"]["by_group"])


def test_render_all_returns_the_three_reports(bundle):
    result, _, _ = bundle
    reports = render_all(result, {"model": "m"})
    assert set(reports) == {"report.html", "report.md", "report.json"}
    assert all(isinstance(v, str) and v for v in reports.values())


def test_model_card_and_atrs_record(bundle):
    result, _, _ = bundle
    meta = {"name": "placerisk family model", "version": "0.1", "purpose": "Offer early help sooner.",
            "organisation": "Example VRU"}
    card = model_card(meta, result)
    assert card.startswith("# Model card: placerisk family model 0.1")
    assert "Offer early help sooner." in card and "TO COMPLETE" in card
    record = atrs_record(meta, result)
    assert record["tier_1"]["name"] == "placerisk family model"
    assert record["tier_2"]["owner_and_responsibility"]["organisation"] == "Example VRU"
    assert record["tier_2"]["risks"]["fairness_comparisons_made"] == result.multiple_comparisons["comparisons"]
    json.dumps(record)
