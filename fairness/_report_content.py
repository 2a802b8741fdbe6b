"""The report's content, built once and rendered as Markdown or HTML (same words, same figures)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from placerisk.fairness import _format as fmt
from placerisk.fairness._charts import calibration_chart, ratio_chart
from placerisk.fairness._findings import COMPLEMENTS, INCONCLUSIVE, NOT_ASSESSABLE, OUTSIDE
from placerisk.fairness._metrics import LABELS
from placerisk.fairness._mitigation import publish_mitigation
from placerisk.fairness._suppression import RATE_DECIMALS, SUPPRESSED

LIGHT_TEXT = {
    "red": "RED: at least one primary metric is outside the panel's tolerance.",
    "amber": "AMBER: no primary metric is clearly outside tolerance, but a secondary metric is, "
             "or some primary comparisons are too uncertain (or too small) to settle.",
    "green": "GREEN: every primary comparison lies clearly within tolerance and no secondary comparison "
             "is clearly outside it.",
}


def light_text(result) -> str:
    """The traffic light in words, stating any comparison that could not be settled."""
    text = LIGHT_TEXT[result.traffic_light]
    table = result.table("disparities", published=False)
    unsettled = int(table["status"].isin([INCONCLUSIVE, NOT_ASSESSABLE]).sum())
    if result.traffic_light == "green":
        secondary = int((~table["primary"].astype(bool) & table["status"].isin([INCONCLUSIVE, NOT_ASSESSABLE])).sum())
        if secondary:
            text += (f" {secondary} secondary comparison(s) could not be settled (too uncertain or too few "
                     f"families), so they are neither confirmed within nor outside tolerance.")
    elif unsettled and result.traffic_light == "red":
        text += f" {unsettled} comparison(s) could not be settled (too uncertain or too few families)."
    skipped = result.method.get("skipped_features", [])
    if skipped:
        text += f" Not audited: {'; '.join(skipped)}."
    return text


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    cell_classes: list[list[str]] | None = None   # HTML classes per cell (e.g. "cell-red"), same shape as rows


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    anchor: str = ""


def _n(value, about: bool) -> str:
    if value is None:
        return SUPPRESSED
    return f"{'about ' if about else ''}{value:,}"


def _operating_point_text(op: dict) -> str:
    """The operating point in words; a published ``op`` (see ``AuditResult.operating_point_for``)
    gives rounded counts and "[c]" for a count below the limit."""
    about = bool(op.get("published"))
    if op["rule"] == "given":
        return f"The lists: {op['description']}. Ties: {op['tie_break']}."
    if op["rule"] == "top_k":
        rule = "the top families by score" if op["k"] is None else f"the top {op['k']:,} families by score"
    else:
        rule = f"every family with a score of at least {op['threshold']:g}"
    rate = op["selection_rate"]
    share = "" if rate is None or not math.isfinite(rate) else f" ({100 * rate:.1f}%)"
    ties = ""
    if op["n_selected"] != 0 and math.isfinite(op["cutoff_score"]):
        ties = (f" Cutoff score {op['cutoff_score']:.4g}: {_n(op['rows_tied_at_cutoff'], about)} families "
                f"score exactly this, {_n(op['tied_rows_selected'], about)} of them listed.")
    return (f"The list is {rule}: {_n(op['n_selected'], about)} of {_n(op['n_rows'], about)} families{share}."
            f"{ties} Ties: {op['tie_break']}.")


GRID_LIGHT = {OUTSIDE: "red", INCONCLUSIVE: "amber", NOT_ASSESSABLE: "amber"}
DECIDING = 5  # findings shown on the first screen


def summary_facts(result, published: bool) -> dict:
    """The first screen's facts: the light, the lists in team terms, the attribute x primary-metric grid, the deciding findings."""
    table = result.table("disparities", published=False)
    primary = table[table["primary"].astype(bool)]
    keys = list(dict.fromkeys(COMPLEMENTS.get(m, m) for m in result.policy.primary_metrics))
    grid = []
    for feature in result.method.get("features", []):
        for key in keys:
            part = primary[(primary["feature"] == feature) & (primary["metric"].map(lambda m: COMPLEMENTS.get(m, m)) == key)]
            outside = sorted(set(part.loc[part["status"] == OUTSIDE, "group"]))
            unsettled = sorted(set(part.loc[part["status"].isin([INCONCLUSIVE, NOT_ASSESSABLE]), "group"]) - set(outside))
            light = "red" if outside else "amber" if unsettled else "green"
            grid.append({"attribute": feature, "metric": key, "light": light, "groups_outside": outside, "groups_unsettled": unsettled})
    findings = result.findings_for(published=published)
    deciding = [f for f in findings if f.red] or list(findings)
    return {"traffic_light": result.traffic_light, "lists": _operating_point_text(result.operating_point_for(published=published)),
            "grid": grid, "deciding_findings": [f.id for f in deciding[:DECIDING]], "findings": len(findings)}


def _panel_summary(result, facts: dict) -> Section:
    """The one-page summary a lay panel member reads first."""
    light = result.traffic_light
    section = Section("Summary for the panel", anchor="summary", paragraphs=[
        f"Traffic light: {LIGHT_TEXT[light]}", facts["lists"],
        "The grid shows, for each attribute, whether families in need are found about as often in every group as in the "
        "reference group (red: a group is clearly outside the panel's tolerance; amber: too uncertain or too few families "
        "to tell; green: every group clearly within).",
    ])
    keys = list(dict.fromkeys(cell["metric"] for cell in facts["grid"]))
    rows, classes = [], []
    for feature in dict.fromkeys(cell["attribute"] for cell in facts["grid"]):
        cells = {c["metric"]: c for c in facts["grid"] if c["attribute"] == feature}
        rows.append([feature.replace("_", " "), *[_grid_text(cells[k]) for k in keys]])
        classes.append(["", *[f"cell-{cells[k]['light']}" for k in keys]])
    section.tables.append(Table("Attribute x primary metric", ["Attribute", *[_grid_label(k) for k in keys]], rows, classes))
    return section


def _deciding(result, facts: dict, context: dict, published: bool) -> Section:
    """The few findings that decide the light, by id, then the plain facts of the run."""
    found = {f.id: f for f in result.findings_for(published=published)}
    section = Section("What decides the light", anchor="deciding",
                      bullets=[f"{i}: {found[i].sentence}" for i in facts["deciding_findings"]])
    more = facts["findings"] - len(section.bullets)
    section.paragraphs.append("No finding decides the light: no comparison is flagged or unsettled." if not section.bullets else
                              "Each finding has an id the panel can quote (approve --accept ID,...)."
                              + (f" {more} more finding(s) are listed under Findings below." if more > 0 else ""))
    section.bullets += [f"{k.replace('_', ' ').capitalize()}: {v}" for k, v in context.items()]
    return section


def _grid_label(metric: str) -> str:
    return "Families in need found (recall; its complement, the false-negative rate, says the same)" \
        if metric == "recall" else LABELS[metric].capitalize()


def _groups_text(groups: list[str]) -> str:
    return "; ".join(groups) if len(groups) <= 4 else f"{len(groups)} groups"


def _grid_text(cell: dict) -> str:
    if cell["light"] == "red":
        return f"RED: {_groups_text(cell['groups_outside'])} outside"
    if cell["light"] == "amber":
        return f"AMBER: {_groups_text(cell['groups_unsettled'])} not settled (too uncertain or too few families)"
    return "GREEN: within tolerance"


def _summary(result, published: bool) -> Section:
    mc = result.multiple_comparisons
    status = result.table("disparities", published=False)
    primary = status[status["primary"]]
    counts = {s: int((primary["status"] == s).sum()) for s in (OUTSIDE, INCONCLUSIVE, NOT_ASSESSABLE)}
    secondary_out = int(((~status["primary"]) & (status["status"] == OUTSIDE)).sum())
    p = result.policy
    paragraphs = [
        f"Traffic light: {light_text(result)}",
        _operating_point_text(result.operating_point_for(published=published)),
        (f"We compared each group with a reference group (the largest unless the panel chose one) on "
        f"{', '.join(LABELS[m] for m in p.primary_metrics)} (primary) and "
        f"{', '.join(LABELS[m] for m in p.secondary_metrics) or 'no other metrics'} (secondary). "
        f"A difference is flagged only when its whole {100 * mc['interval_level']:.4g}% interval lies outside "
        f"the tolerance {p.ratio_low:g}–{p.ratio_high:g}."),
        (f"Primary comparisons: {counts[OUTSIDE]} outside tolerance, {counts[INCONCLUSIVE]} too uncertain to tell, "
        f"{counts[NOT_ASSESSABLE]} with too few families to assess. Secondary comparisons outside tolerance: "
        f"{secondary_out}."),
        f"We made {mc['comparisons']} comparisons. Even if no real difference lay outside the tolerance, "
        f"up to about {mc['expected_false_flags_at_most']:.1f} could be flagged by chance, so a single flag "
        f"on a small group deserves caution"
        + (" (intervals here are Bonferroni-adjusted)." if mc["adjust"] == "bonferroni" else
           f"; a Bonferroni-adjusted level of {100 * mc['bonferroni_level']:.5g}% is available in the policy."),
    ]
    return Section("About this audit", paragraphs=paragraphs)


def _findings(result, published: bool) -> Section:
    findings = result.findings_for(published=published)
    flagged = [f"{f.id}: {f.sentence}" for f in findings if f.status == OUTSIDE]
    unsettled = [f"{f.id}: {f.sentence}" for f in findings if f.status != OUTSIDE]
    section = Section("Findings")
    section.paragraphs.append(f"{len(flagged)} flagged difference(s)." if flagged else "No difference is flagged.")
    section.bullets = flagged + unsettled
    return section


def _disparities(result, published: bool) -> Section:
    table = result.table("disparities", published=published)
    rows = [[r["feature"], r["group"], r["reference_group"], LABELS[r["metric"]] + (" *" if r["primary"] else ""),
             fmt.cell(r, "ratio", interval=True), fmt.cell(r, "difference", interval=True), r["status"]]
            for _, r in table.iterrows()]
    section = Section("Disparities against the reference group", paragraphs=[
        "Ratio = group's rate / reference group's rate, with its interval; * marks a primary metric."])
    section.tables.append(Table("Ratios and differences", ["Feature", "Group", "Reference", "Metric",
                                                            "Ratio (interval)", "Difference (interval)", "Status"], rows))
    p = result.policy
    for feature, part in table[table["primary"]].groupby("feature", sort=False):
        for metric, rows_ in part.groupby("metric", sort=False):
            chart = ratio_chart(rows_.assign(label=rows_["group"]), p.ratio_low, p.ratio_high,
                                f"{LABELS[metric]} ratio by {feature}")
            if chart:
                section.charts.append(chart)
    return section


def _groups(result, published: bool) -> Section:
    section = Section("Figures by group", paragraphs=[
        (f"Counts are rounded to the nearest {result.policy.round_to}; {SUPPRESSED} marks a figure withheld "
        f"because it rests on fewer than {result.policy.min_cell_count} families; {fmt.DASH} means undefined.")])
    header = ["Group", "Families", "With outcome", "Listed", "Selection rate", "Recall", "False-negative rate",
              "False-positive rate", "Precision", "ROC AUC", "Mean score", "Observed rate"]
    tables = [result.table("overall", published=published).assign(feature="All families", group="All families"),
              result.table("by_group", published=published)]
    for feature, part in pd.concat(tables, ignore_index=True).groupby("feature", sort=False):
        rows = [[r["group"] + (" (reference)" if r.get("reference") is True else ""),
                 fmt.cell(r, "n", fmt.count), fmt.cell(r, "positives", fmt.count), fmt.cell(r, "selected", fmt.count),
                 fmt.cell(r, "selection_rate", fmt.pct, True), fmt.cell(r, "recall", fmt.pct, True),
                 fmt.cell(r, "false_negative_rate", fmt.pct, True), fmt.cell(r, "false_positive_rate", fmt.pct),
                 fmt.cell(r, "precision", fmt.pct), fmt.cell(r, "roc_auc", interval=True),
                 fmt.cell(r, "mean_score", fmt.pct), fmt.cell(r, "base_rate", fmt.pct)] for _, r in part.iterrows()]
        section.tables.append(Table(str(feature), header, rows))
    return section


def _calibration(result, published: bool) -> Section:
    section = Section("Calibration by group", paragraphs=[
        ("Scores are grouped into bands (quantiles of all scores). In each band, a well-calibrated score has "
        "a mean score close to the observed outcome rate, for every group alike.")])
    table = result.table("calibration", published=published)
    for feature, part in table.groupby("feature", sort=False):
        chart = calibration_chart(part, f"Calibration by {feature}")
        if chart:
            section.charts.append(chart)
        rows = [[r["group"], str(r["band"]), f"{fmt.num(r['score_low'], 3)}–{fmt.num(r['score_high'], 3)}",
                 fmt.cell(r, "n", fmt.count), fmt.cell(r, "mean_score", fmt.pct),
                 fmt.cell(r, "observed_rate", fmt.pct, True)] for _, r in part.iterrows()]
        section.tables.append(Table(f"Calibration: {feature}", ["Group", "Band", "Scores", "Families",
                                                               "Mean score", "Observed rate (interval)"], rows))
    return section


def _proxy(proxy) -> Section:
    section = Section("Proxy check", paragraphs=[
        ("Which model inputs carry information about each sensitive feature (0 = none, 1 = determines it), and "
        "how well all inputs together predict it (balanced accuracy against chance). Strong proxies can "
        "reproduce a disparity even when the sensitive feature itself is not an input.")])
    section.tables.append(Table("Combined", ["Sensitive feature", "Groups", "Balanced accuracy", "Chance"],
                                [[r.feature, str(r.groups), fmt.num(r.balanced_accuracy), fmt.num(r.chance)]
                                 for r in proxy.combined.itertuples()]))
    section.tables.append(Table("Strongest inputs", ["Sensitive feature", "Rank", "Input", "Measure", "Strength"],
                                [[r.feature, str(r.rank), r.input, r.measure, fmt.num(r.strength, 3)]
                                 for r in proxy.associations.itertuples()]))
    return section


def _mitigation(mitigation: pd.DataFrame, result, published: bool) -> Section:
    ratio_cols = [c for c in mitigation.columns if c.startswith(("min_ratio_", "max_ratio_"))]
    section = Section("Mitigation options", paragraphs=[
        ("Options for the panel to weigh, not applied automatically. Each row shows the list size, its accuracy "
        "and the spread of the first primary metric's ratio to the reference group.")])
    header = ["Option", "Listed", "Precision", "Recall", *[c.replace("_", " ") for c in ratio_cols], "Worst group", "Note"]
    table = publish_mitigation(mitigation, result.policy) if published else mitigation.assign(suppressed=[()] * len(mitigation))
    rows = [[r["option"], fmt.cell(r, "selected", fmt.count), fmt.cell(r, "precision", fmt.pct),
             fmt.cell(r, "recall", fmt.pct), *[fmt.num(r[c]) for c in ratio_cols], fmt.DASH if fmt._missing(r["worst_group"]) or not r["worst_group"] else str(r["worst_group"]),
             r["note"]] for _, r in table.iterrows()]
    section.tables.append(Table("Trade-offs", header, rows))
    return section


def _method(result, published: bool) -> Section:
    p, m, mc = result.policy, result.method, result.multiple_comparisons
    return Section("Data and method notes", bullets=[
        _operating_point_text(result.operating_point_for(published=published)),
        (f"Uncertainty: {m['n_boot']} bootstrap resamples, stratified by group (each group resampled within "
        f"itself, keeping its size), with the list held fixed at the audited operating point. Because each "
        f"family's cell (listed or not, outcome or not, score band) is fixed, a resample is drawn as a "
        f"multinomial draw of each group's cell counts, which is the same in distribution as resampling "
        f"families. ROC AUC is resampled the same way over score levels. Percentile intervals at "
        f"{100 * p.ci_level:g}%; random seed {m['random_state']}."),
        (f"Flags: a comparison is flagged only when its whole {100 * mc['interval_level']:.4g}% interval for the "
        f"ratio lies outside {p.ratio_low:g}–{p.ratio_high:g}; {mc['comparisons']} comparisons were made; "
        f"chance alone could flag up to about {mc['expected_false_flags_at_most']:.1f}."),
        f"Suppression: counts below {p.min_cell_count} are withheld ({SUPPRESSED}). If any of a group's four "
        f"confusion counts (found, listed without need, missed, correctly not listed) is below "
        f"{p.min_cell_count}, all four and every rate, interval, ROC AUC and comparison of that group are "
        f"withheld. When a withheld count could be worked out by subtracting the other groups from the total, "
        f"the next-smallest group is withheld in full too (secondary suppression); calibration bands likewise. "
        f"The same holds across tables: no withheld count follows from any sum or difference of published "
        f"counts of this report (for example a group's total minus the intersection cells inside it), so a "
        f"few more cells, calibration rows or groups may be withheld. "
        f"Other counts are rounded to the nearest {p.round_to} (the operating point's too); rates, ratios "
        f"and differences are computed from unrounded counts and published to {RATE_DECIMALS} decimal places."
        + ("" if published else " THIS IS THE FULL, UNSUPPRESSED VERSION: do not publish."),
        "Missing values of a sensitive feature are reported as their own group, \"Missing\".",
        *[f"Not audited: {s}." for s in m.get("skipped_features", [])],
        "Mean scores are treated as fixed in the bootstrap; only observed rates carry intervals.",
        ("Suppression is checked across the audit's own tables; the mitigation table is not cross-checked "
        "against them."),
    ])


#: Sections a caller computes and may report as not computed, with their titles.
OPTIONAL_SECTIONS = {"proxy": "Proxy check", "mitigation": "Mitigation options"}
NOT_COMPUTED = "This section could not be computed: {reason}"
BAD_UNAVAILABLE = ("unavailable must be a mapping {{section: reason}} with sections 'proxy' or 'mitigation'; "
                   "got {got}.")
UNKNOWN_SECTION = "unavailable names section {name!r}; expected 'proxy' or 'mitigation'."
BAD_REASON = "unavailable[{name!r}] must be a non-empty string (why the section could not be computed); got {got!r}."
BOTH_GIVEN = ("{name} was given and unavailable[{name!r}] says it could not be computed; "
              "expected one or the other.")


def check_unavailable(unavailable, *, proxy=None, mitigation=None) -> dict[str, str]:
    """The sections that could not be computed, ``{"proxy" or "mitigation": reason}``, checked."""
    if unavailable is None:
        return {}
    if not isinstance(unavailable, Mapping):
        raise TypeError(BAD_UNAVAILABLE.format(got=type(unavailable).__name__))
    given = {"proxy": proxy, "mitigation": mitigation}
    out = {}
    for name, reason in unavailable.items():
        if name not in OPTIONAL_SECTIONS:
            raise ValueError(UNKNOWN_SECTION.format(name=name))
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(BAD_REASON.format(name=name, got=reason))
        if given[name] is not None:
            raise ValueError(BOTH_GIVEN.format(name=name))
        out[name] = reason.strip()
    return out


def not_computed_text(reason: str) -> str:
    """The sentence shown in place of a section: "This section could not be computed: <reason>."."""
    return NOT_COMPUTED.format(reason=reason) + ("" if reason.endswith((".", "!", "?")) else ".")


def _oracle(oracle: pd.DataFrame, result, published: bool) -> Section:
    from placerisk.fairness._truth import describe_oracle_rows, publish_oracle_comparison

    table = publish_oracle_comparison(oracle, result.policy) if published else oracle.assign(suppressed=[()] * len(oracle))
    section = Section("Against the truth (synthetic data only)", anchor="truth", paragraphs=[
        ("On synthetic data we know who truly needs help. Each group's listed share under the model is set beside the share "
         "an oracle ranking (the true probabilities) gets under the same allocation. A group listed more often by the model "
         "than by the oracle, relative to the reference group, is listed more often than its true need warrants; where a "
         "group's records are inflated (recording bias) this is where it shows. A gap of up to about 0.1 in the ratio can "
         "arise without any recording bias (docs/fairness.md, \"The audit finds the bias we planted\"), so read the size "
         "and direction, not the bare sign."), *describe_oracle_rows(table)])
    rows = [[r["feature"], r["group"], r["reference_group"], fmt.cell(r, "families", fmt.count), fmt.cell(r, "share_model", fmt.pct),
             fmt.cell(r, "share_oracle", fmt.pct), fmt.cell(r, "ratio_model"), fmt.cell(r, "ratio_oracle")] for _, r in table.iterrows()]
    section.tables.append(Table("Listed share: model and oracle", ["Feature", "Group", "Reference", "Families", "Listed (model)",
                                                                    "Listed (oracle)", "Ratio to reference (model)",
                                                                    "Ratio to reference (oracle)"], rows))
    return section


def build_sections(result, *, context=None, proxy=None, mitigation=None, oracle=None, published=True,
                   unavailable=None) -> list[Section]:
    """All report sections, in reading order.

    ``unavailable`` maps "proxy" or "mitigation" to why that section could not be computed;
    the section is then shown with that reason instead of being left out.
    """
    missing = check_unavailable(unavailable, proxy=proxy, mitigation=mitigation)
    facts = summary_facts(result, published)
    sections = [_panel_summary(result, facts), _deciding(result, facts, dict(context or {}), published), _findings(result, published),
                _summary(result, published),
                _disparities(result, published),
                _groups(result, published), _calibration(result, published)]
    if proxy is not None:
        sections.append(_proxy(proxy))
    elif "proxy" in missing:
        sections.append(Section(OPTIONAL_SECTIONS["proxy"], paragraphs=[not_computed_text(missing["proxy"])]))
    if mitigation is not None:
        sections.append(_mitigation(mitigation, result, published))
    elif "mitigation" in missing:
        sections.append(Section(OPTIONAL_SECTIONS["mitigation"],
                                paragraphs=[not_computed_text(missing["mitigation"])]))
    if oracle is not None:
        sections.append(_oracle(oracle, result, published))
    sections.append(_method(result, published))
    return sections
