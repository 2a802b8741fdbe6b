"""Where every artefact lives, and in which format.

Commands ask the catalog for a path and never build one themselves, so one
module says what the project writes and reads on disk:

======================  =====================================================
artefact                where (defaults from the config)
======================  =====================================================
partner extracts        ``data.dir``: ``<file>.parquet`` or ``<file>.csv``
synthetic truth         ``<extracts>/truth/oracle.parquet``, ``injected_faults.csv``
validation report       ``<data.output_dir>/validation/<folder>-<hash>/``:
                        ``report.json``, ``report.md``, ``quarantine/``
features table          the ``--out`` file (Parquet), metadata beside it as
                        ``<file>.meta.json``
fairness audit          the ``--out`` folder: ``report.html``, ``report.md``,
                        ``report.json``, unsuppressed tables in ``full/``
MLflow runs, registry   ``mlflow.tracking_uri`` (SQLite by default), artifacts
                        in ``mlflow.artifact_dir``
decisions log           ``mlflow.decisions_log`` (JSON lines, append-only)
weekly lists            ``<data.output_dir>/lists/<as-of>/``: ``manifest.json``,
                        ``summary.html``, ``teams/<team>/``, ``monitoring/``;
                        ``lists/ledger.jsonl`` (append-only)
practitioner feedback   ``<data.output_dir>/feedback/``: ``decisions.jsonl``
                        (append-only), ``quarantine/``, ``to_partners/``
outcome monitoring      ``<data.output_dir>/monitor/<date>/``: ``report.html``,
                        ``report.json`` and its tables as CSV
======================  =====================================================

Each data folder has its own validation report: the folder's name and a short
hash of its resolved path, so validating a second folder never replaces the
first folder's report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from placerisk.config import Config

EXTRACT_SUFFIXES = (".parquet", ".csv")
TRUTH = "truth"
SYNTH_MANIFEST = "manifest.json"
VALIDATION_FILES = ("report.json", "report.md", "quarantine", ".spill")
AUDIT_FILES = ("report.html", "report.md", "report.json", "full")
LIST_FILES = ("manifest.json", "summary.html", "teams", "monitoring")
MONITOR_FILES = ("report.html", "report.json", "precision.csv", "precision_by_group.csv", "calibration.csv", "overrides_by_team.csv",
                 "overrides_by_group.csv")
META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class ValidationPaths:
    """One data folder's validation report."""

    dir: Path

    @property
    def report_json(self) -> Path:
        return self.dir / "report.json"

    @property
    def report_md(self) -> Path:
        return self.dir / "report.md"


@dataclass(frozen=True)
class FeatureTablePaths:
    """A features table and its metadata, and the temporary names they are written under first."""

    table: Path

    @property
    def meta(self) -> Path:
        return self.table.with_name(self.table.name + META_SUFFIX)

    @property
    def table_tmp(self) -> Path:
        return self.table.with_name(self.table.name + ".tmp")

    @property
    def meta_tmp(self) -> Path:
        return self.meta.with_name(self.meta.name + ".tmp")


@dataclass(frozen=True)
class Catalog:
    """The project's artefacts, located from one configuration."""

    config: Config

    # -- partner extracts -------------------------------------------------
    def data_dir(self, given: str | Path | None = None) -> Path:
        """The extracts folder: the one given on the command line, else ``data.dir``."""
        return Path(given) if given else self.config.data.dir

    def synth_owned(self) -> set[str]:
        """Everything ``placerisk synth`` writes into a data folder (and may replace with --overwrite)."""
        stems = self.config.file_names().values()
        return {f"{s}{ext}" for s in stems for ext in EXTRACT_SUFFIXES} | {TRUTH, SYNTH_MANIFEST}

    def oracle(self, data_dir: Path) -> Path:
        """The synthetic population's true probabilities (never read for training)."""
        return data_dir / TRUTH / "oracle.parquet"

    def injected_faults(self, data_dir: Path) -> Path:
        return data_dir / TRUTH / "injected_faults.csv"

    # -- validation -------------------------------------------------------
    def validation_root(self) -> Path:
        """The folder holding every data folder's validation report."""
        return self.config.data.output_dir / "validation"

    def validation(self, data_dir: Path, given: str | Path | None = None) -> ValidationPaths:
        """The validation report of ``data_dir``: the folder given, else one of its own under the output folder."""
        if given:
            return ValidationPaths(Path(given))
        resolved = str(data_dir.resolve())
        key = hashlib.sha256(resolved.encode()).hexdigest()[:8]
        return ValidationPaths(self.validation_root() / f"{data_dir.resolve().name or 'data'}-{key}")

    # -- features ---------------------------------------------------------
    @staticmethod
    def features_table(path: str | Path) -> FeatureTablePaths:
        return FeatureTablePaths(Path(path))

    @staticmethod
    def table_meta(table: Path) -> Path:
        """The metadata file beside a features table (it may be absent for a table made elsewhere)."""
        return FeatureTablePaths(table).meta

    # -- MLflow and decisions ---------------------------------------------
    @property
    def tracking_uri(self) -> str:
        return self.config.mlflow.tracking_uri

    @property
    def artifact_dir(self) -> Path:
        return self.config.mlflow.artifact_dir

    @property
    def decisions_log(self) -> Path:
        return self.config.mlflow.decisions_log

    # -- weekly lists --------------------------------------------------------
    @property
    def lists_root(self) -> Path:
        """``<output_dir>/lists``: one folder per published as-of date, and the run ledger."""
        return self.config.data.output_dir / "lists"

    def lists(self, as_of) -> Path:
        return self.lists_root / as_of.isoformat()

    @property
    def ledger(self) -> Path:
        """Append-only: one line per published (or refused) weekly run."""
        return self.lists_root / "ledger.jsonl"

    @staticmethod
    def team_folder(lists: Path, team: str) -> Path:
        """A team's own folder in a published run (its name made safe for any file system)."""
        import re

        return lists / "teams" / (re.sub(r"[^A-Za-z0-9._-]+", "_", team).strip("._") or "team")

    # -- after the list ------------------------------------------------------
    @property
    def feedback_root(self) -> Path:
        return self.config.data.output_dir / "feedback"

    @property
    def feedback_store(self) -> Path:
        """Append-only: one JSON line per practitioner decision, superseded ones kept."""
        return self.feedback_root / "decisions.jsonl"

    def feedback_quarantine(self, stamp: str) -> Path:
        return self.feedback_root / "quarantine" / f"{stamp}.csv"

    def partner_report(self, partner: str, stamp: str) -> Path:
        """The families and weeks a partner's data was reported wrong on, one file per ingested batch."""
        return self.feedback_root / "to_partners" / partner / f"{stamp}.csv"

    @staticmethod
    def monitoring(lists: Path) -> Path:
        """A published week's scored cohort, kept for the monitor (not for the teams): ``<lists>/monitoring/cohort.parquet``."""
        return lists / "monitoring" / "cohort.parquet"

    @property
    def monitor_root(self) -> Path:
        return self.config.data.output_dir / "monitor"

    def monitor(self, on) -> Path:
        return self.monitor_root / on.isoformat()
