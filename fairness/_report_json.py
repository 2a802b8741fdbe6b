"""Machine-readable report."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from placerisk.fairness._mitigation import publish_mitigation
from placerisk.fairness._report_content import check_unavailable, summary_facts
from placerisk.fairness._truth import publish_oracle_comparison

SCHEMA_VERSION = 1
_JSON_KEYS = {"proxy": "proxy_check", "mitigation": "mitigation"}  # render_all's name -> the JSON section


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [_clean(r) for r in frame.to_dict("records")]


def to_dict(result, *, context=None, proxy=None, mitigation=None, oracle=None, published=True, unavailable=None) -> dict:
    """The audit as a JSON-ready dict; NaN becomes null; suppressed cells are null and named in
    each row's ``suppressed`` list; findings, the operating point and the mitigation table are
    suppressed and rounded by the same rules. ``published=False`` gives unsuppressed figures.

    ``unavailable`` (``{"proxy": reason, "mitigation": reason}``, as for :func:`to_markdown`)
    adds ``"unavailable": {"proxy_check": reason, "mitigation": reason}``, keyed by the
    sections left out; the key is absent when every section given was computed.
    """
    missing = check_unavailable(unavailable, proxy=proxy, mitigation=mitigation)
    out = {
        "schema_version": SCHEMA_VERSION,
        "published": published,
        "context": _clean(dict(context or {})),
        "traffic_light": result.traffic_light,
        "operating_point": _clean(result.operating_point_for(published=published)),
        "policy": result.policy.to_dict(),
        "multiple_comparisons": _clean(result.multiple_comparisons),
        "method": _clean(result.method),
        "findings": [_clean(f.to_dict()) for f in result.findings_for(published=published)],
        "tables": {name: _records(result.table(name, published=published)) for name in result.table_names},
    }
    if proxy is not None:
        out["proxy_check"] = {"associations": _records(proxy.associations), "combined": _records(proxy.combined),
                              "method": _clean(proxy.method)}
    if mitigation is not None:
        out["mitigation"] = _records(publish_mitigation(mitigation, result.policy) if published else mitigation)
    if oracle is not None:
        out["oracle_comparison"] = _records(publish_oracle_comparison(oracle, result.policy) if published else oracle)
    out["summary"] = _clean(summary_facts(result, published))
    if missing:
        out["unavailable"] = {_JSON_KEYS[name]: reason for name, reason in missing.items()}
    return out


def to_json(result, *, context=None, proxy=None, mitigation=None, oracle=None, published=True, indent=2,
            unavailable=None) -> str:
    """:func:`to_dict` serialised as JSON text."""
    return json.dumps(to_dict(result, context=context, proxy=proxy, mitigation=mitigation, oracle=oracle, published=published,
                              unavailable=unavailable), indent=indent, ensure_ascii=False)
