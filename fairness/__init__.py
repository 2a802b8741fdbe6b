"""Fairness audit, ethics-panel reports and the promotion gate (issue 5).

Pure functions of scores, labels and sensitive features: no other placerisk
package is imported, no file is read or written and nothing runs at import time.
"""

from placerisk.fairness._audit import AuditResult, audit
from placerisk.fairness._cards import atrs_record, model_card
from placerisk.fairness._findings import SERIOUSNESS, Finding
from placerisk.fairness._mitigation import mitigation_tradeoffs, publish_mitigation
from placerisk.fairness._policy import FairnessPolicy
from placerisk.fairness._proxy import ProxyResult, proxy_check
from placerisk.fairness._render import render_all
from placerisk.fairness._report_html import to_html
from placerisk.fairness._report_json import to_dict, to_json
from placerisk.fairness._report_markdown import to_markdown
from placerisk.fairness._selection import ranking, selection_mask
from placerisk.fairness._truth import oracle_comparison, publish_oracle_comparison
from placerisk.fairness._wording import check_unit, in_units

__all__ = [
    "AuditResult",
    "FairnessPolicy",
    "Finding",
    "ProxyResult",
    "SERIOUSNESS",
    "atrs_record",
    "audit",
    "check_unit",
    "in_units",
    "mitigation_tradeoffs",
    "model_card",
    "oracle_comparison",
    "proxy_check",
    "publish_mitigation",
    "publish_oracle_comparison",
    "ranking",
    "render_all",
    "selection_mask",
    "to_dict",
    "to_html",
    "to_json",
    "to_markdown",
]
