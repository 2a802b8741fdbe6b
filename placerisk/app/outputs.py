"""Where outputs may go: never over an input or into a data folder; folders replaced only when placerisk wrote them and is asked to."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from placerisk.errors import UserError

MARKER = ".placerisk-output"


def _check_replaceable(out: Path, *, overwrite: bool, kind: str, owned: set[str], flag: str = "--overwrite") -> bool:
    """Whether ``out`` holds an earlier ``kind`` to replace; UserError when it may not be replaced."""
    if out.is_symlink():
        raise UserError(f"'{out}' is a symbolic link; expected a real folder for the {kind}")
    if out.exists() and not out.is_dir():
        raise UserError(f"'{out}' is a file; expected a folder for the {kind}")
    if not (out.exists() and any(out.iterdir())):
        return False
    if not overwrite:
        raise UserError(f"'{out}' already holds files; pass {flag} to replace the earlier {kind}")
    marker = out / MARKER
    if not marker.is_file() or marker.read_text().strip() != kind:
        raise UserError(f"'{out}' is not empty and placerisk did not write a {kind} there; refusing to delete anything in it")
    foreign = sorted(p.name for p in out.iterdir() if p.name not in owned | {MARKER})
    if foreign:
        raise UserError(f"'{out}' holds files placerisk did not write ({', '.join(foreign[:5])}); move them, then run again")
    return True


def prepare_output(out: Path, *, overwrite: bool, kind: str, owned: set[str]) -> None:
    """Make ``out`` ready for a fresh ``kind`` output, in place.

    A non-empty folder is replaced only with ``overwrite``, only when its marker
    says placerisk wrote a ``kind`` there, and only when it holds nothing else
    than the ``owned`` entries: nothing a person put there is ever deleted.
    """
    if _check_replaceable(out, overwrite=overwrite, kind=kind, owned=owned):
        for entry in out.iterdir():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(kind + "\n")  # first, so an interrupted run is still recognised as ours


@contextmanager
def staged_folder(out: Path, *, overwrite: bool, kind: str, owned: set[str], keep_previous: bool = False,
                  flag: str = "--overwrite") -> Iterator[Path]:
    """A fresh folder beside ``out`` to write the ``kind`` into; it replaces ``out`` only once everything is written.

    ``out`` is checked as :func:`prepare_output` checks it, and is untouched until the end: a failure or an
    interruption leaves the earlier output whole (the half-written folder is removed, or on the next run).
    With ``keep_previous`` the earlier output is kept beside, as ``<name>.replaced-<UTC time>``.
    """
    out = out.absolute()
    staging, old = out.with_name(f".{out.name}.placerisk-new"), out.with_name(f".{out.name}.placerisk-old")
    if not out.exists() and (old / MARKER).is_file():  # an earlier run stopped between its two renames: restore it first
        old.rename(out)
    had = _check_replaceable(out, overwrite=overwrite, kind=kind, owned=owned, flag=flag)
    for leftover in (staging, old):  # from an interrupted run: ours by name and marker, or by name and empty (killed before its marker)
        if leftover.exists():
            if (leftover / MARKER).is_file() and (leftover / MARKER).read_text().strip() == kind:
                shutil.rmtree(leftover)
            elif leftover.is_dir() and not leftover.is_symlink() and not any(leftover.iterdir()):
                leftover.rmdir()
            else:
                raise UserError(f"'{leftover}' is in the way and placerisk did not write it; move it, then run again")
    staging.mkdir(parents=True)
    (staging / MARKER).write_text(kind + "\n")
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if had:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        out.rename(out.with_name(f"{out.name}.replaced-{stamp}") if keep_previous else old)
    elif out.exists():
        out.rmdir()  # an empty folder
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


DATA_KIND = "synthetic population"


def is_data_folder(folder: Path) -> bool:
    """Whether placerisk wrote a synthetic population into ``folder``."""
    marker = folder / MARKER
    return marker.is_file() and marker.read_text().strip() == DATA_KIND


def _data_folders(target: Path, given: tuple[Path, ...]) -> list[Path]:
    """The data folders ``target`` would land in: the ones given, and any ancestor that placerisk wrote a population into."""
    return [g.resolve() for g in given] + [f for f in (target, *target.parents) if is_data_folder(f)]


def refuse_overwriting_inputs(target: Path, *, inputs: tuple[Path, ...] = (), data_dirs: tuple[Path, ...] = (), what: str,
                              is_data_folder_itself: bool = False) -> None:
    """UserError when ``target`` (resolved, links included) is one of the command's inputs, holds one, or lies in a data folder.

    No command writes over what it reads or into a folder of partner extracts, whatever ``--overwrite`` says.
    With ``is_data_folder_itself`` (``synth``, whose output is a data folder) ``target`` may be a data folder but
    not lie inside another.
    """
    resolved = target.resolve()
    for source in inputs:
        source = source.resolve()
        same = resolved == source or (resolved.exists() and source.exists() and os.path.samefile(resolved, source))  # hard links too
        relation = ("the same as" if same else "a folder holding" if resolved in source.parents
                    else "inside" if source in resolved.parents else None)
        if relation:
            raise UserError(f"{what} '{target}' is {relation} the input '{source}'; expected a place apart from what the command "
                            "reads (inputs are never written over)")
    for folder in _data_folders(resolved, data_dirs):
        if folder in resolved.parents or (folder == resolved and not is_data_folder_itself):
            raise UserError(f"{what} '{target}' is inside the data folder '{folder}'; expected a place outside it "
                            "(partner extracts are never written over or mixed with outputs)")


def config_file(given: str | None) -> tuple[Path, ...]:
    """The configuration file a command read (given, or ./placerisk.yaml when present): an input like any other."""
    if given:
        return (Path(given),)
    default = Path.cwd() / "placerisk.yaml"
    return (default,) if default.exists() else ()
