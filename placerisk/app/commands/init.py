"""`placerisk init`: write the commented example configuration."""

from __future__ import annotations

import argparse
from pathlib import Path

from placerisk.app.outputs import refuse_overwriting_inputs
from placerisk.config import default_config_text, load_config
from placerisk.errors import UserError


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.is_dir():
        raise UserError(f"'{path}' is a folder; expected a file name such as placerisk.yaml")
    if path.is_symlink():
        raise UserError(f"'{path}' is a symbolic link; expected a plain file name such as placerisk.yaml")
    refuse_overwriting_inputs(path, data_dirs=(load_config(None).data.dir,), what="--path")
    if path.exists() and not args.force:
        raise UserError(f"'{path}' already exists; pass --force to replace it")
    path.write_text(default_config_text(), encoding="utf-8")
    print(f"wrote {path}: edit it, then run `placerisk synth` and `placerisk validate`")
    return 0
