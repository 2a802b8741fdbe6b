"""Every report as text, ready for the caller to write (fairness does no file I/O)."""

from __future__ import annotations

import json

from placerisk.fairness._report_html import to_html
from placerisk.fairness._report_json import to_json
from placerisk.fairness._report_markdown import to_markdown
from placerisk.fairness._wording import in_units


def render_all(result, context=None, *, proxy=None, mitigation=None, oracle=None, published=True,
               unavailable=None, unit: str = "families") -> dict[str, str]:
    """``{"report.html": ..., "report.md": ..., "report.json": ...}`` for one audit.

    Parameters
    ----------
    result : AuditResult
    context : dict, optional
        Plain facts shown in the summary.
    proxy : ProxyResult, optional
    mitigation : DataFrame, optional
        From :func:`mitigation_tradeoffs`.
    published : bool, default=True
    unavailable : mapping, optional
        ``{"proxy": reason, "mitigation": reason}`` for a section that could not be computed
        (pass None for it): HTML and Markdown show "This section could not be computed:
        <reason>." in that section (escaped); the JSON carries
        ``"unavailable": {"proxy_check": reason, "mitigation": reason}``.
    unit : str, default="families"
        What a row is, as a plural noun ("people", "pupils"): the HTML and Markdown say it instead of "families";
        the JSON keeps its keys and records the unit.

    Examples
    --------
    >>> reports = render_all(result, {"model": "vendor score v2"})  # doctest: +SKIP
    >>> for name, text in reports.items():                          # doctest: +SKIP
    ...     (out_dir / name).write_text(text)
    >>> render_all(result, proxy=None, unavailable={"proxy": "fairlearn is not installed"})  # doctest: +SKIP
    """
    kwargs = {"context": context, "proxy": proxy, "mitigation": mitigation, "oracle": oracle, "published": published,
              "unavailable": unavailable}
    report = to_json(result, **kwargs)
    if unit != "families":
        report = json.dumps({"unit": unit, **json.loads(report)}, indent=2, ensure_ascii=False)
    return {"report.html": in_units(to_html(result, **kwargs), unit), "report.md": in_units(to_markdown(result, **kwargs), unit),
            "report.json": report}
