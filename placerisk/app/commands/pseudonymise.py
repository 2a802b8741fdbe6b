"""`placerisk pseudonymise`: what a partner runs before sending, keyed HMAC-SHA256 of id columns."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from placerisk.app.outputs import config_file, refuse_overwriting_inputs
from placerisk.app.progress import say
from placerisk.config import load_config
from placerisk.datatools.privacy import find_identifiers, load_key, pseudonymise_frame
from placerisk.datatools.privacy.pseudonymise import key_file_exposure
from placerisk.datatools.tables import read_frame
from placerisk.errors import UserError


def run(args: argparse.Namespace) -> int:
    source, target = Path(args.input), Path(args.out)
    if target.suffix not in (".csv", ".parquet"):
        raise UserError(f"--out: got suffix {target.suffix!r}; expected .csv or .parquet")
    if target.exists() and not args.overwrite:
        raise UserError(f"'{target}' already exists; pass --overwrite to replace it")
    if target.resolve() == source.resolve():
        raise UserError("--out must differ from --in: the original file is never overwritten")
    inputs = (source, *config_file(args.config), *([Path(args.key_file)] if args.key_file else []))
    refuse_overwriting_inputs(target, inputs=inputs, data_dirs=(load_config(args.config).data.dir,), what="--out")
    if not target.parent.is_dir():
        raise UserError(f"--out: the folder '{target.parent}' does not exist; expected an existing folder for '{target.name}'")
    columns = [c.strip() for c in args.columns.split(",") if c.strip()]
    if not columns:
        raise UserError(f"--columns: got {args.columns!r}; expected one or more column names separated by commas")
    key = load_key(args.key_file, args.key_env)
    exposure = key_file_exposure(args.key_file) if args.key_file else None
    if exposure:
        say(f"warning: {exposure}")
    frame = pseudonymise_frame(read_frame(source), columns, key, length=args.length)
    tmp = target.with_name(f".{target.name}.placerisk-tmp")
    try:  # written beside, then moved into place: never half a file
        frame.to_csv(tmp, index=False) if target.suffix == ".csv" else frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote {target}: {len(frame):,} rows, pseudonymised {', '.join(columns)}")
    for finding in find_identifiers(frame.head(20000)):
        say(f"warning: {finding.message()}; pseudonymise or remove it before sending")
    return 0
