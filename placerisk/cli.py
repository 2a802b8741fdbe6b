"""The ``placerisk`` command: its arguments, and a dispatch to one module per command in ``placerisk.app.commands``.

User errors (bad arguments, config, files, keys) print one ``error:`` line and
exit 2 with no traceback; a validation that fails its contracts exits 1; an
internal error (a bug) prints its traceback and a request to report it, and
exits 70.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sys
import traceback
from collections.abc import Sequence

from placerisk import __version__
from placerisk.errors import UserError

EPILOG = """\
typical use:
  placerisk init                                  write a commented placerisk.yaml
  placerisk synth --families 20000 --out data/synthetic
  placerisk validate --data data/synthetic
  placerisk features --data data/synthetic --as-of 2024-01-01 2024-04-01 --out outputs/features.parquet
  placerisk train                                 compare models in time, audit, log to MLflow, register the best
  placerisk audit --scores s.csv --score risk --label outcome --sensitive ethnicity,sex --top-k 100 --out audit/
  placerisk findings --version candidate           the red findings the panel decides on, with their ids
  placerisk approve --version 3 --reviewer "Ethics panel" --decision approve --accept F-... --note "why"
  placerisk decisions --on 2026-11-30              who was champion on a date, by whose decision
  placerisk score --as-of 2026-03-30              every team's weekly list
  placerisk feedback --file decisions.csv         practitioners' decisions on listed families
  placerisk monitor                               the lists against the outcomes known since
  placerisk weekly                                the week's routine (cron or a systemd timer): score, publish, monitor
  placerisk engines --as-of 2026-03-30            do DuckDB and Spark build the same features and scores here?
  placerisk pseudonymise --in raw.csv --out sendable.csv --columns nhs_number --key-file key.txt

every command reads ./placerisk.yaml when present (or --config FILE), else the embedded defaults.
"""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a date as YYYY-MM-DD") from None


def _whole_number(minimum: int):
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}; expected a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"got {value}; expected a whole number of at least {minimum}")
        return value

    return parse


_positive = _whole_number(1)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a share between 0 and 1, e.g. 0.1") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"got {value:g}; expected a share between 0 and 1 (exclusive), e.g. 0.1")
    return value


def _init(p: argparse.ArgumentParser) -> None:
    p.add_argument("--path", default="placerisk.yaml", help="where to write it (default: %(default)s)")
    p.add_argument("--force", action="store_true", help="replace an existing file")


def _synth(p: argparse.ArgumentParser) -> None:
    p.add_argument("--families", type=_positive, help="number of families (default: synth.families in the config)")
    p.add_argument("--seed", type=_whole_number(0), help="random seed (default: synth.seed); same seed, same data")
    p.add_argument("--out", metavar="DIR", help="output folder (default: data.dir in the config)")
    p.add_argument("--recording-bias", type=float, metavar="F", help="police-contact recording multiplier for the chosen groups; 1.0 = none")
    p.add_argument("--oracle-as-of", type=_date, nargs="+", metavar="DATE", help="as-of dates for the oracle file (default: every quarter with a complete horizon)")
    p.add_argument("--rate-scale", type=float, default=1.0, metavar="F", help="multiply every event rate (stress tests only: breaks the calibration to public figures)")
    p.add_argument("--dirty", action="store_true", help="inject realistic faults (for testing validation); listed in truth/injected_faults.csv")
    p.add_argument("--workers", type=_positive, help="processes to use (default: up to 2)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier synth output in the folder")


def _validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="folder of extracts (default: data.dir)")
    p.add_argument("--out", metavar="DIR", help="report and quarantine folder (default: one per data folder, under <data.output_dir>/validation/)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier report in the folder")


def _features(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="folder of validated extracts (default: data.dir)")
    p.add_argument("--validation", metavar="DIR", help="its validation report folder (default: the one `validate` wrote for this data folder)")
    p.add_argument("--as-of", type=_date, nargs="+", required=True, metavar="DATE", help="one or more as-of dates (YYYY-MM-DD)")
    p.add_argument("--out", required=True, metavar="FILE", help="Parquet file to write (metadata beside it as FILE.meta.json)")
    p.add_argument("--all-families", action="store_true", help="include families outside the cohort (in_cohort = false)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")


def _train(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="folder of validated extracts (default: data.dir)")
    p.add_argument("--validation", metavar="DIR", help="its validation report folder (default: the one `validate` wrote for this data folder)")
    p.add_argument("--table", metavar="FILE", help="train from your own feature table (CSV or Parquet) instead")
    p.add_argument("--id", metavar="COL", help="with --table: the family (or person) id column; breaks ties, never a model input")
    p.add_argument("--label", metavar="COL", help="with --table: the outcome column (0, 1, or empty when not yet known)")
    p.add_argument("--time", metavar="COL", help="with --table: the as-of date column (enables temporal splits)")
    p.add_argument("--sensitive", metavar="COLS", help="with --table: comma-separated columns kept for the audit, never model inputs")
    p.add_argument("--horizon-months", type=_positive, metavar="N", help="with --table: months the label looks ahead (required with --time)")
    p.add_argument("--allowance-days", type=_whole_number(0), metavar="N", help="with --table: days after that window before a label is complete "
                   "(default: outcome.recording_allowance_days)")
    p.add_argument("--period", choices=["auto", "month", "quarter", "year"], default="auto",
                   help="with --time: bin the dates into snapshots by this period (default: auto, at most 60 snapshots; the plan is printed)")
    p.add_argument("--holdout-from", type=_date, metavar="DATE", help="with --time: a temporal holdout, rows from DATE test (for a table too "
                   "short for rolling origin; stated in the run and the model card)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--top-k", type=_positive, metavar="K", help="with --table: the list, the K highest scores of a test part")
    size.add_argument("--top-share", type=_share, metavar="S", help="with --table: the list, this share of a test part (default 0.1)")
    p.add_argument("--max-levels", type=_positive, default=20, metavar="N", help="with --table: most levels of a text (categorical) input "
                   "(default: %(default)s)")
    p.add_argument("--unit", default="families", metavar="WORD", help="with --table: what a row is, in the reports' words (e.g. people, "
                   "pupils, households; default: %(default)s)")
    p.add_argument("--no-register", action="store_true", help="log the run but do not register a model version")


def _audit(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scores", required=True, metavar="FILE", help="CSV or Parquet with a score, an observed outcome and sensitive columns")
    p.add_argument("--score", required=True, metavar="COL", help="the score column (higher = higher priority)")
    p.add_argument("--label", required=True, metavar="COL", help="the observed outcome column (0 or 1)")
    p.add_argument("--sensitive", required=True, metavar="COLS", help="comma-separated sensitive columns, e.g. ethnicity,sex")
    p.add_argument("--intersection", action="append", default=[], metavar="A*B", help="audit an intersection too, e.g. ethnicity*sex (repeatable)")
    op = p.add_mutually_exclusive_group(required=True)
    op.add_argument("--top-k", type=_positive, metavar="K", help="the list: the K highest scores")
    op.add_argument("--threshold", type=float, metavar="T", help="the list: every score at or above T")
    op.add_argument("--team", metavar="COL", help="the lists the teams receive: each team's (named in COL) top scores up to its "
                    "configured weekly capacity x --weeks")
    p.add_argument("--weeks", type=_positive, metavar="N", help="with --team: weeks of lists (default: training.list_weeks)")
    p.add_argument("--oracle", metavar="COL", help="synthetic data: true probabilities; the report sets each group's listed share beside "
                   "the oracle's list, formed the same way")
    p.add_argument("--id", metavar="COL", help="id column: ties in score are broken by it, ascending (default: file order)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for report.html, report.md and report.json")
    p.add_argument("--full", action="store_true", help="also write the unsuppressed tables (for the data scientist only) to DIR/full/")
    p.add_argument("--unit", default="families", metavar="WORD", help="what a row is, in the reports' words (e.g. people, pupils, "
                   "households; default: %(default)s)")
    p.add_argument("--seed", type=_whole_number(0), default=0, help="bootstrap seed (default: %(default)s)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier report in the folder")


def _approve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", metavar="NAME", help="registered model name (default: mlflow.registered_model)")
    p.add_argument("--version", required=True, metavar="V", help="model version, or the alias 'candidate'")
    p.add_argument("--reviewer", required=True, metavar="WHO", help="who decided (the panel or its chair)")
    p.add_argument("--decision", required=True, choices=["approve", "reject"])
    p.add_argument("--note", required=True, metavar="TEXT", help="why: recorded with the decision (the justification of accepted findings)")
    p.add_argument("--accept", metavar="IDS", help="comma-separated red finding ids the panel accepts (see `placerisk findings`)")
    p.add_argument("--mitigation", metavar="NAME", help="an allocation option audited at training, e.g. equal_selection_rate:ethnicity")
    p.add_argument("--allow-dirty", action="store_true", help="approve a model trained from uncommitted code (recorded)")
    p.add_argument("--accept-below-champion", action="store_true",
                   help="approve a challenger that does not beat the champion on the primary metric (recorded with the note)")


def _engines(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=_date, required=True, metavar="DATE", help="the as-of date to build on both engines (YYYY-MM-DD)")
    p.add_argument("--data", metavar="DIR", help="folder of validated extracts (default: data.dir)")
    p.add_argument("--validation", metavar="DIR", help="its validation report folder (default: the one `validate` wrote for this data folder)")
    p.add_argument("--all-families", action="store_true", help="compare families outside the cohort too")
    p.add_argument("--features-only", action="store_true", help="do not compare the champion's scores")


def _score(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=_date, required=True, metavar="DATE", help="the week's as-of date (YYYY-MM-DD)")
    p.add_argument("--data", metavar="DIR", help="folder of validated extracts (default: data.dir)")
    p.add_argument("--validation", metavar="DIR", help="its validation report folder (default: the one `validate` wrote for this data folder)")
    p.add_argument("--force", action="store_true", help="publish again for a date already published (the earlier lists are kept beside)")


def _feedback(p: argparse.ArgumentParser) -> None:
    p.add_argument("--file", required=True, metavar="FILE", help="CSV or Parquet of practitioners' decisions (see docs/feedback.md)")


def _monitor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--on", type=_date, metavar="DATE", help="the report's date (default: today, UTC)")
    p.add_argument("--data", metavar="DIR", help="folder of validated extracts holding the outcomes (default: data.dir)")
    p.add_argument("--validation", metavar="DIR", help="its validation report folder (default: the one `validate` wrote for this data folder)")
    p.add_argument("--force", action="store_true", help="write the report again for a date already reported (the earlier one is kept beside)")


def _weekly(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=_date, metavar="DATE", help="the week's as-of date (default: today, UTC)")
    p.add_argument("--data", metavar="DIR", help="folder of validated extracts (default: data.dir)")
    p.add_argument("--validation", metavar="DIR", help="its validation report folder (default: the one `validate` wrote for this data folder)")
    p.add_argument("--force", action="store_true", help="publish and report again for a date already done (earlier outputs kept beside)")


def _findings(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", metavar="NAME", help="registered model name (default: mlflow.registered_model)")
    p.add_argument("--version", default="candidate", metavar="V", help="model version or alias (default: %(default)s)")
    p.add_argument("--mitigation", metavar="NAME", help="show the findings under this audited allocation option")
    p.add_argument("--red-ids", action="store_true", help="print only the red finding ids, comma-separated")


def _decisions(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", metavar="NAME", help="registered model name (default: mlflow.registered_model)")
    p.add_argument("--on", metavar="DATE", help="who was champion on this date (YYYY-MM-DD, end of day UTC) or date and time")


def _pseudonymise(p: argparse.ArgumentParser) -> None:
    p.add_argument("--in", dest="input", required=True, metavar="FILE", help="CSV or Parquet file to read")
    p.add_argument("--out", required=True, metavar="FILE", help="file to write (.csv or .parquet)")
    p.add_argument("--columns", required=True, help="comma-separated id columns to pseudonymise")
    key = p.add_mutually_exclusive_group()
    key.add_argument("--key-file", metavar="FILE", help="file holding the secret key")
    key.add_argument("--key-env", metavar="VAR", help="environment variable holding the key (default: PLACERISK_PSEUDONYM_KEY)")
    p.add_argument("--length", type=int, default=16, help="hex characters kept, 16-64 (default: %(default)s)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")


COMMANDS = {  # name -> (help line, its arguments); each command's module is placerisk.app.commands.<name>
    "init": ("write the commented example configuration", _init),
    "synth": ("generate a synthetic population and partner extracts", _synth),
    "validate": ("check every extract against its data contract", _validate),
    "features": ("build point-in-time family features, cohort and labels", _features),
    "train": ("compare models over rolling-origin splits, audit them, log to MLflow, register the best", _train),
    "audit": ("fairness audit of any risk score (e.g. a vendor's) at its operating point", _audit),
    "findings": ("the findings the ethics panel decides on for a model version, with their ids", _findings),
    "approve": ("record the ethics panel's decision; approval moves the 'champion' alias", _approve),
    "decisions": ("the history of panel decisions, and who was champion on a date", _decisions),
    "score": ("the champion scores the cohort; every team's weekly list, published in one step", _score),
    "feedback": ("practitioners' decisions on listed families: checked, stored append-only, honoured by the next lists", _feedback),
    "monitor": ("published lists against the outcomes known since: precision against the rule, calibration, feedback", _monitor),
    "weekly": ("the week's routine for a scheduler: score and publish (with drift), then monitor; stops at the first failed step", _weekly),
    "engines": ("build one date on DuckDB and on Spark from the same extracts and compare them (needs the spark extra)", _engines),
    "pseudonymise": ("replace id columns by keyed HMAC-SHA256 pseudonyms (run by a partner before sending)", _pseudonymise),
}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", help="configuration file (default: ./placerisk.yaml if present, else the embedded defaults)")
    parser = argparse.ArgumentParser(
        prog="placerisk",
        description="Find families whose problems are building up, early, fairly and accountably (synthetic data only).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"placerisk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_line, add_arguments) in COMMANDS.items():
        add_arguments(sub.add_parser(name, parents=[common], help=help_line))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        command = importlib.import_module(f"placerisk.app.commands.{args.command}")  # only the chosen command's dependencies load
        return command.run(args)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        if not err.filename:  # not about a path: nothing the user can fix
            return _bug(args)
        print(f"error: {err.strerror or err} '{err.filename}'", file=sys.stderr)  # a path that cannot be read or written
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - anything else is a bug in placerisk: say so, with the traceback
        return _bug(args)


BUG_EXIT = 70  # EX_SOFTWARE: distinct from a user error (2) and a failed validation (1)


def _bug(args: argparse.Namespace) -> int:
    traceback.print_exc()
    print(f"placerisk {__version__} stopped on an internal error in `placerisk {args.command}`: this is a bug, not a problem with "
          "your input. Please report it to the placerisk maintainers with the command you ran, `placerisk --version` and the "
          "traceback above (check it holds no personal data first).", file=sys.stderr)
    return BUG_EXIT


if __name__ == "__main__":
    raise SystemExit(main())
