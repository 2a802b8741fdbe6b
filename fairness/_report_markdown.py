"""Markdown rendering of the report sections."""

from __future__ import annotations

import re

from placerisk.fairness._report_content import Section, build_sections

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#~!{}])")
_SUPPRESSED_ESCAPED = re.compile(r"\\\[c\\\](?![(\[:])")


def _escape(text: str) -> str:
    """Text safe in a Markdown paragraph, list item or table cell: no raw HTML, no markup.

    ``&``, ``<`` and ``>`` become entities; Markdown punctuation (backslash, backtick, ``*``,
    ``_``, brackets, ``|``, ``#``, ``~``, ``!``, braces) is backslash-escaped; line breaks become
    spaces. The suppression mark "[c]" stays readable (it is no link).
    """
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"\s*[\r\n]+\s*", " ", text)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _SUPPRESSED_ESCAPED.sub("[c]", text)


def _bullet(text: str) -> str:
    """A list item; a leading finding id is a code span, so it can be copied into ``approve --accept`` as it is."""
    head, sep, rest = text.partition(": ")
    if sep and head.startswith("F-") and " " not in head and "`" not in head:
        return f"`{head}`: {_escape(rest)}"
    return _escape(text)


def render_sections(sections: list[Section], title: str) -> str:
    """Markdown for ``sections``; charts are left to the HTML report."""
    lines = [f"# {_escape(title)}", ""]
    for section in sections:
        lines += [f"## {_escape(section.title)}", ""]
        for paragraph in section.paragraphs:
            lines += [_escape(paragraph), ""]
        if section.bullets:
            lines += [f"- {_bullet(b)}" for b in section.bullets] + [""]
        for table in section.tables:
            lines += [f"**{_escape(table.caption)}**", "", "| " + " | ".join(map(_escape, table.header)) + " |",
                      "|" + "---|" * len(table.header)]
            lines += ["| " + " | ".join(map(_escape, row)) + " |" for row in table.rows]
            lines.append("")
    return "\n".join(lines)


def to_markdown(result, *, context=None, proxy=None, mitigation=None, oracle=None, published=True,
                title="Fairness audit", unavailable=None) -> str:
    """The fairness report as Markdown (same content as :func:`to_html`, without charts).

    Parameters
    ----------
    result : AuditResult
    context : dict, optional
        Plain facts shown in the summary, e.g. ``{"model": "lgbm v3", "data": "...",
        "operating point": "weekly list of 132 families"}``; works for any score.
    proxy : ProxyResult, optional
    mitigation : DataFrame, optional
        From :func:`mitigation_tradeoffs`.
    published : bool, default=True
        Suppressed and rounded figures; ``False`` gives the full version (not for publication).
    title : str, default="Fairness audit"
    unavailable : mapping, optional
        ``{"proxy": reason, "mitigation": reason}`` for a section that could not be computed
        (then pass None for it): the section shows "This section could not be computed: <reason>."
    """
    sections = build_sections(result, context=context, proxy=proxy, mitigation=mitigation, oracle=oracle, published=published,
                              unavailable=unavailable)
    return render_sections(sections, title if published else f"{title} (FULL VERSION: NOT FOR PUBLICATION)")
