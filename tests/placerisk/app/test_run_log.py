"""A fairness section that cannot be computed is stated in the report itself, and never loses the run."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from placerisk.app import run_log
from placerisk.config import parse_config
from placerisk.fairness import FairnessPolicy, audit, render_all


def test_a_failed_section_is_named_in_every_report_with_its_reason(monkeypatch):
    rng = np.random.default_rng(0)
    n = 400
    sens = pd.DataFrame({"ethnicity": rng.choice(["A", "B"], n), "sex": rng.choice(["F", "M"], n)})
    data = SimpleNamespace(sensitive=sens, X=pd.DataFrame({"x": rng.normal(size=n)}), y=rng.integers(0, 2, n),
                           family_id=np.array([f"f{i:04d}" for i in range(n)]))
    preds = SimpleNamespace(rows=np.arange(n), rank_score=rng.random(n))
    config = parse_config({"config_version": 1, "fairness": {"bootstrap_resamples": 20}})
    said = []
    run = SimpleNamespace(config=config, assembled=SimpleNamespace(data=data), audit_k=40, say=said.append, panel={})

    def fails(*args, **kwargs):
        raise ValueError("group 'B' has too few listed families for group-aware cutoffs")

    monkeypatch.setattr(run_log, "mitigation_tradeoffs", fails)
    extra = run_log._proxy_and_mitigation(run, preds)
    assert "proxy" in extra and "mitigation" not in extra
    assert extra["unavailable"] == {"mitigation": "group 'B' has too few listed families for group-aware cutoffs"}
    result = audit(data.y, preds.rank_score, sens, k=40, policy=FairnessPolicy(n_boot=20), random_state=0)
    reports = render_all(result, {"model": "m"}, **extra)
    for name in ("report.html", "report.md"):
        assert "This section could not be computed: group" in reports[name], name
    assert "too few listed families" in reports["report.json"]
    assert any("mitigation section could not be computed" in s for s in said)
