"""The promotion gate: may a trained model become the champion the weekly lists are made with?

Pure. ``train`` writes one **gate record** (:func:`gate_record`): the chosen model's comparison
with the best baseline, how it was validated, and its fairness audits on every test snapshot,
at the lists the teams would receive, unmitigated and under each mitigation option. The record
is logged as the run's ``gate.json`` and its SHA-256 as a run parameter (MLflow parameters
cannot be changed after the run). ``approve`` re-reads the record, checks the hash, and decides
with :func:`reasons_against` on what it re-derives from it (:func:`inputs_from_record`), never
on model-version tags, which anyone with registry access can edit.

A version may become champion only when all hold:

- it beats the best baseline on the primary metric by a margin that means something: better in
  every test split, or a paired bootstrap interval of the difference above 0;
- it was validated over time (not by an id holdout), and the audited lists were smaller than
  every test snapshot;
- every configured sensitive attribute was audited on every test snapshot, under the chosen
  allocation (unmitigated, or the mitigation the panel chose);
- every red finding (a primary metric outside tolerance, on any test snapshot) is one the panel
  accepted by its id, with its reasons;
- when a champion was in use at training, it beats the champion on the primary metric by the
  same margin rule, re-evaluated on the same test snapshots (``app.challenge``), or the panel
  accepts explicitly that it does not (``--accept-below-champion``, recorded with its reasons);
  and the champion it was compared with is still the champion.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from placerisk.fairness import AuditResult
from placerisk.models.allocation import Mitigation
from placerisk.training.audit import LIGHT_ORDER

SCHEMA = 1
UNMITIGATED = "none"
TEMPORAL = "temporal"
HOLDOUT = "holdout (not temporal)"


@dataclass(frozen=True)
class GateInputs:
    """What the gate decides on, for one trained model and one allocation option."""

    beats_baselines: bool
    best_baseline: str
    primary_metric: str
    validation: str                    # TEMPORAL or HOLDOUT
    list_within_snapshots: bool
    option: str                        # UNMITIGATED or a mitigation name
    options: tuple[str, ...]           # every option audited at training
    fairness_light: str                # worst light over the test snapshots under ``option``; "none" when not audited
    fairness_audited: tuple[str, ...]
    fairness_missing: tuple[str, ...]  # configured attributes not audited on every test snapshot
    red_findings: tuple[str, ...]      # ids of primary findings outside tolerance on any test snapshot
    champion: str | None = None        # the champion version in use at training (compared with), None when there was none
    beats_champion: bool | None = None  # re-derived from the recorded comparison; None without a champion
    champion_why: str = ""             # why it was not compared, when it was not


def is_red(finding: Mapping) -> bool:
    """A recorded finding that turns the light red (``Finding.red``, read back from a gate record)."""
    return bool(finding["primary"]) and finding["status"] == "outside"


def option_name(text: str | None) -> str:
    """An allocation option as the gate record names it: ``none``, or a mitigation's canonical ``kind:attribute``."""
    if text is None or not text.strip() or text.strip() == UNMITIGATED:
        return UNMITIGATED
    return Mitigation.parse(text).name


def _finding(f) -> dict:
    return {"id": f.id, "feature": f.feature, "group": f.group, "metric": f.metric, "covers": list(f.covers), "primary": f.primary,
            "status": f.status, "sentence": f.sentence}


def _snapshots(audits: Sequence[AuditResult], names: Sequence[str]) -> list[dict]:
    return [{"split": name, "light": a.traffic_light, "audited": list(a.method.get("features", [])),
             "list": a.operating_point_for()["description"] if a.operating_point["rule"] == "given" else None,
             "findings": [_finding(f) for f in a.findings_for(published=True)]} for name, a in zip(names, audits, strict=True)]


def audit_policy(policy, required: Sequence[str], intersections: Sequence[Sequence[str]]) -> dict:
    """What the audits were judged by: the fairness policy, the attributes required and the intersections."""
    return {"policy": policy.to_dict(), "required_attributes": sorted(required), "intersections": sorted("*".join(i) for i in intersections)}


def policy_differences(record: Mapping, in_force: Mapping) -> list[str]:
    """Why a record was not judged by the fairness policy in force (the panel's, in the config): empty when it was."""
    recorded = record.get("audit_policy")
    if recorded is None:
        return ["its gate record does not say which fairness policy its audits were judged by: retrain it"]
    then, now = _dotted(recorded), _dotted(in_force)
    changed = sorted(k for k in then.keys() | now.keys() if then.get(k) != now.get(k))
    if not changed:
        return []
    return [f"it was audited under another fairness policy than the config's ({', '.join(changed)} differ): retrain it under "
            "the panel's policy"]


def _dotted(audit: Mapping) -> dict:
    """An audit policy with the fairness policy's settings as ``policy.<key>``, so a difference names its setting."""
    return {**{k: v for k, v in audit.items() if k != "policy"}, **{f"policy.{k}": v for k, v in audit.get("policy", {}).items()}}


def gate_record(*, model: str, margin: Mapping, primary_metric: str, temporal: bool, list_within_snapshots: bool,
                required: Sequence[str], split_names: Sequence[str], options: Mapping[str, Sequence[AuditResult]],
                allocation: Mapping | None, audit_policy: Mapping | None = None, champion: Mapping | None = None) -> dict:
    """Everything the gate decides on, as a JSON-ready dict (published findings only: no small counts). ``champion``: the
    comparison with the champion in use (``app.challenge``), None when there was none."""
    return {"schema": SCHEMA, "model": model, "primary_metric": primary_metric, "margin": dict(margin), "audit_policy": audit_policy,
            "champion": None if champion is None else dict(champion),
            "validation": TEMPORAL if temporal else HOLDOUT, "list_within_snapshots": bool(list_within_snapshots),
            "required_attributes": list(required), "allocation": None if allocation is None else dict(allocation),
            "options": {name: _snapshots(audits, split_names) for name, audits in options.items()}}


def record_text(record: Mapping) -> str:
    """The record as logged: canonical JSON, so its hash is reproducible."""
    return json.dumps(record, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def record_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _beats(margin: Mapping) -> bool:
    """The margin rule, re-derived from the recorded differences and interval (not from the recorded verdict)."""
    if not margin.get("baseline"):
        return False
    diffs = [d for d in margin.get("differences", []) if d is not None]
    every = len(diffs) >= 2 and len(diffs) == len(margin.get("differences", [])) and all(d > 0 for d in diffs)
    low = (margin.get("interval") or [None])[0]
    return every or (low is not None and low > 0)


def _light(snapshots: Sequence[Mapping]) -> str:
    """The worst traffic light, re-derived from each snapshot's findings (red: a primary finding outside)."""
    def one(s) -> str:
        found = s["findings"]
        if any(is_red(f) for f in found):
            return "red"
        return "amber" if found else "green"
    return max((one(s) for s in snapshots), key=LIGHT_ORDER.__getitem__) if snapshots else "none"


def inputs_from_record(record: Mapping, option: str = UNMITIGATED) -> GateInputs:
    """The gate's inputs for ``option``, re-derived from a gate record."""
    options = record.get("options", {})
    snapshots = options.get(option, [])
    required = list(record.get("required_attributes", []))
    audited = tuple(a for a in required if snapshots and all(a in s["audited"] for s in snapshots))
    red = sorted({f["id"] for s in snapshots for f in s["findings"] if is_red(f)})
    margin = record.get("margin", {})
    against = record.get("champion")
    return GateInputs(champion=None if against is None else str(against.get("version")),
        beats_champion=None if against is None else bool(against.get("evaluated")) and _beats(against.get("margin") or {}),
        champion_why=_champion_why(against),
        beats_baselines=_beats(margin), best_baseline=str(margin.get("baseline")), primary_metric=str(record.get("primary_metric")),
        validation=str(record.get("validation")), list_within_snapshots=record.get("list_within_snapshots") is True,
        option=option, options=tuple(options), fairness_light=_light(snapshots), fairness_audited=audited,
        fairness_missing=tuple(a for a in required if a not in audited), red_findings=tuple(red))


def champion_reasons(inputs: GateInputs, in_use: str | None, below_champion: bool = False) -> list[str]:
    """Why a version may not replace the champion ``in_use`` (empty when it may): it does not beat the champion it was compared
    with and the panel did not accept that (``below_champion``), or the champion changed since it was trained."""
    if inputs.champion != in_use:
        then = f"version {inputs.champion}" if inputs.champion else "no champion"
        now = f"version {in_use}" if in_use else "there is none"
        return [f"it was compared at training with {then}, but the champion is now {now}: retrain it, so that it is compared "
                "with the model in use"]
    if inputs.champion is None:
        return ["--accept-below-champion: there was no champion to compare with at training"] if below_champion else []
    if inputs.beats_champion:
        return ["--accept-below-champion: this version beats the champion it was compared with; nothing to accept"] if below_champion else []
    if below_champion:
        return []
    why = (f"it was not shown to beat the champion (version {inputs.champion}): {inputs.champion_why}" if inputs.champion_why else
           f"it does not beat the champion (version {inputs.champion}) on {inputs.primary_metric} by the required margin (better in "
           "every test split, or a paired bootstrap interval of the difference above 0)")
    return [why + "; the panel may still approve it by accepting that explicitly, with its reasons in the note "
            "(--accept-below-champion), e.g. for a fairness improvement at equal precision"]


def _champion_why(against: Mapping | None) -> str:
    """Why a recorded comparison with the champion cannot show the challenger better ("" when it can)."""
    if against is None:
        return ""
    if not against.get("evaluated"):
        return str(against.get("why"))
    if against.get("margin") is None:
        return ("the champion was fitted on outcomes overlapping every test snapshot, so no fair comparison was possible (train on "
                "later data, or let the panel decide on the side-by-side figures)")
    return ""


def reasons_against(inputs: GateInputs, accepted: Sequence[str] = ()) -> list[str]:
    """Why a version may not become champion under ``inputs.option`` with the panel's ``accepted`` findings (empty when it may).
    The champion comparison is judged apart (:func:`champion_reasons`), as it depends on the champion in use at approval."""
    if inputs.option not in inputs.options:
        return [f"the allocation option {inputs.option!r} was not audited when this version was trained; audited options: "
                f"{', '.join(inputs.options) or 'none'}"]
    reasons = []
    if not inputs.beats_baselines:
        reasons.append(f"it does not beat the best baseline ({inputs.best_baseline}) on {inputs.primary_metric} by the required margin "
                       "(better in every test split, or a paired bootstrap interval of the difference above 0)")
    unknown = [a for a in accepted if a not in inputs.red_findings]
    if unknown:
        reasons.append(f"--accept names {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not a red finding of this "
                       f"version under {inputs.option!r} (its red findings: {', '.join(inputs.red_findings) or 'none'})")
    standing = [f for f in inputs.red_findings if f not in accepted]
    if standing:
        reasons.append(f"it did not pass the fairness policy (traffic light: {inputs.fairness_light}); red finding(s) not accepted: "
                       f"{', '.join(standing)}")
    if inputs.fairness_missing:
        reasons.append(f"not every configured attribute was audited on every test snapshot (not audited: {', '.join(inputs.fairness_missing)})")
    if not inputs.list_within_snapshots:
        reasons.append("the audited list held every family of a test snapshot, so the audit measured nothing")
    if inputs.validation != TEMPORAL:
        reasons.append(f"it was not validated over time (validation: {inputs.validation})")
    return reasons


def to_tags(inputs: GateInputs) -> dict[str, str]:
    """The inputs as model-version tags, for people browsing the registry; the gate never reads them back."""
    return {
        "beats_baselines": str(inputs.beats_baselines).lower(),
        "best_baseline": inputs.best_baseline,
        "primary_metric": inputs.primary_metric,
        "fairness_light": inputs.fairness_light,
        "red_findings": ",".join(inputs.red_findings) or "none",
        "fairness_audited": ",".join(inputs.fairness_audited) or "none",
        "fairness_missing": ",".join(inputs.fairness_missing) or "none",
        "validation": inputs.validation,
        "mitigation_options": ",".join(o for o in inputs.options if o != UNMITIGATED) or "none",
        "champion_compared": inputs.champion or "none",
        "beats_champion": "n/a" if inputs.beats_champion is None else str(inputs.beats_champion).lower(),
    }
