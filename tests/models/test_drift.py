"""The population stability index against values worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from placerisk.models.drift import EPSILON, DriftReference, band, binned_shares, decile_edges, psi


def test_psi_of_two_bins_by_hand():
    # (0.6 - 0.5) ln(0.6 / 0.5) + (0.4 - 0.5) ln(0.4 / 0.5) = 0.1 x 0.18232 + 0.1 x 0.22314
    assert psi([0.5, 0.5], [0.6, 0.4]) == pytest.approx(0.1 * math.log(1.2) - 0.1 * math.log(0.8))
    assert psi([0.5, 0.5], [0.6, 0.4]) == pytest.approx(0.040546, abs=1e-6)
    assert psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0


def test_empty_bins_are_floored_at_epsilon():
    # expected [0.5, 0.5], actual [1, 0]: (1 - 0.5) ln(1 / 0.5) + (1e-4 - 0.5) ln(1e-4 / 0.5)
    by_hand = 0.5 * math.log(2) + (EPSILON - 0.5) * math.log(EPSILON / 0.5)
    assert psi([0.5, 0.5], [1.0, 0.0]) == pytest.approx(by_hand)
    assert by_hand == pytest.approx(4.6053, abs=1e-3)


def test_deciles_of_0_to_99_and_a_shifted_population():
    ref = np.arange(100, dtype=float)
    edges = decile_edges(ref)
    assert edges == pytest.approx([9.9, 19.8, 29.7, 39.6, 49.5, 59.4, 69.3, 79.2, 89.1])
    # no value of 0..99 equals an edge (9.9, 19.8, ...): the edge bins are empty, each interval holds a tenth
    assert binned_shares(ref, edges) == pytest.approx([0.1, 0] * 9 + [0.1, 0.0])
    now = np.r_[np.zeros(50), np.full(50, 99.0)]  # half in the first tenth, half in the last
    shares = binned_shares(now, edges)
    assert shares == pytest.approx([0.5] + [0.0] * 17 + [0.5, 0.0])
    # two bins at 0.5 against 0.1, eight empty bins against 0.1, the edge bins and the missing bin empty in both
    by_hand = 2 * 0.4 * math.log(5) + 8 * (EPSILON - 0.1) * math.log(EPSILON / 0.1)
    assert psi(binned_shares(ref, edges), shares) == pytest.approx(by_hand)


def test_ties_and_missing_values_get_their_own_bins():
    ref = np.r_[np.zeros(80), np.arange(1, 21, dtype=float)]  # a count that is mostly zero
    edges = decile_edges(ref)
    assert edges == pytest.approx([0.0, 0.2, 10.1])  # deciles 0.1..0.7 are all 0 (one edge), 0.8 and 0.9 fall between values
    shares = binned_shares(ref, edges)
    assert shares.tolist() == pytest.approx([0.0, 0.8, 0.0, 0.0, 0.1, 0.0, 0.1, 0.0])  # below 0, exactly 0, (0, 0.2), 0.2, ..., missing
    now = binned_shares(np.r_[ref[:-10], np.full(10, np.nan)], edges)
    assert now[-1] == pytest.approx(0.1)


def test_families_moving_out_of_a_mass_point_are_seen():
    ref = np.r_[np.zeros(850), np.arange(1, 151) % 10 + 1.0]  # a count that is 85% zero
    now = ref.copy()
    now[:350] = 1.0  # 35% of families move from 0 to 1
    edges = decile_edges(ref)
    e, a = binned_shares(ref, edges), binned_shares(now, edges)
    assert e[1] == pytest.approx(0.85) and a[1] == pytest.approx(0.50)  # exactly 0: its own bin
    assert band(psi(e, a)) == "significant"


def test_reference_compares_scores_inputs_and_groups():
    rng = np.random.default_rng(0)
    numeric = pd.DataFrame({"a": rng.normal(size=5000), "b": rng.poisson(1.0, 5000).astype(float)})
    groups = pd.DataFrame({"sex": rng.choice(["F", "M"], 5000)})
    ref = DriftReference.fit(numeric, groups, date="2025-01-01")
    same = ref.compare(numeric, groups)
    assert (same["psi"] == 0).all() and (same["band"] == "stable").all()
    moved = pd.DataFrame({"a": numeric["a"] + 1.0, "b": numeric["b"]})
    out = ref.compare(moved, pd.DataFrame({"sex": ["F"] * 4000 + ["X"] * 1000})).set_index("column")
    assert out.at["a", "band"] == "significant" and out.at["b", "psi"] == 0
    assert out.at["sex", "band"] == "significant"  # a group never seen in training is a bin of its own
    back = DriftReference.from_dict(ref.to_dict())
    assert back.compare(moved).equals(ref.compare(moved))
    makeup = ref.makeup(pd.DataFrame({"sex": ["F"] * 3 + ["M"]})).set_index("group")
    assert makeup.at["F", "now"] == 0.75 and makeup.at["M", "reference"] == pytest.approx((groups["sex"] == "M").mean())


def test_bands_follow_the_credit_risk_convention():
    assert [band(x) for x in (0.0, 0.0999, 0.10, 0.2499, 0.25, 3.0)] == ["stable", "stable", "moderate", "moderate", "significant", "significant"]


def test_duplicate_columns_are_refused():
    with pytest.raises(ValueError, match="twice"):
        DriftReference.fit(pd.DataFrame([[1.0, 2.0]], columns=["x", "x"]))


def test_a_reference_pinned_with_the_first_binning_is_still_compared_bin_for_bin():
    from placerisk.models.drift import interval_shares

    ref = np.r_[np.zeros(80), np.arange(1, 21, dtype=float)]
    edges = decile_edges(ref)
    old = DriftReference(rows=100, numeric={"x": {"edges": edges.tolist(), "shares": interval_shares(ref, edges).tolist()}})
    assert len(old.numeric["x"]["shares"]) == len(edges) + 2
    assert old.compare(pd.DataFrame({"x": ref}))["psi"].tolist() == [0.0]


def test_bin_counts_added_up_over_batches_give_the_same_index_as_the_whole_column():
    """What Spark's executors do: count each batch in the reference's bins, add the counts, measure once."""
    from placerisk.models.drift import counts_like

    rng = np.random.default_rng(3)
    ref_frame = pd.DataFrame({"x": rng.poisson(0.4, 2000).astype(float), "y": rng.normal(size=2000)})
    ref = DriftReference.fit(ref_frame)
    now = pd.DataFrame({"x": rng.poisson(0.9, 1500).astype(float), "y": np.r_[rng.normal(0.5, size=1490), np.full(10, np.nan)]})
    batches = np.array_split(np.arange(len(now)), 7)
    counts = {c: sum(counts_like(now[c].to_numpy()[b], ref.numeric[c]) for b in batches) for c in now.columns}
    whole = ref.compare(now)
    assert ref.compare_counts(counts, len(now)).equals(whole)
    assert (whole["psi"] > 0.05).all()  # both columns moved: the comparison is not of two zeros
