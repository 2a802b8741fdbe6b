"""The promotion gate: may a trained model become the champion the weekly lists are made with?

Pure: :func:`gate_inputs` computes what the gate looks at from a training run's
metrics and fairness audits; :func:`reasons_against` decides. ``train`` records
the inputs on the registered version (as tags, :func:`to_tags`), and
``approve`` reads them back (:func:`from_tags`) and decides again with the same
function, so the two can never disagree.

A version may become champion only when all hold:

- it beats the best baseline on the primary metric by a margin that means something: better in
  every test split, or a paired bootstrap interval of the difference above 0 (``TrainingResult.margin``);
- it passed the fairness policy: no red light on any test snapshot, and every
  configured sensitive attribute was audited on every test snapshot;
- it was validated over time (not by an id holdout).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from placerisk.fairness import AuditResult
from placerisk.training.audit import worst_light

PASSING_LIGHTS = ("green", "amber")
TEMPORAL = "temporal"
HOLDOUT = "holdout (not temporal)"


@dataclass(frozen=True)
class GateInputs:
    """What the gate decides on, for one trained model."""

    beats_baselines: bool
    best_baseline: str
    primary_metric: str
    fairness_light: str             # worst light over the test snapshots; "none" when nothing was audited
    fairness_audited: tuple[str, ...]
    fairness_missing: tuple[str, ...]  # configured attributes not audited on every test snapshot
    validation: str                 # TEMPORAL or HOLDOUT
    list_within_snapshots: bool = True  # the audited list is smaller than every test snapshot (else it measured nothing)
    unrecorded: tuple[str, ...] = ()  # gate tags absent from a registered version (it then never passes)

    @property
    def fairness_passed(self) -> bool:
        return self.fairness_light in PASSING_LIGHTS and not self.fairness_missing and self.list_within_snapshots


def gate_inputs(*, beats_baselines: bool, best_baseline: str, primary_metric: str, audits: Sequence[AuditResult],
                sensitive_columns: Sequence[str], required: Sequence[str], temporal: bool, list_within_snapshots: bool = True) -> GateInputs:
    """The gate's inputs from the chosen model's comparison with the baselines and its audits (one per test snapshot)."""
    audited = tuple(c for c in sensitive_columns if audits and all(c in a.method.get("features", []) for a in audits))
    return GateInputs(
        beats_baselines=bool(beats_baselines),
        best_baseline=str(best_baseline),
        primary_metric=primary_metric,
        fairness_light=worst_light(audits) if audits else "none",
        fairness_audited=audited,
        fairness_missing=tuple(f for f in required if f not in audited),
        validation=TEMPORAL if temporal else HOLDOUT,
        list_within_snapshots=bool(list_within_snapshots),
    )


def reasons_against(inputs: GateInputs) -> list[str]:
    """Why a version may not become champion (empty when it may)."""
    if inputs.unrecorded:
        return [f"the gate's inputs were not recorded on this version (missing: {', '.join(inputs.unrecorded)}); "
                "only a version registered by `placerisk train` can be promoted"]
    reasons = []
    if not inputs.beats_baselines:
        reasons.append(f"it does not beat the best baseline ({inputs.best_baseline}) on {inputs.primary_metric} by the required margin "
                       "(better in every test split, or a paired bootstrap interval of the difference above 0)")
    if not inputs.fairness_passed:
        light = "no audit" if inputs.fairness_light == "none" else inputs.fairness_light
        missing = f"; not audited: {','.join(inputs.fairness_missing)}" if inputs.fairness_missing else ""
        whole = "" if inputs.list_within_snapshots else "; the audited list held every family of a test snapshot, so it measured nothing"
        reasons.append(f"it did not pass the fairness policy (traffic light: {light}{missing}{whole})")
    if inputs.validation != TEMPORAL:
        reasons.append(f"it was not validated over time (validation: {inputs.validation})")
    return reasons


def to_tags(inputs: GateInputs) -> dict[str, str]:
    """The inputs as model-version tags (strings), read back by :func:`from_tags`."""
    return {
        "beats_baselines": str(inputs.beats_baselines).lower(),
        "best_baseline": inputs.best_baseline,
        "primary_metric": inputs.primary_metric,
        "fairness_light": inputs.fairness_light,
        "fairness_passed": str(inputs.fairness_passed).lower(),
        "fairness_audited": ",".join(inputs.fairness_audited) or "none",
        "fairness_missing": ",".join(inputs.fairness_missing) or "none",
        "validation": inputs.validation,
        "list_within_snapshots": str(inputs.list_within_snapshots).lower(),
    }


def _names(text: str | None) -> tuple[str, ...]:
    return () if text in (None, "", "none") else tuple(text.split(","))


GATE_TAGS = ("beats_baselines", "best_baseline", "primary_metric", "fairness_light", "fairness_audited", "fairness_missing", "validation",
             "list_within_snapshots")


def from_tags(tags: Mapping[str, str]) -> GateInputs:
    """The inputs recorded on a version; a version lacking any of them (not trained by placerisk) never passes."""
    return GateInputs(
        unrecorded=tuple(t for t in GATE_TAGS if t not in tags),
        list_within_snapshots=tags.get("list_within_snapshots") == "true",
        beats_baselines=tags.get("beats_baselines") == "true",
        best_baseline=tags.get("best_baseline", "unknown"),
        primary_metric=tags.get("primary_metric", "the primary metric"),
        fairness_light=tags.get("fairness_light", "none"),
        fairness_audited=_names(tags.get("fairness_audited")),
        fairness_missing=_names(tags.get("fairness_missing")),
        validation=tags.get("validation", "unknown"),
    )
