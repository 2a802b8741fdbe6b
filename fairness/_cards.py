"""Model card (Markdown) and a draft ATRS record (dict) from run metadata and a published audit."""

from __future__ import annotations

from placerisk.fairness._findings import OUTSIDE
from placerisk.fairness._report_content import _operating_point_text, light_text
from placerisk.fairness._report_json import _clean

TO_COMPLETE = "TO COMPLETE"


def _get(metadata: dict, key: str, default: str = TO_COMPLETE):
    value = metadata.get(key)
    return default if value in (None, "", [], {}) else value


def _performance(result) -> dict:
    overall = result.table("overall").iloc[0]
    figures = {m: overall[m] for m in ("selection_rate", "recall", "precision", "roc_auc", "base_rate")
               if m not in tuple(overall["suppressed"])}
    counts = {c: int(overall[v]) for c, v in (("families", "n"), ("listed", "selected"))
              if v not in tuple(overall["suppressed"])}
    return _clean({**figures, **counts})


def _fairness_summary(result) -> list[str]:
    flagged = [f"{f.id}: {f.sentence}" for f in result.findings_for(published=True) if f.status == OUTSIDE]
    return [light_text(result)] + (flagged or ["No difference was flagged at the panel's tolerance."])


def model_card(metadata: dict, result) -> str:
    """A Markdown model card from run metadata (a plain dict) and the published audit.

    Recognised keys (all optional; missing ones read "TO COMPLETE"): ``name``, ``version``,
    ``owner``, ``purpose``, ``intended_use``, ``out_of_scope``, ``model``, ``training_data``,
    ``evaluation_data``, ``data_sources``, ``outcome``, ``baseline``, ``replaces``, ``limitations``, ``human_oversight``, ``run_id``.
    """
    m = dict(metadata)
    perf = _performance(result)
    lines = [f"# Model card: {_get(m, 'name')} {m.get('version', '')}".rstrip(), "",
             f"- Owner: {_get(m, 'owner')}", f"- Run: {_get(m, 'run_id')}", "",
             "## Purpose and intended use", "", str(_get(m, "purpose")), "",
             f"- Intended use: {_get(m, 'intended_use')}", f"- Out of scope: {_get(m, 'out_of_scope')}", "",
             "## Model and data", "", f"- Model: {_get(m, 'model')}", f"- Outcome: {_get(m, 'outcome')}",
             f"- Training data: {_get(m, 'training_data')}", f"- Evaluation data: {_get(m, 'evaluation_data')}",
             *([f"- Partner data: {m['data_sources']}"] if m.get("data_sources") else []),
             f"- Baseline compared: {_get(m, 'baseline')}", *([f"- Replaces: {m['replaces']}"] if m.get("replaces") else []), "",
             "## Performance at the operating point", "", _operating_point_text(result.operating_point_for(published=True)), ""]
    lines += [f"- {k.replace('_', ' ')}: {v:.3f}" if isinstance(v, float) else f"- {k.replace('_', ' ')}: {v}"
              for k, v in perf.items()]
    lines += ["", "## Fairness", ""] + [f"- {s}" for s in _fairness_summary(result)]
    lines += ["", f"Comparisons made: {result.multiple_comparisons['comparisons']}; full tables in the fairness report.",
              "", "## Limitations", "", str(_get(m, "limitations")), "",
              "## Human oversight", "", str(_get(m, "human_oversight")), ""]
    return "\n".join(lines)


def atrs_record(metadata: dict, result) -> dict:
    """A draft Algorithmic Transparency Recording Standard record (tier 1 and tier 2 sections).

    Fields follow the ATRS structure (tier 1 overview; tier 2 owner and responsibility,
    description and rationale, decision-making process, data, risks); values come from
    ``metadata`` or read "TO COMPLETE". Performance and fairness use published figures only.
    """
    m = dict(metadata)
    return _clean({
        "draft": True,
        "tier_1": {
            "name": _get(m, "name"),
            "description": _get(m, "purpose"),
            "website": _get(m, "website"),
            "contact_email": _get(m, "contact_email"),
        },
        "tier_2": {
            "owner_and_responsibility": {
                "organisation": _get(m, "organisation"),
                "team": _get(m, "team"),
                "senior_responsible_owner": _get(m, "senior_responsible_owner"),
                "external_supplier": _get(m, "external_supplier", "None"),
            },
            "description_and_rationale": {
                "detailed_description": _get(m, "model"),
                "scope": _get(m, "intended_use"),
                "benefit": _get(m, "benefit"),
                "alternatives_considered": _get(m, "baseline"),
                "replaces": _get(m, "replaces", "None (no model was in use when it was trained)"),
                "tool_version": _get(m, "version"),
            },
            "decision_making_process": {
                "process_integration": _operating_point_text(result.operating_point_for(published=True)),
                "provided_information": _get(m, "provided_information"),
                "frequency_and_scale_of_usage": _get(m, "frequency"),
                "human_decisions_and_review": _get(m, "human_oversight"),
                "required_training": _get(m, "required_training"),
                "appeals_and_review": _get(m, "appeals"),
            },
            "data": {
                "data_sources": _get(m, "data_sources"),
                "data_description": _get(m, "training_data"),
                "data_completeness_and_representativeness": _get(m, "data_quality"),
                "data_collection": _get(m, "data_collection"),
                "data_sharing_agreements": _get(m, "data_sharing"),
                "data_access_and_storage": _get(m, "data_storage"),
            },
            "risks": {
                "impact_assessments": _get(m, "impact_assessments"),
                "risks_and_mitigations": _get(m, "risks"),
                "performance_at_operating_point": _performance(result),
                "fairness_audit": _fairness_summary(result),
                "fairness_comparisons_made": result.multiple_comparisons["comparisons"],
            },
        },
    })
