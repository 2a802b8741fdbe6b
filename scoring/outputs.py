"""The weekly outputs as bytes: a team's CSV, workbook and printable page, and the VRU lead's summary page.

Pure and deterministic: the same tables give the same bytes (CSV and HTML), and the same cell
values in a workbook whose creation and modification times are fixed to the as-of date, so the
file is byte-identical too. Pages are Jinja2 templates (autoescaped, no JavaScript, nothing
fetched), readable offline and printable; the band and reasons come first, the probability last.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping

import pandas as pd

from placerisk.scoring.lists import HELD_COLUMNS, LEFT_COLUMNS, LIST_COLUMNS, SUPPORTED_COLUMNS

EXPLAINED = {
    "Team": "The place-based team whose area the family lives in. You see only your own team's families.",
    "Place": "The family's place on this week's list: 1 is the family the model puts first.",
    "Family (pseudonymous id)": "A pseudonym. Look the family up in your case-management or partner system; this list holds no names.",
    "Band (1-20)": "How the family's chance of the outcome compares with all families: 20 is the highest twentieth, 1 the lowest.",
    "Since last week": "new: not on last week's list; still listed: on it last week too.",
    "Reason 1": "The factor that pushed the score up most, with its value (Reason 2 and 3: the next ones).",
    "Partner 1": "The partner whose records the reason comes from.",
    "Most recent record 1": "The date of the most recent record behind the reason: check it in the partner's own system.",
    "Probability": "The model's calibrated chance of the outcome in the next 12 months. A guide, not a judgement: a practitioner decides.",
}


def _cell(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a header, "\\n" line ends and probabilities to 3 decimals: the same table gives the same bytes."""
    text = table.to_csv(index=False, lineterminator="\n", float_format="%.3f")
    return text.encode("utf-8")


def workbook_bytes(listed: pd.DataFrame, left: pd.DataFrame, supported: pd.DataFrame, as_of: dt.date, team: str,
                   held: pd.DataFrame | None = None) -> bytes:
    """An Excel workbook: the list, who left it, who is supported, who is held after feedback, and what each column means;
    fixed times, so fixed bytes."""
    held = pd.DataFrame(columns=HELD_COLUMNS) if held is None else held
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    stamp = dt.datetime.combine(as_of, dt.time())
    book.properties.created = stamp
    book.properties.modified = stamp
    book.properties.creator = "placerisk"
    sheets = (("List", listed, LIST_COLUMNS), ("Left the list", left, LEFT_COLUMNS), ("Already supported", supported, SUPPORTED_COLUMNS),
              ("Held after feedback", held, HELD_COLUMNS))
    for i, (title, table, columns) in enumerate(sheets):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(columns)
        for c in sheet[1]:
            c.font = Font(bold=True)
        for row in table[columns].itertuples(index=False):
            sheet.append([round(v, 3) if isinstance(v, float) else v for v in row])
    about = book.create_sheet("About the columns")
    about.append(["Column", "What it means"])
    for column, meaning in EXPLAINED.items():
        about.append([column, meaning])
    about.append(["", f"Team {team}, families as of {as_of.isoformat()}."])
    raw = io.BytesIO()
    book.save(raw)
    return _fixed_zip(raw.getvalue(), stamp)


def _fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """The workbook's zip entries rewritten with one fixed timestamp (openpyxl stamps them with the clock)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl writes the clock as the modification time on save
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", content)
            target.writestr(fixed, content)
    return out.getvalue()


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("placerisk.scoring", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = _cell
    return env


def team_page(team: str, as_of: dt.date, listed: pd.DataFrame, left: pd.DataFrame, supported: pd.DataFrame, facts: Mapping,
              held: pd.DataFrame | None = None) -> str:
    """The team's printable page: its list (band and reasons first, probability last), who left it, who is supported, who is held."""
    held = pd.DataFrame(columns=HELD_COLUMNS) if held is None else held
    return _environment().get_template("team.html").render(
        team=team, as_of=as_of.isoformat(), listed=listed[LIST_COLUMNS].to_dict("records"), list_columns=LIST_COLUMNS,
        left=left[LEFT_COLUMNS].to_dict("records"), left_columns=LEFT_COLUMNS, supported=supported[SUPPORTED_COLUMNS].to_dict("records"),
        supported_columns=SUPPORTED_COLUMNS, held=held[HELD_COLUMNS].to_dict("records"), held_columns=HELD_COLUMNS,
        explained=EXPLAINED, facts=dict(facts))


def summary_page(as_of: dt.date, counts: pd.DataFrame, shares: pd.DataFrame, facts: Mapping, after: Mapping | None = None) -> str:
    """The VRU lead's page across teams: the monitor's status and drift warnings first, then counts, bands, new and left,
    and listed shares by group (small cells withheld). ``after``: ``monitor`` and ``drift`` as in the manifest."""
    after = dict(after or {"monitor": {"status": "not yet run", "why": ""}, "drift": {"status": "not measured", "warnings": []}})
    return _environment().get_template("summary.html").render(
        as_of=as_of.isoformat(), counts=counts.to_dict("records"), shares=shares.to_dict("records"), facts=dict(facts), after=after)


def monitor_page(report: Mapping, tables: Mapping[str, pd.DataFrame], charts: Mapping[str, str]) -> str:
    """The monitor's page: the status and why first, then precision against the rule, calibration, feedback, with charts over time."""
    from markupsafe import Markup

    def records(name: str) -> list[dict]:
        table = tables.get(name)
        return [] if table is None else table.to_dict("records")

    return _environment().get_template("monitor.html").render(
        report=dict(report), precision=records("precision"), by_group=records("precision_by_group"),
        calibration=records("calibration"),
        overrides=[r for r in records("overrides_by_team") if r["week"] == "all weeks"],
        overrides_by_group=[r for r in records("overrides_by_group") if r["week"] == "all weeks"],
        charts={k: Markup(v) for k, v in charts.items()})
