"""The model registry at the edge: find a version (by number or alias) and read back what its training run recorded.

The gate record is read from the run's own ``gate.json`` and checked against the SHA-256 that
``train`` logged as a run parameter (parameters cannot be changed after a run), so a record
edited afterwards, or a version registered by hand, never reaches the gate.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException

from placerisk.app import promotion
from placerisk.errors import UserError

ALIASES = ("candidate", "champion")


def version(client, model: str, wanted: str, where: str):
    """Model version ``wanted`` (a number, or the alias ``candidate`` or ``champion``) of ``model``."""
    try:
        if str(wanted) in ALIASES:
            return client.get_model_version_by_alias(model, str(wanted))
        return client.get_model_version(model, str(wanted))
    except MlflowException as err:
        if err.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise
        what = f"alias {wanted!r}" if str(wanted) in ALIASES else f"version {wanted!r}"
        raise UserError(f"model {model!r} {what} not found in {where}") from None


def alias_holder(client, model: str, alias: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(model, alias).version)
    except MlflowException:
        return None


def run_params(client, run_id: str | None) -> dict[str, str]:
    if not run_id:
        return {}
    try:
        return dict(client.get_run(run_id).data.params)
    except MlflowException:
        return {}


def gate_record(client, model_version) -> tuple[dict | None, str | None]:
    """``(record, None)`` when the version's run holds a gate record matching its logged hash, else ``(None, why)``."""
    params = run_params(client, model_version.run_id)
    expected = params.get("gate_sha256")
    if not expected:
        return None, ("its training run recorded no gate record (only a version registered by `placerisk train` can be "
                      "promoted)")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(run_id=model_version.run_id, artifact_path="gate.json", dst_path=tmp)
        except (MlflowException, OSError):
            return None, f"the gate record (gate.json) of its training run {model_version.run_id} is missing"
        text = Path(path).read_text(encoding="utf-8")
    if promotion.record_hash(text) != expected:
        return None, (f"the gate record (gate.json) of its training run {model_version.run_id} was changed after training "
                      "(its SHA-256 no longer matches the one logged then)")
    return json.loads(text), None


def log_decision_files(client, model_version, decision: dict) -> list[str]:
    """The run's model card and ATRS record with the panel's decision added, logged beside the originals (kept)."""
    folder = f"decisions/version-{model_version.version}-{decision['at'].replace(':', '')}"
    section = _decision_markdown(decision)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("model_card.md", "atrs_record.json"):
            try:
                path = Path(mlflow.artifacts.download_artifacts(run_id=model_version.run_id, artifact_path=name, dst_path=tmp))
            except (MlflowException, OSError):
                continue
            if name.endswith(".md"):
                text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + section
            else:
                data = json.loads(path.read_text(encoding="utf-8"))
                data["panel_decision"] = decision
                text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
            client.log_text(model_version.run_id, text, f"{folder}/{name}")
            written.append(f"{folder}/{name}")
    return written


def _decision_markdown(d: dict) -> str:
    accepted = ", ".join(d.get("accepted_findings") or []) or "none"
    lines = ["## Panel decision", "", f"- Decision: {d['decision']} ({d['outcome']}), {d['at']}", f"- By: {d['by']}",
             f"- Reasons: {d['note']}", f"- Accepted findings (they stand; the panel judged them acceptable): {accepted}",
             f"- Allocation: {d.get('mitigation') or 'none'} (mitigation); policy {json.dumps(d.get('allocation_policy'))}"]
    replaces = d.get("replaces")
    if replaces:
        lines.append(f"- Replaces: version {replaces['version']}, the champion until this decision; at training: {replaces['comparison']}")
        if d.get("accepted_below_champion"):
            lines.append("- It does not beat the version it replaces on the primary metric: the panel accepted that explicitly, for the "
                         "reasons above")
    else:
        lines.append("- Replaces: no version (there was no champion when it was trained)")
    if d.get("allow_dirty"):
        lines.append("- Trained from a working tree with uncommitted changes; approved with --allow-dirty")
    return "\n".join(lines) + "\n"
