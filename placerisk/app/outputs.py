"""Output folders that never lose a person's files: replaced only when placerisk wrote them and is asked to."""

from __future__ import annotations

import shutil
from pathlib import Path

from placerisk.errors import UserError

MARKER = ".placerisk-output"


def prepare_output(out: Path, *, overwrite: bool, kind: str, owned: set[str]) -> None:
    """Make ``out`` ready for a fresh ``kind`` output.

    A non-empty folder is replaced only with ``overwrite``, only when its marker
    says placerisk wrote a ``kind`` there, and only when it holds nothing else
    than the ``owned`` entries: nothing a person put there is ever deleted.
    """
    if out.is_symlink():
        raise UserError(f"'{out}' is a symbolic link; expected a real folder for the {kind}")
    if out.exists() and not out.is_dir():
        raise UserError(f"'{out}' is a file; expected a folder for the {kind}")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise UserError(f"'{out}' already holds files; pass --overwrite to replace the earlier {kind}")
        marker = out / MARKER
        if not marker.is_file() or marker.read_text().strip() != kind:
            raise UserError(f"'{out}' is not empty and placerisk did not write a {kind} there; refusing to delete anything in it")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in owned | {MARKER})
        if foreign:
            raise UserError(f"'{out}' holds files placerisk did not write ({', '.join(foreign[:5])}); move them, then run again")
        for entry in out.iterdir():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(kind + "\n")  # first, so an interrupted run is still recognised as ours
