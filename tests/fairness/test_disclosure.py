"""Regression tests for review findings: disclosure through published output, and crashes on plausible input."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from placerisk.fairness import (
    FairnessPolicy,
    atrs_record,
    audit,
    mitigation_tradeoffs,
    model_card,
    render_all,
    to_dict,
    to_markdown,
)
from placerisk.fairness._findings import NOT_ASSESSABLE

from .conftest import make_population

LIMIT = 10
FAST = FairnessPolicy(n_boot=30)


def cells_frame(cells: dict, feature="group"):
    """Rows with exactly the given confusion cells per group, listed by ``threshold=0.5``."""
    parts = []
    for group, (tp, fp, fn, tn) in cells.items():
        for count, score, label in ((tp, 0.9, 1), (fp, 0.8, 0), (fn, 0.2, 1), (tn, 0.1, 0)):
            parts.append(pd.DataFrame({"score": score, "label": label, feature: [group] * count}))
    frame = pd.concat(parts, ignore_index=True)
    # small jitter keeps the rows distinct without crossing the 0.5 threshold
    frame["score"] += np.random.default_rng(0).uniform(-0.05, 0.05, len(frame))
    return frame


def _numbers(text: str) -> set[str]:
    """Decimal figures in ``text`` other than the tolerance bounds."""
    return set(re.findall(r"\d+\.\d+", text.replace("0.8–1.25", "")))


def test_not_assessable_findings_publish_no_figures():
    # Finding 1: B's recall ratio (0.238) times A's recall (0.6) gave B's recall = 5/35.
    frame = cells_frame({"A": (300, 100, 200, 1400), "B": (5, 40, 30, 200)})
    result = audit(frame["label"], frame["score"], frame[["group"]], threshold=0.5, policy=FAST)
    full = [f for f in result.findings if f.group == "B" and f.status == NOT_ASSESSABLE]
    assert full and np.isfinite(full[0].ratio)  # the full version keeps the figures
    doc = json.loads(render_all(result)["report.json"])
    published = [f for f in doc["findings"] if f["group"] == "B"]
    assert published
    for f in published:
        assert f["ratio"] is None and f["ratio_low"] is None and f["ratio_high"] is None
        assert not _numbers(f["sentence"]), f["sentence"]
    for row in doc["tables"]["disparities"]:
        if row["group"] == "B":
            assert all(row[c] is None for c in ("value", "reference_value", "ratio", "ratio_low", "ratio_high",
                                                "difference", "difference_low", "difference_high"))
            assert not _numbers(row["sentence"])


def test_a_small_cell_hides_every_confusion_figure_of_its_group():
    # Finding 2: tp=5 followed from base rate x n, selection rate x n and false omission rate x 230.
    frame = cells_frame({"A": (300, 100, 200, 1400), "B": (5, 40, 30, 200), "C": (60, 40, 50, 300)})
    result = audit(frame["label"], frame["score"], frame[["group"]], threshold=0.5, policy=FAST)
    pub = result.table("by_group").set_index("group")
    rates = ["base_rate", "selection_rate", "recall", "false_negative_rate", "false_positive_rate", "precision",
             "false_omission_rate", "roc_auc", "observed_to_expected"]
    hidden = [*rates, *[f"{r}_{s}" for r in rates for s in ("low", "high")], "tp", "fp", "fn", "tn"]
    assert pub.loc["B", hidden].isna().all()
    assert set(hidden) <= set(pub.loc["B", "suppressed"])
    # the full version keeps them
    assert result.table("by_group", published=False).set_index("group").loc["B", rates].notna().all()
    # published rates are rounded to 3 decimal places
    shown = pub.loc["A", rates].astype(float)
    np.testing.assert_array_equal(shown, shown.round(3))
    disp = result.table("disparities")
    assert disp.loc[disp["group"] == "B", ["ratio", "ratio_low", "ratio_high", "difference"]].isna().all().all()


def _complement_is_safe(pub_values: pd.Series, full_values: pd.Series, sensitive=None) -> bool:
    """No single hidden count (nor a hidden total under the limit) follows from total minus the shown ones.

    ``sensitive`` marks the counts that must stay hidden (default: those under the limit).
    """
    hidden = pub_values.isna().to_numpy()
    sensitive = full_values.to_numpy() < LIMIT if sensitive is None else np.asarray(sensitive)
    assert not (sensitive & ~hidden).any()
    if not sensitive.any() or hidden.all():  # the total is then the sum of hidden counts: hidden too when under the limit
        return True
    return not hidden.any() or (hidden.sum() >= 2 and full_values.to_numpy()[hidden].sum() >= LIMIT)


def test_one_small_group_hides_the_next_smallest_and_totals_are_rounded():
    # Finding 3: n_rows exact and F=203, M=190 recoverable gave Missing = 7.
    rng = np.random.default_rng(4)
    sex = np.array(["F"] * 203 + ["M"] * 190 + [None] * 7, dtype=object)
    y = (rng.random(400) < 0.35).astype(int)
    score = rng.normal(size=400) + 1.5 * y
    result = audit(y, score, pd.DataFrame({"sex": sex}), k=120, policy=FAST)
    pub = result.table("by_group").set_index("group")
    counts = ["n", "positives", "negatives", "selected", "tp", "fp", "fn", "tn"]
    assert pub.loc["Missing", counts].isna().all()
    assert pub.loc["M", counts].isna().all() and pub.loc["M", ["recall", "base_rate", "roc_auc"]].isna().all()
    assert pub.loc["F", "n"] == 205
    full = result.table("by_group", published=False)
    for column in counts:
        assert _complement_is_safe(result.table("by_group")[column], full[column],
                                   full["group"].eq("Missing").to_numpy()), column
    op = result.operating_point_for()
    assert op["n_rows"] == 400 and op["n_rows"] % 5 == 0
    assert result.table("overall")["n"].iloc[0] % 5 == 0


def test_calibration_blocks_cannot_be_differenced():
    y, score, sf = make_population(n=1500, seed=11)
    sf.loc[sf.index[:12], "sex"] = None
    result = audit(y, score, sf, k=60, intersections=[("ethnicity", "sex")], policy=FAST)
    full, pub = result.table("calibration", published=False), result.table("calibration")
    counts = ["n", "positives", "negatives"]
    row_hidden = pub[counts].isna()
    # a row is hidden whole, never partly
    assert (row_hidden.all(axis=1) | ~row_hidden.any(axis=1)).all()
    for keys in (["feature", "band"], ["feature", "group"]):
        for idx in pub.groupby(keys).groups.values():
            if len(idx) < 2:  # the block is its own total
                continue
            sensitive = (full.loc[idx, counts] < LIMIT).any(axis=1).to_numpy()
            for column in counts:
                assert _complement_is_safe(pub.loc[idx, column], full.loc[idx, column], sensitive), (keys, column)
    # and by group, per feature
    full_g, pub_g = result.table("by_group", published=False), result.table("by_group")
    confusion = ["tp", "fp", "fn", "tn"]
    for idx in pub_g.groupby("feature").groups.values():
        withheld = (full_g.loc[idx, confusion] < LIMIT).any(axis=1).to_numpy()
        for column in ["n", "positives", "negatives", "selected", *confusion]:
            sensitive = (full_g.loc[idx, column] < LIMIT).to_numpy() | (withheld if column in confusion else False)
            assert _complement_is_safe(pub_g.loc[idx, column], full_g.loc[idx, column], sensitive), column


def test_operating_point_publishes_no_small_counts():
    # Finding 4: "2 of 400 families", rows_tied_at_cutoff and tied_rows_selected were exact.
    rng = np.random.default_rng(5)
    score = np.round(rng.random(400) * 0.9, 2)
    score[[10, 20]] = 0.95
    score[[30, 40, 50]] = 0.97  # three rows tie at the cutoff
    sex = rng.choice(["F", "M"], 400)
    y = (rng.random(400) < 0.3).astype(int)
    result = audit(y, score, pd.DataFrame({"sex": sex}), threshold=0.95, policy=FAST)
    assert result.operating_point["n_selected"] == 5
    op = result.operating_point_for()
    assert op["n_selected"] is None and op["rows_tied_at_cutoff"] is None and op["tied_rows_selected"] is None
    assert op["n_rows"] == 400
    reports = render_all(result)
    doc = json.loads(reports["report.json"])
    assert doc["operating_point"]["n_selected"] is None and doc["operating_point"]["rows_tied_at_cutoff"] is None
    texts = [reports["report.html"], reports["report.md"], model_card({"name": "m"}, result),
             json.dumps(atrs_record({"name": "m"}, result))]
    for text in texts:
        assert not re.search(r"\b5 of\b|\b3 families score exactly\b", text)
    assert "5 of 400" in to_markdown(result, published=False)


def test_operating_point_counts_are_rounded():
    y, score, sf = make_population(n=2003, seed=2)
    result = audit(y, score, sf, k=133, policy=FAST)
    op = result.operating_point_for()
    assert (op["n_rows"], op["n_selected"], op["k"]) == (2005, 135, 133)
    assert "about 135 of about 2,005 families" in to_markdown(result)


def test_a_feature_with_one_group_is_skipped_with_a_note():
    y, score, sf = make_population(n=800, seed=1)
    sf["region"] = "North"
    result = audit(y, score, sf, k=80, policy=FAST)
    assert "region" not in result.method["features"]
    note = "sensitive feature 'region' has one group ('North'); expected at least two"
    assert result.method["skipped_features"] == [note]
    assert note in to_markdown(result)
    with pytest.raises(ValueError, match=re.escape(note)):
        audit(y, score, sf[["region"]], k=80, policy=FAST)


def test_duplicate_sensitive_columns_raise_value_error():
    y, score, sf = make_population(n=300, seed=1)
    doubled = pd.concat([sf[["sex"]], sf[["sex"]]], axis=1)
    with pytest.raises(ValueError, match="duplicate column names \\['sex'\\]"):
        audit(y, score, doubled, k=30, policy=FAST)
    with pytest.raises(ValueError, match="names column 'sex' more than once"):
        audit(y, score, sf, k=30, intersections=[("sex", "sex")], policy=FAST)


def test_mitigation_leaves_out_threshold_optimizer_when_a_group_has_one_class():
    y, score, sf = make_population(n=2000, seed=3)
    y = y.copy()
    y[sf["ethnicity"].to_numpy() == "C"] = 0
    table = mitigation_tradeoffs(y, score, sf["ethnicity"], k=200, max_rows=1000)
    optimizer = table[table["option"].str.startswith("ThresholdOptimizer")]
    assert len(optimizer) == 2
    assert optimizer["note"].str.contains("not available: group C has no families with the outcome").all()
    assert optimizer["selected"].isna().all()
    assert (table["selected"].iloc[:3] == 200).all()


def test_mitigation_missing_reference_raises_like_audit():
    y, score, sf = make_population(n=600, seed=3)
    policy = FairnessPolicy(n_boot=20, reference_group={"ethnicity": "Z"})
    with pytest.raises(ValueError) as from_audit:
        audit(y, score, sf[["ethnicity"]], k=60, policy=policy)
    with pytest.raises(ValueError) as from_mitigation:
        mitigation_tradeoffs(y, score, sf["ethnicity"], k=60, policy=policy, max_rows=500)
    assert str(from_mitigation.value) == str(from_audit.value)


def test_green_light_text_admits_unsettled_secondary_comparisons():
    frame = cells_frame({"F": (3000, 600, 1000, 6000), "M": (3000, 5, 1000, 6000)})
    result = audit(frame["label"], frame["score"], frame[["group"]], threshold=0.5,
                   policy=FairnessPolicy(n_boot=50))
    statuses = result.table("disparities", published=False).set_index("metric")["status"]
    assert result.traffic_light == "green" and statuses["false_positive_rate"] == NOT_ASSESSABLE
    from placerisk.fairness._report_content import light_text

    text = light_text(result)
    assert "every primary and secondary comparison" not in text
    assert "could not be settled" in text
    assert text in to_markdown(result)


def test_markdown_escapes_group_labels():
    y, score, sf = make_population(n=1200, seed=6)
    sf["ethnicity"] = sf["ethnicity"].map({"A": "<b>A</b>", "B": "B|x", "C": "`C`"})
    result = audit(y, score, sf, k=120, policy=FAST)
    md = to_markdown(result)
    assert "<b>" not in md and "&lt;b&gt;A&lt;/b&gt;" in md
    assert "\\`C\\`" in md
    assert "B\\|x" in md
    width = None
    for line in md.splitlines():  # every table row has as many cells as its header
        if not line.startswith("|"):
            width = None
            continue
        cells = len(re.findall(r"(?<!\\)\|", line))
        width = cells if width is None else width
        assert cells == width, line


def test_full_version_keeps_everything():
    frame = cells_frame({"A": (300, 100, 200, 1400), "B": (5, 40, 30, 200)})
    result = audit(frame["label"], frame["score"], frame[["group"]], threshold=0.5, policy=FAST)
    full = to_dict(result, published=False)
    row = next(r for r in full["tables"]["by_group"] if r["group"] == "B")
    assert row["tp"] == 5 and row["recall"] == pytest.approx(5 / 35)
    assert full["operating_point"]["n_rows"] == result.operating_point["n_rows"]
    assert any(f["ratio"] is not None for f in full["findings"] if f["group"] == "B")
