"""`placerisk approve`, `findings` and `decisions`: the gate re-derived from the run's hashed record, accepted findings,
mitigations, edited tags and records, the candidate alias, dirty trees, and who was champion on a date."""

from __future__ import annotations

import datetime as dt
import json

import mlflow
import pytest
import yaml

from placerisk.app import promotion, specs
from placerisk.config import parse_config
from placerisk.app.decisions import holder_on, read
from placerisk.cli import main

MARGIN = {"baseline": "rule", "differences": [0.01, 0.02], "interval": [0.004, 0.03], "beats": True}
ALLOCATION = {"capacities": {"North": 5, "South": 3}, "weeks": 13, "mitigation": None}


def _finding(fid, status="outside", primary=True):
    return {"id": fid, "feature": fid.split("-")[1], "group": fid.split("-")[2], "metric": "recall", "covers": ["recall"],
            "primary": primary, "status": status, "sentence": f"sentence of {fid}"}


def _snapshots(*findings_per_snapshot):
    return [{"split": f"split {i}", "light": "n/a", "audited": ["ethnicity", "sex"], "list": "each team's top families",
             "findings": list(found)} for i, found in enumerate(findings_per_snapshot, start=1)]


def _policy_in_force() -> dict:
    config = parse_config({"config_version": 1})
    return promotion.audit_policy(specs.fairness_policy(config), config.fairness.sensitive_features, config.fairness.intersections)


def against(version, margin=MARGIN, evaluated=True):
    """A recorded comparison with the champion ``version`` (``app.challenge.compare``'s fields that the gate reads)."""
    margin = {**margin, "baseline": f"version {version}", "sentence": f"the margin against version {version}"}
    if not evaluated:
        return {"version": str(version), "evaluated": False, "why": "its bundle could not be loaded"}
    return {"version": str(version), "evaluated": True, "candidate": "lightgbm", "metric": "precision_at_list", "margin": margin,
            "margin_every_split": margin, "saw_outcomes": [], "fair_splits": ["split 1", "split 2"], "splits": [], "beats": margin["beats"]}


def record(options=None, margin=MARGIN, audit_policy=None, champion=None):
    return {"schema": 1, "model": "lightgbm", "primary_metric": "precision_at_list", "margin": margin, "validation": "temporal",
            "audit_policy": audit_policy or _policy_in_force(), "champion": champion,
            "list_within_snapshots": True, "required_attributes": ["ethnicity", "sex"], "allocation": ALLOCATION,
            "options": options or {"none": _snapshots([], [_finding("F-sex-M-recall", "inconclusive")])}}


RED = {"none": _snapshots([_finding("F-ethnicity-Black-recall")], [_finding("F-ethnicity-Black-recall"), _finding("F-sex-M-recall")]),
       "equal_selection_rate:ethnicity": _snapshots([], [_finding("F-sex-M-recall", "inconclusive")])}


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """A temporary store; ``register(record)`` logs a training-like run holding the record and registers a version."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)  # the user's variable wins over the config
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    cfg = tmp_path / "placerisk.yaml"
    cfg.write_text(yaml.safe_dump({"config_version": 1, "mlflow": {"decisions_log": "decisions.jsonl", "registered_model": "m"}}))
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.create_registered_model("m")
    experiment = client.create_experiment("e", artifact_location=(tmp_path / "art").as_uri())

    def register(rec: dict, *, dirty: bool = False, candidate: bool = True, text: str | None = None, source: str | None = None) -> str:
        run = client.create_run(experiment)
        logged = promotion.record_text(rec)
        source = source or (tmp_path / "art" / run.info.run_id).as_uri()
        client.log_param(run.info.run_id, "gate_sha256", promotion.record_hash(logged))
        client.log_param(run.info.run_id, "code_state", "dirty" if dirty else "clean")
        client.log_param(run.info.run_id, "model_source", source)
        client.log_text(run.info.run_id, text if text is not None else logged, "gate.json")
        client.log_text(run.info.run_id, "# Model card\n\nA card.\n", "model_card.md")
        client.log_dict(run.info.run_id, {"name": "m"}, "atrs_record.json")
        client.set_terminated(run.info.run_id)
        version = client.create_model_version("m", source=source, run_id=run.info.run_id,
                                              tags=promotion.to_tags(promotion.inputs_from_record(rec)))
        if candidate:
            client.set_registered_model_alias("m", "candidate", version.version)
        return str(version.version)

    return tmp_path, cfg, client, register


def _approve(cfg, version, *extra, note="reviewed 2026-11-20"):
    return main(["approve", "--config", str(cfg), "--version", str(version), "--reviewer", "Ethics panel", "--decision", "approve",
                 "--note", note, *extra])


def _champion(client):
    try:
        return str(client.get_model_version_by_alias("m", "champion").version)
    except mlflow.exceptions.MlflowException:
        return None


def test_approve_moves_champion_only_for_a_version_that_passed(registry, capsys):
    root, cfg, client, register = registry
    failing = register(record(margin={**MARGIN, "differences": [-0.01, 0.0], "interval": [-0.02, 0.01]}))
    assert _approve(cfg, failing) == 1
    assert "does not beat the best baseline" in capsys.readouterr().out
    assert _champion(client) is None
    passing = register(record())
    assert _approve(cfg, passing) == 0
    assert _champion(client) == passing
    assert client.get_model_version("m", passing).tags["decision_by"] == "Ethics panel"
    log = read(root / "decisions.jsonl")
    assert [(r["event"], r.get("outcome"), r["version"]) for r in log] == [
        ("decision", "refused", failing), ("decision", "recorded", passing), ("alias", None, passing)]
    assert holder_on(log, "m", "champion", dt.datetime.now(dt.UTC)) == passing
    assert _approve(cfg, "9") == 2


def test_approve_with_every_red_finding_accepted_succeeds_and_is_recorded_everywhere(registry, capsys):
    root, cfg, client, register = registry
    version = register(record(RED))
    assert _approve(cfg, version, "--accept", "F-ethnicity-Black-recall,F-sex-M-recall",
                    note="assistive, voluntary offer; gap judged acceptable, to be monitored") == 0
    assert _champion(client) == version
    tags = client.get_model_version("m", version).tags
    assert tags["accepted_findings"] == "F-ethnicity-Black-recall,F-sex-M-recall" and tags["mitigation"] == "none"
    decision = next(r for r in read(root / "decisions.jsonl") if r["event"] == "decision")
    assert decision["accepted_findings"] == ["F-ethnicity-Black-recall", "F-sex-M-recall"]
    assert decision["allocation_policy"]["capacities"] == {"North": 5, "South": 3}
    run_id = client.get_model_version("m", version).run_id
    files = [a.path for a in client.list_artifacts(run_id, "decisions")]
    [folder] = files
    card = mlflow.artifacts.load_text(f"runs:/{run_id}/{folder}/model_card.md")
    assert "## Panel decision" in card and "F-ethnicity-Black-recall, F-sex-M-recall" in card and "assistive, voluntary" in card
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/model_card.md") == "# Model card\n\nA card.\n"  # the original is kept
    atrs = json.loads(mlflow.artifacts.load_text(f"runs:/{run_id}/{folder}/atrs_record.json"))
    assert atrs["panel_decision"]["accepted_findings"] == ["F-ethnicity-Black-recall", "F-sex-M-recall"]


def test_approve_with_one_red_finding_missing_refuses_naming_it(registry, capsys):
    root, cfg, client, register = registry
    version = register(record(RED))
    assert _approve(cfg, version, "--accept", "F-ethnicity-Black-recall") == 1
    out = capsys.readouterr().out
    assert "red finding(s) not accepted: F-sex-M-recall" in out and "F-ethnicity-Black-recall," not in out
    assert _champion(client) is None
    refused = read(root / "decisions.jsonl")[-1]
    assert refused["outcome"] == "refused" and refused["accepted_findings"] == ["F-ethnicity-Black-recall"]


def test_a_mitigation_audited_at_training_is_applied_and_stored_as_the_allocation_policy(registry, capsys):
    root, cfg, client, register = registry
    version = register(record(RED))
    assert _approve(cfg, version, "--mitigation", "equal_expected_recall:ethnicity") == 1  # not audited: refused
    assert "was not audited when this version was trained" in capsys.readouterr().out
    assert _approve(cfg, version, "--mitigation", "equal_selection_rate:ethnicity") == 0
    tags = client.get_model_version("m", version).tags
    assert tags["mitigation"] == "equal_selection_rate:ethnicity"
    alias = read(root / "decisions.jsonl")[-1]
    assert alias["event"] == "alias" and alias["allocation_policy"]["mitigation"] == "equal_selection_rate:ethnicity"
    assert _approve(cfg, version, "--mitigation", "quota") == 2  # a malformed option is a user error
    assert "KIND:ATTRIBUTE" in capsys.readouterr().err


def test_an_edited_tag_does_not_get_past_the_gate(registry, capsys):
    root, cfg, client, register = registry
    version = register(record(RED))
    for key, value in {"fairness_passed": "true", "fairness_light": "green", "red_findings": "none", "beats_baselines": "true"}.items():
        client.set_model_version_tag("m", version, key, value)
    assert _approve(cfg, version) == 1
    assert "red finding(s) not accepted: F-ethnicity-Black-recall, F-sex-M-recall" in capsys.readouterr().out
    assert _champion(client) is None


def test_an_edited_or_missing_gate_record_does_not_get_past_the_gate(registry, capsys):
    root, cfg, client, register = registry
    forged = promotion.record_text(record())  # a passing record put in place of the red one, after training
    version = register(record(RED), text=forged)
    assert _approve(cfg, version) == 1
    assert "was changed after training" in capsys.readouterr().out
    bare = client.create_model_version("m", source=(root / "art").as_uri())  # registered by hand: no run, no record
    client.set_registered_model_alias("m", "candidate", bare.version)
    assert _approve(cfg, bare.version) == 1
    assert "recorded no gate record" in capsys.readouterr().out
    assert _champion(client) is None


def test_only_the_version_holding_the_candidate_alias_can_be_approved(registry, capsys):
    root, cfg, client, register = registry
    first = register(record())
    second = register(record())  # a newer training run moved the alias
    assert _approve(cfg, first) == 1
    assert f"does not hold the 'candidate' alias (version {second} holds it)" in capsys.readouterr().out
    assert _approve(cfg, "candidate") == 0
    assert _champion(client) == second


def test_a_model_trained_from_uncommitted_code_needs_allow_dirty_which_is_recorded(registry, capsys):
    root, cfg, client, register = registry
    version = register(record(), dirty=True)
    assert _approve(cfg, version) == 1
    assert "its code cannot be identified (code state: dirty" in capsys.readouterr().out
    assert _approve(cfg, version, "--allow-dirty") == 0
    decision = [r for r in read(root / "decisions.jsonl") if r["event"] == "decision"][-1]
    assert decision["allow_dirty"] is True and decision["outcome"] == "recorded"


def test_reject_withdraws_the_champion_and_takes_no_acceptance(registry, capsys):
    root, cfg, client, register = registry
    version = register(record())
    assert _approve(cfg, version) == 0
    base = ["approve", "--config", str(cfg), "--reviewer", "Ethics panel", "--note", "withdrawn", "--decision", "reject"]
    assert main([*base, "--version", version, "--accept", "F-x"]) == 2
    assert main([*base, "--version", f"0{version}"]) == 0  # "01" is version 1
    assert _champion(client) is None
    log = read(root / "decisions.jsonl")
    assert log[-1]["event"] == "alias" and log[-1]["version"] is None and log[-1]["previous"] == version


def test_findings_lists_the_red_ids_for_the_panel(registry, capsys):
    root, cfg, client, register = registry
    register(record(RED))
    assert main(["findings", "--config", str(cfg), "--red-ids"]) == 0
    assert capsys.readouterr().out.strip() == "F-ethnicity-Black-recall,F-sex-M-recall"
    assert main(["findings", "--config", str(cfg), "--red-ids", "--mitigation", "equal_selection_rate:ethnicity"]) == 0
    assert capsys.readouterr().out.strip() == ""
    assert main(["findings", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "allocation none: traffic light red" in out and "allocation equal_selection_rate:ethnicity: traffic light amber" in out
    assert "RED  F-ethnicity-Black-recall [split 1, split 2]" in out


def test_decisions_answers_who_was_champion_on_a_date(registry, capsys, monkeypatch):
    root, cfg, client, register = registry
    from placerisk.app import decisions

    clock = iter(["2026-10-01T09:00:00+00:00", "2026-10-01T09:00:00+00:00", "2026-11-15T10:00:00+00:00", "2026-11-15T10:00:00+00:00"])
    monkeypatch.setattr(decisions, "now", lambda: next(clock))
    first = register(record())
    assert _approve(cfg, first, note="first model") == 0
    second = register(record(RED, champion=against(first)))
    assert _approve(cfg, second, "--accept", "F-ethnicity-Black-recall,F-sex-M-recall", note="second model") == 0
    capsys.readouterr()
    assert main(["decisions", "--config", str(cfg), "--on", "2026-09-30"]) == 0
    assert "had no champion on 2026-09-30" in capsys.readouterr().out
    assert main(["decisions", "--config", str(cfg), "--on", "2026-11-01"]) == 0
    out = capsys.readouterr().out
    assert f"version {first}, since 2026-10-01T09:00:00+00:00, by decision of Ethics panel" in out and "first model" in out
    assert main(["decisions", "--config", str(cfg), "--on", "2026-11-15"]) == 0
    out = capsys.readouterr().out
    assert f"version {second}" in out and "accepted findings: F-ethnicity-Black-recall, F-sex-M-recall" in out
    assert main(["decisions", "--config", str(cfg)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 4
    assert main(["decisions", "--config", str(cfg), "--on", "yesterday"]) == 2


def test_a_decision_the_log_cannot_record_changes_nothing(registry, capsys):
    root, cfg, client, register = registry
    version = register(record())
    (root / "decisions.jsonl").mkdir()  # the log cannot be appended to
    assert _approve(cfg, version) == 2
    assert "decisions.jsonl" in capsys.readouterr().err
    assert "decision" not in client.get_model_version("m", version).tags  # no registry record without its log line
    assert _champion(client) is None


def test_a_version_whose_model_is_not_the_one_its_run_logged_is_refused(registry, capsys):
    """A version pointing at another model, registered with an honest run's id (and so its honest gate record)."""
    root, cfg, client, register = registry
    honest = register(record())
    forged = client.create_model_version("m", source=(root / "art" / "elsewhere").as_uri(), run_id=client.get_model_version("m", honest).run_id)
    client.set_registered_model_alias("m", "candidate", forged.version)
    assert _approve(cfg, forged.version) == 1
    assert "is not the model its training run" in capsys.readouterr().out
    assert _champion(client) is None


def test_a_version_audited_under_a_laxer_policy_than_the_panels_is_refused(registry, capsys):
    root, cfg, client, register = registry
    lax = _policy_in_force()
    lax = {**lax, "policy": {**lax["policy"], "ratio_low": 0.01, "ratio_high": 100.0}, "required_attributes": ["sex"]}
    version = register(record(audit_policy=lax))
    assert _approve(cfg, version) == 1
    out = capsys.readouterr().out
    assert "another fairness policy than the config's" in out and "policy.ratio_low" in out and "required_attributes" in out


def test_a_damaged_decisions_log_is_named_with_its_line_and_the_next_record_starts_a_line(registry, capsys):
    root, cfg, client, register = registry
    log = root / "decisions.jsonl"
    log.write_text('{"event": "alias", "at": "2026-12-0')  # a line cut short
    assert main(["decisions", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "decisions.jsonl' line 1" in err and "Traceback" not in err
    from placerisk.app.decisions import append

    append(log, {"event": "note", "by": "x"})
    assert log.read_text().splitlines()[1].startswith('{"at"')


@pytest.mark.parametrize(("given", "meaning"), [("2026-12-01", "2026-12-01T23:59:59"), ("20261201", "2026-12-01T23:59:59"),
                                                ("2026-12-01T10:00:00", "2026-12-01T10:00:00")])
def test_decisions_on_reads_every_date_spelling_the_same_way(registry, capsys, given, meaning):
    root, cfg, client, register = registry
    assert main(["decisions", "--config", str(cfg), "--on", given]) == 0
    assert f"as at {meaning}+00:00" in capsys.readouterr().out
    assert main(["decisions", "--config", str(cfg), "--on", ""]) == 2


WORSE = {"baseline": "x", "differences": [-0.01, 0.002], "interval": [-0.02, 0.01], "beats": False}


def test_a_challenger_that_does_not_beat_the_champion_is_refused_unless_the_panel_accepts_that(registry, capsys):
    root, cfg, client, register = registry
    first = register(record())
    assert _approve(cfg, first) == 0
    worse = register(record(champion=against(first, WORSE)))
    capsys.readouterr()
    assert main(["findings", "--config", str(cfg), "--version", worse]) == 0  # what the panel reads before it decides
    out = capsys.readouterr().out
    assert f"the margin against version {first}" in out and f"against the champion: it does not beat the champion (version {first})" in out
    assert _approve(cfg, worse) == 1
    out = capsys.readouterr().out
    assert f"does not beat the champion (version {first}) on precision_at_list" in out and "--accept-below-champion" in out
    assert _champion(client) == first
    assert _approve(cfg, worse, "--accept-below-champion", note="fewer red findings at equal precision") == 0
    assert f"accepted below the champion: it is not shown to beat version {first}" in capsys.readouterr().out
    assert _champion(client) == worse
    decision = [r for r in read(root / "decisions.jsonl") if r["event"] == "decision"][-1]
    assert decision["accepted_below_champion"] is True and decision["replaces"] == {
        "version": first, "compared": True, "comparison": f"the margin against version {first}"}
    assert client.get_model_version("m", worse).tags["accepted_below_champion"] == "true"


def test_a_challenger_not_compared_with_the_champion_needs_the_panels_explicit_say(registry, capsys):
    root, cfg, client, register = registry
    first = register(record())
    assert _approve(cfg, first) == 0
    second = register(record(champion=against(first, evaluated=False)))
    capsys.readouterr()
    assert _approve(cfg, second) == 1
    assert f"not shown to beat the champion (version {first}): its bundle could not be loaded" in capsys.readouterr().out
    assert _approve(cfg, second, "--accept-below-champion") == 0


def test_a_challenger_compared_with_another_champion_than_the_one_in_use_is_refused(registry, capsys):
    root, cfg, client, register = registry
    first = register(record())
    stale = register(record())  # trained when there was no champion; then another version became champion
    client.set_registered_model_alias("m", "candidate", first)
    assert _approve(cfg, first) == 0
    client.set_registered_model_alias("m", "candidate", stale)
    capsys.readouterr()
    assert _approve(cfg, stale) == 1
    assert f"compared at training with no champion, but the champion is now version {first}: retrain it" in capsys.readouterr().out
    assert _approve(cfg, stale, "--accept-below-champion") == 1  # acceptance does not mend a comparison with the wrong model


def test_accept_below_champion_is_refused_where_there_is_nothing_to_accept(registry, capsys):
    root, cfg, client, register = registry
    first = register(record())
    assert _approve(cfg, first, "--accept-below-champion") == 1
    assert "there was no champion to compare with at training" in capsys.readouterr().out
    assert _approve(cfg, first) == 0
    better = register(record(champion=against(first)))
    assert _approve(cfg, better, "--accept-below-champion") == 1
    assert "this version beats the champion it was compared with; nothing to accept" in capsys.readouterr().out
    base = ["approve", "--config", str(cfg), "--reviewer", "Ethics panel", "--note", "n", "--decision", "reject", "--version", better]
    assert main([*base, "--accept-below-champion"]) == 2
    assert _approve(cfg, better) == 0

