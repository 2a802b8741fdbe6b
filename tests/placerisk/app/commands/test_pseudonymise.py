"""`placerisk pseudonymise`: a key file others can read is warned about, and the key is never printed."""

from __future__ import annotations

import pytest

from placerisk.cli import main

KEY = "k3y-" + "x" * 40


@pytest.mark.parametrize(("mode", "warned"), [(0o644, "its group and other users"), (0o604, "other users"), (0o600, None)])
def test_a_key_file_readable_by_others_is_warned_about(tmp_path, capsys, mode, warned):
    key = tmp_path / "key.txt"
    key.write_text(KEY)
    key.chmod(mode)
    (tmp_path / "in.csv").write_text("id\n9434765919\n")
    assert main(["pseudonymise", "--in", str(tmp_path / "in.csv"), "--out", str(tmp_path / "out.csv"), "--columns", "id",
                 "--key-file", str(key)]) == 0
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err
    if warned:
        assert f"can be read by {warned}" in captured.err and "chmod 600" in captured.err
    else:
        assert "can be read by" not in captured.err
