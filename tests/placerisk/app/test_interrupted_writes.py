"""An interrupted command leaves the earlier output whole and no half-written file behind."""

from __future__ import annotations

import importlib


from placerisk.cli import main

synth_command = importlib.import_module("placerisk.app.commands.synth")


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_synth_overwrite_killed_midway_keeps_the_earlier_population(tmp_path, monkeypatch):
    out = tmp_path / "data"
    assert main(["synth", "--families", "200", "--seed", "1", "--out", str(out)]) == 0
    before = _snapshot(out)

    def dies_midway(settings, folder, **kwargs):
        (folder / "police.parquet").write_bytes(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(synth_command, "generate", dies_midway)
    assert main(["synth", "--families", "200", "--seed", "2", "--out", str(out), "--overwrite"]) == 130
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing half-written left beside it
    monkeypatch.undo()
    assert main(["synth", "--families", "200", "--seed", "2", "--out", str(out), "--overwrite"]) == 0
    assert _snapshot(out) != before and sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_a_folder_left_by_a_killed_run_is_cleared_on_the_next(tmp_path):
    out = tmp_path / "data"
    assert main(["synth", "--families", "200", "--out", str(out)]) == 0
    leftover = tmp_path / ".data.placerisk-new"
    leftover.mkdir()
    (leftover / ".placerisk-output").write_text("synthetic population\n")
    (leftover / "police.parquet").write_bytes(b"half")
    assert main(["synth", "--families", "200", "--out", str(out), "--overwrite"]) == 0
    assert not leftover.exists()


def test_an_empty_folder_left_by_a_run_killed_before_its_marker_is_cleared(tmp_path):
    from placerisk.app.outputs import staged_folder

    out = tmp_path / "lists" / "2026-01-05"
    (tmp_path / "lists" / ".2026-01-05.placerisk-new").mkdir(parents=True)  # killed between making the folder and marking it
    with staged_folder(out, overwrite=False, kind="weekly lists", owned={"manifest.json"}) as staging:
        (staging / "manifest.json").write_text("{}")
    assert (out / "manifest.json").is_file() and not (tmp_path / "lists" / ".2026-01-05.placerisk-new").exists()


def test_something_else_in_the_way_is_never_deleted(tmp_path, capsys):
    (tmp_path / ".data.placerisk-new").mkdir()
    (tmp_path / ".data.placerisk-new" / "mine.txt").write_text("mine")
    assert main(["synth", "--families", "200", "--out", str(tmp_path / "data")]) == 2
    assert "placerisk did not write it" in capsys.readouterr().err
    assert (tmp_path / ".data.placerisk-new" / "mine.txt").exists()


def test_an_audit_replaced_with_overwrite_is_kept_beside(tmp_path):
    (tmp_path / "s.csv").write_text("risk,outcome,g\n" + "".join(f"{i / 40},{i % 2},{'AB'[i % 2]}\n" for i in range(40)))
    args = ["audit", "--scores", str(tmp_path / "s.csv"), "--score", "risk", "--label", "outcome", "--sensitive", "g", "--out",
            str(tmp_path / "audit")]
    assert main([*args, "--top-k", "10"]) == 0
    first = (tmp_path / "audit" / "report.json").read_bytes()
    assert main([*args, "--top-k", "20", "--overwrite"]) == 0
    [kept] = tmp_path.glob("audit.replaced-*")
    assert (kept / "report.json").read_bytes() == first
    assert (tmp_path / "audit" / "report.json").read_bytes() != first


def test_an_interrupted_validation_leaves_no_truncated_report(tmp_path, monkeypatch):
    report_module = importlib.import_module("placerisk.datatools.contracts.report")
    assert main(["synth", "--families", "200", "--out", str(tmp_path / "data")]) == 0
    written = []

    def fails_on_the_json(path, text):
        if path.suffix == ".json":
            raise KeyboardInterrupt
        written.append(path.name)
        path.write_text(text)

    monkeypatch.setattr(report_module, "write_text_atomic", fails_on_the_json)
    assert main(["validate", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "v")]) == 130
    assert written == ["report.md"] and not (tmp_path / "v" / "report.json").exists()
    monkeypatch.undo()
    assert main(["features", "--data", str(tmp_path / "data"), "--validation", str(tmp_path / "v"), "--as-of", "2023-01-01",
                 "--out", str(tmp_path / "f.parquet")]) == 2  # no report: refused, with a message
