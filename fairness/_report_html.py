"""Self-contained, printable HTML report: inline CSS and inline SVG charts, no external resources."""

from __future__ import annotations

from html import escape

from placerisk.fairness._report_content import build_sections

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}caption{text-align:left;font-weight:bold;padding:.3em 0}
.light{display:inline-block;padding:.4em .8em;border-radius:4px;font-weight:bold;color:#fff}
.red{background:#b3261e}.amber{background:#b26a00}.green{background:#2e7d32}
.charts svg{margin:.4em 1em .4em 0}
td.cell-red{background:#b3261e;color:#fff;font-weight:bold}td.cell-amber{background:#b26a00;color:#fff;font-weight:bold}
td.cell-green{background:#2e7d32;color:#fff;font-weight:bold}
section#summary{border:2px solid #444;padding:.2em 1em;border-radius:6px}.finding-id{font-family:monospace;font-weight:bold}
@media print{body{max-width:none;margin:0;font-size:10pt}h2{page-break-after:avoid}
table{page-break-inside:auto}tr{page-break-inside:avoid}.charts{page-break-inside:avoid}}
"""


def _bullet(text: str) -> str:
    """A list item; a leading finding id ("F-...: ") is set apart so the panel can quote it."""
    head, sep, rest = text.partition(": ")
    if sep and head.startswith("F-") and " " not in head:
        return f'<span class="finding-id">{escape(head)}</span>: {escape(rest)}'
    return escape(text)


def to_html(result, *, context=None, proxy=None, mitigation=None, oracle=None, published=True,
            title="Fairness audit", unavailable=None) -> str:
    """The fairness report as one self-contained HTML page (same content as :func:`to_markdown`).

    Opens with the plain-English summary and traffic light, then findings, tables with
    intervals, calibration by group, proxy check and mitigation (when given, or the reason
    they could not be computed) and the data and method notes. Parameters as for
    :func:`to_markdown`.
    """
    sections = build_sections(result, context=context, proxy=proxy, mitigation=mitigation, oracle=oracle, published=published,
                              unavailable=unavailable)
    heading = title if published else f"{title} (FULL VERSION: NOT FOR PUBLICATION)"
    light = result.traffic_light
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{escape(heading)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{escape(heading)}</h1>",
           f'<p><span class="light {light}">Traffic light: {light.upper()}</span></p>']
    for section in sections:
        anchor = f' id="{section.anchor}"' if section.anchor else ""
        out.append(f"<section{anchor}><h2>{escape(section.title)}</h2>")
        out += [f"<p>{escape(p)}</p>" for p in section.paragraphs]
        if section.bullets:
            out.append("<ul>" + "".join(f"<li>{_bullet(b)}</li>" for b in section.bullets) + "</ul>")
        if section.charts:
            out.append('<div class="charts">' + "".join(section.charts) + "</div>")
        for table in section.tables:
            head = "".join(f"<th>{escape(h)}</th>" for h in table.header)
            classes = table.cell_classes or [[""] * len(row) for row in table.rows]
            body = "".join("<tr>" + "".join(f'<td class="{escape(k)}">{escape(c)}</td>' if k else f"<td>{escape(c)}</td>"
                                            for c, k in zip(row, kinds, strict=True)) + "</tr>"
                           for row, kinds in zip(table.rows, classes, strict=True))
            out.append(f"<table><caption>{escape(table.caption)}</caption><thead><tr>{head}</tr></thead>"
                       f"<tbody>{body}</tbody></table>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out)
