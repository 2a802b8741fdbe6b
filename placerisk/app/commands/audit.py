"""`placerisk audit`: the fairness audit of any score file, e.g. a vendor's tool, written as HTML, Markdown and JSON."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from placerisk.app.catalog import AUDIT_FILES
from placerisk.app.outputs import config_file, refuse_overwriting_inputs, staged_folder
from placerisk.app import specs
from placerisk.app.specs import fairness_policy
from placerisk.config import load_config
from placerisk.datatools.tables import display_row, holds_dates_or_booleans, read_frame, refuse_first_bad
from placerisk.errors import DataError, UserError, raised_on_purpose
from placerisk.fairness import audit as run_audit
from placerisk.fairness import check_unit, oracle_comparison, render_all, selection_mask
from placerisk.models.allocation import allocate


def _numbers(frame: pd.DataFrame, col: str, path: Path, expected: str, allowed=None) -> np.ndarray:
    if holds_dates_or_booleans(frame[col]):
        raise DataError(f"'{path}': column {col!r} holds {frame[col].dtype} values (dates or true/false); expected {expected}")
    values = pd.to_numeric(frame[col], errors="coerce")
    bad = values.isna().to_numpy().copy()
    if allowed is not None:
        bad |= ~values.isin(allowed).to_numpy()
    refuse_first_bad(path, bad, col, frame[col], expected, f" ({int(bad.sum())} such row(s); nothing was audited)")
    return values.to_numpy(dtype=np.float64)


def _team_lists(args: argparse.Namespace, config, frame: pd.DataFrame, score: np.ndarray, path: Path) -> dict:
    """``--team``: the lists the one allocation policy forms (each team's top scores up to capacity x weeks), as audit arguments."""
    policy = specs.allocation(config).with_weeks(args.weeks or config.training.list_weeks)
    teams = frame[args.team].astype("string")
    unknown = ~teams.isin(list(policy.teams)).fillna(False).to_numpy()
    refuse_first_bad(path, unknown, args.team, frame[args.team], f"a configured team ({', '.join(policy.teams)})",
                     f" ({int(unknown.sum())} such row(s); nothing was audited)")
    ids = frame[args.id].astype(str).to_numpy() if args.id else np.char.zfill(np.arange(len(frame)).astype(str), 12)
    if len(set(ids)) != len(ids):
        raise DataError(f"'{path}': column {args.id!r} repeats an id; expected one row per family for --team lists")
    lists = allocate(score, team=teams.to_numpy(dtype=str), family_id=ids, policy=policy)
    return {"selected": lists.listed, "list_description": {"description": lists.describe(), "tie_break": "score, highest first, then "
                                                           + (f"{args.id} ascending" if args.id else "file order")}}


def _refuse_degenerate_list(args: argparse.Namespace, score: np.ndarray, path: Path, selected: int | None = None) -> None:
    """A list of no family, or of every family, has no fairness to audit: refuse it rather than report on it."""
    n = len(score)
    if not np.isfinite(score).all():
        row = int(np.flatnonzero(~np.isfinite(score))[0])
        raise DataError(f"'{path}' row {display_row(path, row)}, column {args.score!r}: got {score[row]}; expected a finite number")
    if selected is None:
        selected = int((score >= args.threshold).sum()) if args.threshold is not None else args.top_k
    if 0 < selected < n:
        return
    what = (f"--team {args.team}" if args.team else f"--threshold {args.threshold:g}" if args.threshold is not None
            else f"--top-k {args.top_k}")
    span = f"scores run from {score.min():g} to {score.max():g}"
    raise UserError(f"{what} puts {'no' if selected == 0 else 'every'} row of '{path}' on the list ({selected:,} of {n:,}; {span}): "
                    "there is no list to audit; expected an operating point that lists some rows and not others")


def _operating_point(args: argparse.Namespace, weeks: int | None = None) -> str:
    if args.team:
        return f"each team's ({args.team}) top {args.score} up to its weekly capacity x {args.weeks or weeks} weeks"
    op = f"top {args.top_k} by {args.score}" if args.top_k else f"{args.score} at or above {args.threshold}"
    if args.id:
        op += f" (rows ordered by {args.id} first, so equal scores go to the lower {args.id})"
    return op


def _write_reports(folder: Path, result, args: argparse.Namespace, path: Path, rows: int, truth=None, weeks: int | None = None) -> None:
    """The published reports (small cells suppressed) and, with --full, the unsuppressed ones in full/."""
    context = {"data": f"{path.name}: {rows:,} scored rows", "operating_point": _operating_point(args, weeks), "model": args.score}
    for name, text in render_all(result, context, oracle=truth, unit=args.unit).items():
        (folder / name).write_text(text, encoding="utf-8")
    if args.full:
        (folder / "full").mkdir()
        for name, text in render_all(result, context, oracle=truth, published=False, unit=args.unit).items():
            (folder / "full" / name).write_text(text, encoding="utf-8")


def _check_columns(args: argparse.Namespace, frame: pd.DataFrame, path: Path, sensitive: list[str], intersections: list[tuple]) -> None:
    wanted = [args.score, args.label, *sensitive, *(c for i in intersections for c in i),
              *(c for c in (args.id, args.team, args.oracle) if c)]
    missing = [c for c in dict.fromkeys(wanted) if c not in frame.columns]
    if missing:
        raise DataError(f"'{path}': column(s) {missing} not found; the file has {list(frame.columns)[:12]}")
    roles = [c for c in (args.score, args.label, args.id, args.oracle) if c]
    if set(roles) & set(sensitive) or len(set(roles)) != len(roles):
        raise UserError(f"--score, --label, --id, --oracle and --sensitive: got {roles} and {sensitive}; expected each column in one role only")
    for spec in intersections:
        if len(spec) < 2 or not set(spec) <= set(sensitive):
            raise UserError(f"--intersection: got {'*'.join(spec)!r}; expected two or more of the --sensitive columns joined by '*'")
    if args.threshold is not None and not np.isfinite(args.threshold):
        raise UserError(f"--threshold: got {args.threshold}; expected a finite number")
    if args.oracle and args.threshold is not None:
        raise UserError("--oracle goes with --top-k or --team (the oracle's list is formed the same way; a threshold on the model's scale means nothing for it)")
    if args.weeks and not args.team:
        raise UserError("--weeks goes with --team (the weeks of each team's lists)")
    if len(frame) == 0:
        raise DataError(f"'{path}' has no rows; expected scored families")
    if args.top_k and args.top_k > len(frame):
        raise UserError(f"--top-k: got {args.top_k}; expected at most {len(frame)} (the rows in '{path}')")


def _truth(args, config, frame, path, lists: dict, groups: pd.DataFrame, order, intersections, policy) -> pd.DataFrame | None:
    """With --oracle: each group's listed share under the score beside the oracle's list, formed the same way."""
    if not args.oracle:
        return None
    truth = _numbers(frame, args.oracle, path, "a probability (the oracle's, synthetic data only)")
    if args.team:
        model, oracle = lists["selected"], _team_lists(args, config, frame, truth, path)["selected"]
    else:
        model = selection_mask(frame[args.score].to_numpy(dtype=float)[order], k=args.top_k)
        oracle = selection_mask(truth[order], k=args.top_k)
    return oracle_comparison(groups, model, oracle, policy=policy, intersections=intersections)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        check_unit(args.unit)
    except ValueError as err:
        raise UserError(str(err)) from None
    path, out = Path(args.scores), Path(args.out)
    frame = read_frame(path)
    sensitive = [c.strip() for c in args.sensitive.split(",") if c.strip()]
    intersections = [tuple(p.strip() for p in spec.split("*")) for spec in args.intersection]
    _check_columns(args, frame, path, sensitive, intersections)
    score = _numbers(frame, args.score, path, "a number")
    label = _numbers(frame, args.label, path, "0 or 1", allowed=[0, 1]).astype(np.int64)
    if label.min() == label.max():
        raise DataError(f"'{path}': column {args.label!r} is {label[0]} on every row; expected both outcomes (0 and 1) to audit against")
    lists = _team_lists(args, config, frame, score, path) if args.team else {"k": args.top_k, "threshold": args.threshold}
    _refuse_degenerate_list(args, score, path, int(lists["selected"].sum()) if args.team else None)
    groups = frame[sensitive].astype("string").fillna("Missing")
    order = np.arange(len(frame))
    if args.id and not args.team:  # ties in score: id ascending, as on the lists
        order = np.argsort(frame[args.id].astype(str).to_numpy(), kind="stable")
        score, label, groups = score[order], label[order], groups.iloc[order].reset_index(drop=True)
    policy = fairness_policy(config)
    try:
        result = run_audit(label, score, groups, **lists, intersections=intersections, policy=policy, random_state=args.seed)
        truth = _truth(args, config, frame, path, lists, groups, order, intersections, policy)
    except ValueError as err:  # the audit's own checks, e.g. a configured reference group that is not in this file
        if raised_on_purpose(err):
            raise UserError(f"'{path}': {err}") from err
        raise
    refuse_overwriting_inputs(out, inputs=(path, *config_file(args.config)), data_dirs=(config.data.dir,), what="--out")
    # Written beside and swapped in at the end; an earlier report replaced with --overwrite is kept beside it.
    with staged_folder(out, overwrite=args.overwrite, kind="fairness audit", owned=set(AUDIT_FILES), keep_previous=True) as staging:
        _write_reports(staging, result, args, path, len(frame), truth, config.training.list_weeks)
    flagged = [f for f in result.findings if f.status == "outside"]
    print(f"audit of {len(frame):,} rows at {_operating_point(args, config.training.list_weeks)}: traffic light {result.traffic_light}; {len(flagged)} finding(s) outside tolerance")
    for f in flagged[:10]:
        print(f"  - {f.sentence}")
    print(f"wrote {out / 'report.html'}, report.md and report.json (published: small cells suppressed)"
          + ("; unsuppressed tables in full/ (do not publish)" if args.full else ""))
    return 0
