"""Write a validation report as JSON (for machines) and Markdown (for people)."""

from __future__ import annotations

import json
from pathlib import Path

from placerisk.atomic import write_text_atomic
from placerisk.datatools.contracts.validate import ValidationReport

_STATUS = {"accepted": "accepted", "accepted_with_quarantine": "accepted, bad rows quarantined", "not supplied": "not supplied (optional)",
           "refused": "REFUSED"}


def render_markdown(report: ValidationReport) -> str:
    lines = [
        "# Validation report",
        "",
        f"- Data: `{report.data_dir}`",
        f"- Checked at: {report.checked_at} ({report.seconds} s)",
        f"- Result: **{'passed' if report.passed else 'FAILED'}**",
        "",
        "| file | status | rows | quarantined | share |",
        "|---|---|---:|---:|---:|",
    ]
    for f in report.files:
        lines.append(f"| {f.name} | {_STATUS[f.status]} | {f.rows:,} | {f.bad_rows:,} | {f.bad_share:.3%} |")
    for f in report.files:
        if not (f.problems or f.warnings or f.reasons):
            continue
        lines += ["", f"## {f.name}", ""]
        lines += [f"- **Refused:** {p}" for p in f.problems]
        lines += [f"- Warning: {w}" for w in f.warnings]
        if f.reasons:
            lines += ["", "| rule | rows |", "|---|---:|"] + [f"| {r} | {n:,} |" for r, n in f.reasons.items()]
        if f.examples:
            lines += ["", "First quarantined rows:", "", "| row | column | value | rule | expected |", "|---:|---|---|---|---|"]
            lines += [f"| {e['row']} | {e['column']} | {e['value']} | {e['rule']} | {e['expected']} |" for e in f.examples]
        if f.quarantine:
            lines += ["", f"All quarantined rows, with their reasons: `{f.quarantine}`"]
    return "\n".join(lines) + "\n"


def write_report(report: ValidationReport, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "report.json", out_dir / "report.md"
    # Each file in one step, and report.json (what `features` and `train` read) last: an interrupted
    # validation leaves no report, or the earlier one, never a truncated one.
    write_text_atomic(md_path, render_markdown(report))
    write_text_atomic(json_path, json.dumps(report.to_dict(), indent=2, default=str) + "\n")
    return json_path, md_path
