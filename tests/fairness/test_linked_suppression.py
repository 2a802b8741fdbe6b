"""Secondary suppression across every table of one report (synthetic data only).

Each test attacks the published report on its own terms, without the package's own model:

* the *chain* attack tries every difference of published counts along the report's sum
  lines (a group's total minus the intersection cells inside it, the overall row minus a
  feature's groups, a group's count minus its calibration bands, a row's margins minus its
  cells, ...), adds whatever it recovers to what is known and goes on until nothing new
  follows;
* the *span* attack writes every count of the report as a sum of the finest cells the report
  can tell apart (intersection group x score band x listed x outcome, the listed split only
  in the band the cutoff cuts) and asks whether a withheld count is a linear combination of
  the published ones, i.e. recoverable by *any* sums and differences.
"""

import itertools

import numpy as np
import pandas as pd
import pytest

from placerisk.fairness import FairnessPolicy, audit, selection_mask
from placerisk.fairness._tables import publish_all

LIMIT = 10
COUNTS = ("n", "positives", "negatives", "selected", "tp", "fp", "fn", "tn")
CELLS = ("tp", "fp", "fn", "tn")
CAL_COUNTS = ("n", "positives", "negatives")
INTERSECTION = ("ethnicity", "sex")
NAME = " x ".join(INTERSECTION)


def small_cell_population(seed=1):
    """490 families; the intersection cell (C, F) holds 6 of them, every other cell at least 34."""
    rng = np.random.default_rng(seed)
    eth = np.array(["A"] * 300 + ["B"] * 150 + ["C"] * 40)
    sex = np.array(["F", "M"] * 150 + ["F", "M"] * 75 + ["F"] * 6 + ["M"] * 34)
    y = (rng.random(eth.size) < 0.3).astype(int)
    score = rng.normal(size=eth.size) + 1.5 * y
    return pd.DataFrame({"ethnicity": eth, "sex": sex}), y, score


def run(frame, y, score, k, intersections=(INTERSECTION,), **policy):
    policy = FairnessPolicy(n_boot=20, **policy)
    return audit(y, score, frame, k=k, intersections=list(intersections), policy=policy)


def members_of(feature: str, group: str, columns: dict):
    """Which finest cells (``columns``: one label array per sensitive column) belong to a group."""
    names, labels = feature.split(" x "), group.split(", ")
    if feature == "all":
        return np.ones(len(next(iter(columns.values()))), bool)
    return np.logical_and.reduce([columns[name] == label for name, label in zip(names, labels, strict=True)])


# --- the report as labelled counts ------------------------------------------------------------

def counts_of(result, tables):
    """{label: value} for every count of the report; NaN where withheld. Labels:
    ("g", feature, group, column) for the overall row (feature "all") and by-group rows,
    ("c", feature, group, band, column) for calibration rows."""
    out = {}
    for _, r in tables["overall"].iterrows():
        out.update({("g", "all", "All families", c): float(r[c]) for c in COUNTS})
    for _, r in tables["by_group"].iterrows():
        out.update({("g", r["feature"], r["group"], c): float(r[c]) for c in COUNTS})
    for _, r in tables["calibration"].iterrows():
        out.update({("c", r["feature"], r["group"], int(r["band"]), c): float(r[c]) for c in CAL_COUNTS})
    return out


def tables_of(result, published=True):
    return {name: result.table(name, published=published) for name in ("overall", "by_group", "calibration")}


def sensitive_labels(full: dict) -> set:
    """Counts under the limit, and the four cells of a group with a cell under the limit."""
    out = {label for label, v in full.items() if v < LIMIT}
    for label, v in full.items():
        if label[0] == "g" and label[3] in CELLS and v < LIMIT:
            out |= {(*label[:3], c) for c in CELLS}
    return out


def sum_lines(result):
    """(total, parts) pairs that hold for any population: the report's own sums."""
    by_group = result.table("by_group", published=False)
    bands = sorted(result.table("calibration", published=False)["band"].unique())
    groups = {f: list(part["group"]) for f, part in by_group.groupby("feature", sort=False)}
    groups["all"] = ["All families"]
    lines = []
    for f, labels in groups.items():
        for g in labels:
            lines += [(("g", f, g, "n"), [("g", f, g, "positives"), ("g", f, g, "negatives")]),
                      (("g", f, g, "n"), [("g", f, g, c) for c in CELLS]),
                      (("g", f, g, "positives"), [("g", f, g, "tp"), ("g", f, g, "fn")]),
                      (("g", f, g, "negatives"), [("g", f, g, "fp"), ("g", f, g, "tn")]),
                      (("g", f, g, "selected"), [("g", f, g, "tp"), ("g", f, g, "fp")])]
            lines += [(("g", f, g, c), [("c", f, g, b, c) for b in bands]) for c in CAL_COUNTS]
            lines += [(("c", f, g, b, "n"), [("c", f, g, b, "positives"), ("c", f, g, b, "negatives")])
                      for b in bands]
        if f != "all":  # every feature's groups add up to all families, in every column and band
            lines += [(("g", "all", "All families", c), [("g", f, g, c) for g in labels]) for c in COUNTS]
            lines += [(("c", "all", "All families", b, c), [("c", f, g, b, c) for g in labels])
                      for b in bands for c in CAL_COUNTS]
    for name in (f for f in groups if " x " in f):  # a group is the sum of the intersection cells in it
        for position, member in enumerate(name.split(" x ")):
            for a in groups[member]:
                inside = [g for g in groups[name] if g.split(", ")[position] == a]
                lines += [(("g", member, a, c), [("g", name, g, c) for g in inside]) for c in COUNTS]
                lines += [(("c", member, a, b, c), [("c", name, g, b, c) for g in inside])
                          for b in bands for c in CAL_COUNTS]
    return lines


def chain_attack(lines, shown: dict, full: dict) -> dict:
    """Every count recovered by differences along the lines, repeated until nothing new follows."""
    known = {label: v for label, v in shown.items() if np.isfinite(v)}
    recovered = {}
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            terms = [total, *parts]
            unknown = [t for t in terms if t not in known]
            if len(unknown) != 1:
                continue
            (target,) = unknown
            if target == total:
                value = sum(known[p] for p in parts)
            else:
                value = known[total] - sum(known[p] for p in parts if p != target)
            known[target] = recovered[target] = value
            changed = True
    for label, value in recovered.items():  # the attack is real: what it recovers is right
        assert value == pytest.approx(full[label]), label
    return recovered


def literal_differences(lines, shown: dict, hidden_small: dict):
    """Every "total minus some published parts" of a line that equals a small withheld count of that line."""
    hits = []
    for total, parts in lines:
        if not np.isfinite(shown[total]):
            continue
        published = [p for p in parts if np.isfinite(shown[p])]
        targets = {p: hidden_small[p] for p in parts if p in hidden_small}
        if not targets or len(published) > 12:
            continue
        for r in range(len(published) + 1):
            for subset in itertools.combinations(published, r):
                d = shown[total] - sum(shown[p] for p in subset)
                hits += [(total, subset, p) for p, v in targets.items() if d == v]
    return hits


# --- the finest cells the report can tell apart ------------------------------------------------

def fine_model(result, frame, y, score, k, full: dict):
    """Labels and the 0/1 matrix writing each count of the report as a sum of finest cells.

    Cells: combination of the sensitive columns x score band x listed x outcome; a band
    wholly on (or off) the list has no unlisted (listed) cells, since the cutoff and the
    band ranges are shown. Every combination that occurs is a cell (as the intersection shows).
    """
    edges = np.asarray(result.method["band_edges"])
    band = np.searchsorted(edges, score, side="right") + 1
    listed = selection_mask(score, k=k).astype(int)
    combos = sorted(set(map(tuple, frame.to_numpy())))
    kinds = {b: sorted(set(listed[band == b])) for b in np.unique(band)}
    cells = [(*c, b, lst, out) for c in combos for b, ks in kinds.items() for lst in ks for out in (0, 1)]
    table = np.array(cells, dtype=object)
    columns = {name: table[:, i] for i, name in enumerate(frame.columns)}
    b, lst, out = table[:, -3], table[:, -2], table[:, -1]
    column = {"n": np.ones(len(cells), bool), "positives": out == 1, "negatives": out == 0,
              "selected": lst == 1, "tp": (lst == 1) & (out == 1), "fp": (lst == 1) & (out == 0),
              "fn": (lst == 0) & (out == 1), "tn": (lst == 0) & (out == 0)}

    def vector(label):
        where = members_of(label[1], label[2], columns) & column[label[-1]]
        return (where & (b == label[3])) if label[0] == "c" else where

    labels = sorted(full)
    matrix = np.array([vector(label) for label in labels], dtype=float)
    truth = np.zeros(len(cells))
    index = {c: i for i, c in enumerate(cells)}
    for row in zip(*(frame[c] for c in frame.columns), band, listed, y, strict=True):
        truth[index[row]] += 1
    np.testing.assert_allclose(matrix @ truth, [full[label] for label in labels])  # the model is the report
    return labels, matrix


def span_attack(model, shown: dict, sensitive: set) -> list:
    """Withheld sensitive counts that are linear combinations of the published ones (exactly)."""
    labels, matrix = model
    is_shown = np.array([np.isfinite(shown[label]) for label in labels])
    _, sv, vt = np.linalg.svd(matrix[is_shown], full_matrices=False)
    basis = vt[sv > 1e-9 * sv.max()]
    out = []
    for i, label in enumerate(labels):
        if label in sensitive and not is_shown[i] and matrix[i].any():  # an all-zero row is a structural zero
            if np.abs(matrix[i] - basis.T @ (basis @ matrix[i])).max() < 1e-8:
                out.append(label)
    return out


def bound_attack(model, shown: dict, full: dict, sensitive: set) -> list:
    """Small withheld counts the published ones bound below the limit (counts are non-negative)."""
    from scipy.optimize import linprog

    labels, matrix = model
    is_shown = np.array([np.isfinite(shown[label]) for label in labels])
    a_eq, b_eq = matrix[is_shown], np.array([full[label] for label in labels])[is_shown]
    out = []
    for i, label in enumerate(labels):
        if label in sensitive and full[label] < LIMIT and not is_shown[i] and matrix[i].any():
            best = linprog(-matrix[i], A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            if -best.fun < LIMIT - 1e-6:
                out.append(label)
    return out


# --- the tests -------------------------------------------------------------------------------

@pytest.mark.parametrize("round_to", [1, 5])
def test_no_small_cell_follows_from_differences_across_tables(round_to):
    frame, y, score = small_cell_population()
    result = run(frame, y, score, k=120, round_to=round_to)
    full, shown = counts_of(result, tables_of(result, False)), counts_of(result, tables_of(result))
    sensitive = sensitive_labels(full)
    assert ("g", NAME, "C, F", "n") in sensitive and np.isnan(shown[("g", NAME, "C, F", "n")])
    exact = {label: (full[label] if np.isfinite(v) else np.nan) for label, v in shown.items()}
    lines = sum_lines(result)
    # the attacker gets every published count exactly (published rates give rounded counts back)
    recovered = chain_attack(lines, exact, full)
    assert not sensitive & set(recovered), sorted(sensitive & set(recovered))
    hidden_small = {label: full[label] for label in sensitive if np.isnan(shown[label]) and full[label] < LIMIT}
    assert not literal_differences(lines, exact, hidden_small)
    assert not literal_differences(lines, shown, hidden_small)  # with the published (rounded) figures too
    assert not span_attack(fine_model(result, frame, y, score, 120, full), shown, sensitive)


def test_calibration_rows_of_listed_bands_do_not_give_a_hidden_band_back():
    # 1,000 families in 10 bands of 100 and a list of 200: exactly the top two bands. Women's
    # band 9 holds 4 families with the outcome, so that row is withheld (with bands 1 and 2,
    # and men's band 9, to protect it within the table); but women's listed families with the
    # outcome (tp, 42) minus their band-10 row (38) would give it back.
    rng = np.random.default_rng(0)
    design = {10: (50, 38, 25), 9: (50, 4, 20), 1: (45, 12, 13), 2: (55, 12, 13),  # band: women, their
              **{b: (50, 12, 13) for b in range(3, 9)}}                           # and men's outcomes
    sex, y, band = [], [], []
    for b, (women, women_pos, men_pos) in design.items():
        for label, size, pos in (("F", women, women_pos), ("M", 100 - women, men_pos)):
            sex += [label] * size
            y += [1] * pos + [0] * (size - pos)
            band += [b] * size
    y, band = np.array(y), np.array(band)
    score = band + rng.uniform(0.01, 0.99, band.size)
    frame = pd.DataFrame({"sex": sex})
    result = run(frame, y, score, k=200, intersections=(), round_to=1)
    assert result.operating_point["cutoff_score"] > 9 and result.operating_point["n_selected"] == 200
    full, shown = counts_of(result, tables_of(result, False)), counts_of(result, tables_of(result))
    assert full[("c", "sex", "F", 9, "positives")] == 4 and np.isnan(shown[("c", "sex", "F", 9, "positives")])
    sensitive = sensitive_labels(full)
    assert not span_attack(fine_model(result, frame, y, score, 200, full), shown, sensitive)


def test_an_empty_band_is_withheld_not_left_out():
    # Group C has no family in the top band: leaving its row out would show that none is listed.
    frame, y, score = small_cell_population(seed=2)
    score = np.where(frame["ethnicity"].eq("C"), score - 10, score)
    result = run(frame, y, score, k=60, round_to=1)
    full, pub = result.table("calibration", published=False), result.table("calibration")
    n_bands = full["band"].nunique()
    assert (full.groupby(["feature", "group"]).size() == n_bands).all()
    top = (full["feature"] == "ethnicity") & (full["group"] == "C") & (full["band"] == n_bands)
    assert full.loc[top, "n"].item() == 0 and pub.loc[top, ["n", "positives", "negatives"]].isna().all(axis=None)
    by_group = result.table("by_group").set_index(["feature", "group"])
    assert np.isnan(by_group.loc[("ethnicity", "C"), "selected"])
    counts_full, shown = counts_of(result, tables_of(result, False)), counts_of(result, tables_of(result))
    assert not span_attack(fine_model(result, frame, y, score, 60, counts_full), shown, sensitive_labels(counts_full))


def test_no_more_is_hidden_where_the_tables_do_not_give_each_other_away():
    rng = np.random.default_rng(7)
    n = 6000
    frame = pd.DataFrame({"ethnicity": rng.choice(["A", "B"], n, p=[0.6, 0.4]), "sex": rng.choice(["F", "M"], n)})
    y = (rng.random(n) < 0.3).astype(int)
    score = rng.normal(size=n) + 1.5 * y
    result = run(frame, y, score, k=1500, round_to=5, n_bands=4)
    within = publish_all({name: result.table(name, published=False) for name in result.table_names},
                         result.policy, result.multiple_comparisons["interval_level"])
    for name in result.table_names:
        pd.testing.assert_frame_equal(result.table(name), within[name])
    assert not result.table("by_group")[list(COUNTS)].isna().any(axis=None)  # nothing needed hiding


def _added_blocks(result):
    """Rows the cross-table step hid on top of the within-table rules: (table, row index)."""
    within = publish_all({name: result.table(name, published=False) for name in result.table_names},
                         result.policy, result.multiple_comparisons["interval_level"])
    blocks = []
    for name, columns in (("by_group", COUNTS), ("calibration", CAL_COUNTS)):
        now, before = result.table(name)[list(columns)].isna(), within[name][list(columns)].isna()
        assert not (before & ~now).any(axis=None)  # nothing within-table suppression hid is shown
        blocks += [(name, i) for i in np.flatnonzero((now & ~before).any(axis=1).to_numpy())]
    return blocks, within


def test_every_extra_block_is_needed():
    frame, y, score = small_cell_population()
    result = run(frame, y, score, k=120, round_to=1)
    blocks, within = _added_blocks(result)
    assert blocks  # the population needs the cross-table step
    full_tables, final = tables_of(result, False), tables_of(result)
    full = counts_of(result, full_tables)
    sensitive = sensitive_labels(full)
    model = fine_model(result, frame, y, score, 120, full)
    assert not bound_attack(model, counts_of(result, final), full, sensitive)
    for name, i in blocks:  # show one extra block again: something small is then given away
        trial = {t: v.copy() for t, v in final.items()}
        columns = list(COUNTS if name == "by_group" else CAL_COUNTS)
        trial[name].loc[i, columns] = full_tables[name].loc[i, columns].where(within[name].loc[i, columns].notna())
        shown = counts_of(result, trial)
        assert span_attack(model, shown, sensitive) or bound_attack(model, shown, full, sensitive), (name, i)
