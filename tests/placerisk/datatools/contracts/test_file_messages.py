"""File problems said so a partner can fix them: another separator, another encoding, a folder where a file should be."""

from __future__ import annotations

from .conftest import valid_tables


def _file(report, name):
    return next(f for f in report.files if f.name == name)


def test_a_semicolon_separated_extract_says_so(run, tmp_path):
    tables = valid_tables()
    police = tables.pop("police")
    (tmp_path / "data").mkdir()
    lines = [";".join(police[0])] + [";".join(str(v) for v in row.values()) for row in police]
    (tmp_path / "data" / "police.csv").write_text("\n".join(lines) + "\n")
    report, _ = run(tables)
    problem = _file(report, "police").problems[0]
    assert "is missing column(s)" in problem and "it looks separated by semicolons; expected commas" in problem


def test_a_latin1_extract_asks_for_utf8_without_quoting_it(run, tmp_path):
    tables = valid_tables()
    del tables["police"]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "police.csv").write_bytes("person_id,event_type,event_date,recorded_date\nJos\xe9,asb,2023-01-01,2023-01-01\n"
                                                   .encode("latin-1"))
    report, _ = run(tables)
    problem = _file(report, "police").problems[0]
    assert "not UTF-8 text" in problem and "CSV UTF-8" in problem and "Jos" not in problem


def test_a_folder_named_like_an_extract_is_refused_in_the_report(run, tmp_path):
    tables = valid_tables()
    del tables["police"]
    (tmp_path / "data" / "police.csv").mkdir(parents=True)
    report, _ = run(tables)
    police = _file(report, "police")
    assert police.status == "refused" and "is a folder; expected the partner's police file" in police.problems[0]
