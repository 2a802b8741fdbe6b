"""User errors are one clear line (exit 2); anything else is a bug: its traceback, a request to report it, exit 70."""

from __future__ import annotations

import importlib.util

import pytest

from placerisk.cli import BUG_EXIT, main
from placerisk.errors import raised_on_purpose

FAKE = '''
import numpy as np

def checked(x):
    if x < 0:
        raise ValueError(f"x: got {x}; expected 0 or more")
    return x

def library(x):
    return np.zeros((2, 2)).reshape(x)
'''


@pytest.fixture
def fake(tmp_path):
    """A module inside the placerisk namespace, with a check of its own and a call that fails inside NumPy."""
    path = tmp_path / "fake.py"
    path.write_text(FAKE)
    spec = importlib.util.spec_from_file_location("placerisk._fake_for_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _caught(fn, *args) -> BaseException:
    with pytest.raises(ValueError) as info:
        fn(*args)
    return info.value


def test_only_placerisk_s_own_raise_counts_as_the_user_s_input_problem(fake):
    assert raised_on_purpose(_caught(fake.checked, -1))
    assert not raised_on_purpose(_caught(fake.library, 3))  # NumPy's own ValueError inside a placerisk function: a bug
    assert not raised_on_purpose(_caught(int, "x"))  # not raised in placerisk at all


def test_a_bug_prints_its_traceback_and_asks_for_a_report(monkeypatch, capsys, tmp_path):
    command = importlib.import_module("placerisk.app.commands.init")

    def broken(args):
        raise KeyError("internal")

    monkeypatch.setattr(command, "run", broken)
    assert main(["init", "--path", str(tmp_path / "c.yaml")]) == BUG_EXIT
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "KeyError: 'internal'" in err
    assert "this is a bug, not a problem with your input" in err and "placerisk --version" in err


def test_an_os_error_about_no_path_is_a_bug_and_one_about_a_path_is_the_user_s(monkeypatch, capsys, tmp_path):
    command = importlib.import_module("placerisk.app.commands.init")
    monkeypatch.setattr(command, "run", lambda args: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    assert main(["init", "--path", str(tmp_path / "c.yaml")]) == BUG_EXIT
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setattr(command, "run", lambda args: (_ for _ in ()).throw(PermissionError(13, "Permission denied", "/x/y")))
    assert main(["init", "--path", str(tmp_path / "c.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Permission denied '/x/y'") and "Traceback" not in err
