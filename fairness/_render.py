"""Every report as text, ready for the caller to write (fairness does no file I/O)."""

from __future__ import annotations

from placerisk.fairness._report_html import to_html
from placerisk.fairness._report_json import to_json
from placerisk.fairness._report_markdown import to_markdown


def render_all(result, context=None, *, proxy=None, mitigation=None, published=True) -> dict[str, str]:
    """``{"report.html": ..., "report.md": ..., "report.json": ...}`` for one audit.

    Examples
    --------
    >>> reports = render_all(result, {"model": "vendor score v2"})  # doctest: +SKIP
    >>> for name, text in reports.items():                          # doctest: +SKIP
    ...     (out_dir / name).write_text(text)
    """
    kwargs = {"context": context, "proxy": proxy, "mitigation": mitigation, "published": published}
    return {"report.html": to_html(result, **kwargs), "report.md": to_markdown(result, **kwargs),
            "report.json": to_json(result, **kwargs)}
