"""The one typed, validated, versioned configuration.

The embedded ``default_config.yaml`` is both the documented example that
``placerisk init`` writes and the single source of default values: a user's
file is laid over it (mappings merge key by key, lists and scalars replace,
``null`` removes a source). Everything is checked before any heavy work, and an
error names the file, the key path, the value received and what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from placerisk.config_text import SECRET_ADVICE, UniqueKeyLoader, format_validation_error, keyed, merge, resolve_paths, secret_keys
from placerisk.errors import ConfigError
from placerisk.fairness import FairnessPolicy
from placerisk.models.candidates import LIGHTGBM_DEFAULTS, LIGHTGBM_EXTRA

CONFIG_VERSION = 1
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
DEFAULT_CONFIG_NAME = "placerisk.yaml"


# Strict types: YAML's `true` is never a capacity of 1, nor `"5"` a count. Paths and dates are
# written as text in YAML, so those two convert from strings.
LaxPath = Annotated[Path, Field(strict=False)]
LaxDate = Annotated[dt.date, Field(strict=False)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DataConfig(_Section):
    dir: LaxPath
    output_dir: LaxPath
    extract_date: LaxDate | None = None
    earliest_date: LaxDate

    def latest_date(self, today: dt.date | None = None) -> dt.date:
        """The last date an extract may contain: ``extract_date``, or today."""
        return self.extract_date or today or dt.date.today()


class PopulationConfig(_Section):
    areas: str
    families: str
    persons: str
    objections: str
    engagements: str
    sex_codes: list[str] = Field(min_length=1)
    ethnicity_codes: list[str] = Field(min_length=1)


class SourceConfig(_Section):
    file: str = Field(min_length=1)
    description: str = ""
    recording_lag: str = ""
    joined: LaxDate | None = None   # the partner joined the data-sharing agreement then: nothing of it is known before
    event_types: dict[str, str] = Field(min_length=1)

    @field_validator("event_types")
    @classmethod
    def _codes_are_identifiers(cls, value: dict[str, str]) -> dict[str, str]:
        for code in value:
            if not code.isidentifier() or code != code.lower():
                raise ValueError(f"lower_snake_case event type codes, but {code!r} is not")
        return value


class CohortConfig(_Section):
    min_age: int = Field(ge=0, le=120)
    max_age: int = Field(ge=0, le=120)

    @model_validator(mode="after")
    def _ordered(self) -> CohortConfig:
        if self.min_age > self.max_age:
            raise keyed("cohort.min_age", self.min_age, f"at most max_age ({self.max_age})")
        return self


class OutcomeConfig(_Section):
    name: str = Field(min_length=1)
    description: str = ""
    events: list[str] = Field(min_length=1)
    horizon_months: int = Field(ge=1, le=60)
    recording_allowance_days: int = Field(ge=0, le=730)


class FeatureGroupConfig(_Section):
    description: str = Field(min_length=1)
    events: list[str] = Field(min_length=1)


class FeaturesConfig(_Section):
    windows_months: list[int] = Field(min_length=1)
    aggregations: list[Literal["count", "days_since_last", "distinct_members", "trend"]]
    trend_months: int = Field(ge=1, le=36)
    members_months: int = Field(ge=1, le=120)
    groups: dict[str, FeatureGroupConfig] = {}

    @field_validator("groups")
    @classmethod
    def _group_names(cls, value: dict[str, FeatureGroupConfig]) -> dict[str, FeatureGroupConfig]:
        for name in value:
            if not name.isidentifier() or name != name.lower():
                raise ValueError(f"lower_snake_case group names, but {name!r} is not")
        return value

    @field_validator("windows_months")
    @classmethod
    def _positive_unique(cls, value: list[int]) -> list[int]:
        if any(w < 1 or w > 120 for w in value) or len(set(value)) != len(value):
            raise ValueError("distinct whole months between 1 and 120")
        return sorted(value)


class TeamConfig(_Section):
    name: str = Field(min_length=1)
    weekly_capacity: int = Field(ge=1, le=10_000)


class ToleranceConfig(_Section):
    ratio_low: float = Field(gt=0, le=1)
    ratio_high: float = Field(ge=1)


class FairnessConfig(_Section):
    sensitive_features: list[str] = Field(min_length=1)
    intersections: list[list[str]] = []
    reference_group: Literal["largest"] | dict[str, str]
    primary_metrics: list[str] = Field(min_length=1)
    tolerance: ToleranceConfig
    min_cell_count: int = Field(ge=1)
    round_to: int = Field(ge=1)

    @field_validator("primary_metrics")
    @classmethod
    def _known_metrics(cls, value: list[str]) -> list[str]:
        try:
            FairnessPolicy(primary_metrics=tuple(value))
        except ValueError as err:
            raise ValueError(str(err)) from None
        return value

    bootstrap_resamples: int = Field(ge=20, le=10_000)
    confidence: float = Field(gt=0.5, lt=1)


class BaselineConfig(_Section):
    description: str = ""
    features: list[str] = Field(min_length=1)
    tiebreak: list[str] = []


class TrainingConfig(_Section):
    snapshots: int = Field(ge=3, le=120)
    snapshot_months: int = Field(ge=1, le=24)
    last_snapshot: LaxDate | None = None
    splits: int = Field(ge=1, le=24)
    calibration: Literal["isotonic", "sigmoid"]
    select_by: Literal["average_precision", "roc_auc"]
    list_weeks: int = Field(ge=1, le=520)
    primary_metric: Literal["precision_at_list", "recall_at_list", "precision_at_k", "recall_at_k", "average_precision", "roc_auc", "precision_at_1pct", "precision_at_5pct", "precision_at_10pct"]
    top_shares: list[float] = []
    seed: int = Field(ge=0)
    threads: int | None = Field(default=None, ge=1, le=512)
    baselines: dict[str, BaselineConfig] = {}
    best_single_feature: bool = True
    logistic: list[dict[str, float]] = []
    lightgbm: list[dict[str, Any]] = []

    @model_validator(mode="after")
    def _consistent(self) -> TrainingConfig:
        if self.splits >= self.snapshots - 1:
            raise keyed("training.splits", self.splits, f"fewer than snapshots - 1 ({self.snapshots - 1}): each fold needs earlier snapshots to train and calibrate on")
        for i, share in enumerate(self.top_shares):
            if not 0 < share < 1:
                raise keyed(f"training.top_shares[{i}]", share, "a share between 0 and 1, e.g. 0.05 for the top 5%")
        reported = {f"precision_at_{s * 100:g}pct" for s in self.top_shares}
        if self.primary_metric.endswith("pct") and self.primary_metric not in reported:
            raise keyed("training.primary_metric", self.primary_metric, f"a metric that is reported: add its share to training.top_shares (now {self.top_shares})")
        if not self.logistic and not self.lightgbm:
            raise keyed("training", "no logistic or lightgbm settings", "at least one learnt candidate")
        for i, point in enumerate(self.logistic):
            if set(point) - {"C"} or not point.get("C", 1) > 0:
                raise keyed(f"training.logistic[{i}]", point, "{C: a positive number}")
        for i, point in enumerate(self.lightgbm):
            unknown = set(point) - set(LIGHTGBM_DEFAULTS) - LIGHTGBM_EXTRA
            if unknown:
                raise keyed(f"training.lightgbm[{i}]", sorted(unknown), f"LightGBM settings among {sorted(LIGHTGBM_DEFAULTS)}")
            for name, value in point.items():
                _check_lightgbm_value(f"training.lightgbm[{i}].{name}", value, LIGHTGBM_DEFAULTS.get(name))
        return self


def _check_lightgbm_value(path: str, value: Any, default: Any) -> None:
    """A LightGBM setting of the default's kind: a whole number where the default is one, a number where it is a float."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, int):
        ok = number and float(value).is_integer() and value >= 0
    else:
        ok = number and value >= 0
    if not ok:
        kind = "text" if isinstance(default, str) else "a whole number of at least 0" if isinstance(default, int) else "a number of at least 0"
        raise keyed(path, value, kind)


class MlflowConfig(_Section):
    tracking_uri: str
    artifact_dir: LaxPath
    experiment: str = Field(min_length=1)
    registered_model: str = Field(min_length=1)
    decisions_log: LaxPath


class SparkConfig(_Section):
    """Where Spark runs and how it hands rows to Python (used when ``engine.name`` is ``spark``)."""

    master: str | None = Field(default=None, min_length=1)
    app_name: str = Field(min_length=1)
    arrow_batch_size: int = Field(ge=100, le=1_000_000)
    staging: LaxPath | None = None
    conf: dict[str, str | int | float | bool] = Field(default_factory=dict)

    @field_validator("conf")
    @classmethod
    def _no_time_zone(cls, conf: dict) -> dict:
        if "spark.sql.session.timeZone" in conf and conf["spark.sql.session.timeZone"] != "UTC":
            raise ValueError(f"spark.sql.session.timeZone: got {conf['spark.sql.session.timeZone']!r}; expected 'UTC' (dates move by an "
                             "hour across the clock changes in any other zone)")
        return conf


class EngineConfig(_Section):
    name: Literal["duckdb", "spark"]
    memory_limit: str = Field(pattern=r"^[0-9]+(\.[0-9]+)?\s?(MB|GB|MiB|GiB)$")
    threads: int | None = Field(default=None, ge=1, le=512)
    spark: SparkConfig

    def configure(self, con) -> None:
        """Apply the limits to a DuckDB connection."""
        con.execute(f"SET memory_limit = '{self.memory_limit}'")
        if self.threads:
            con.execute(f"SET threads = {int(self.threads)}")
        con.execute("SET TimeZone = 'UTC'")


class FeedbackConfig(_Section):
    hold_weeks: int = Field(ge=0, le=104)
    band_rise: int = Field(ge=1, le=19)
    roles: list[str] = Field(min_length=1)
    max_note_chars: int = Field(ge=0, le=10_000)
    min_override_share: float = Field(ge=0, le=1)
    group_ratio: float = Field(gt=1)


class MonitoringConfig(_Section):
    window_weeks: int = Field(ge=1, le=520)
    min_precision: float = Field(ge=0, le=1)
    calibration: ToleranceConfig
    confidence: float = Field(gt=0.5, lt=1)


class ValidationConfig(_Section):
    max_bad_row_share: float = Field(ge=0, le=1)
    identifier_sample_rows: int = Field(ge=100)
    min_event_rows: int = Field(default=1, ge=0)


class RecordingBiasConfig(_Section):
    factor: float = Field(ge=1.0, le=10.0)
    ethnicity: list[str] = []
    deprivation_deciles: list[int] = []
    event_types: list[str] = []


class UnseenFamiliesConfig(_Section):
    share: float = Field(ge=0, le=1)
    statutory_kept: float = Field(ge=0, le=1)
    community_factor: float = Field(ge=0, le=10)


class SynthConfig(_Section):
    families: int = Field(ge=10)
    seed: int = Field(ge=0)
    start_date: LaxDate
    extract_date: LaxDate
    recording_bias: RecordingBiasConfig
    unseen_families: UnseenFamiliesConfig
    objection_share: float = Field(ge=0, le=0.5)

    @model_validator(mode="after")
    def _span(self) -> SynthConfig:
        if (self.extract_date - self.start_date).days < 3 * 365:
            raise keyed("synth.extract_date", str(self.extract_date), f"at least 3 years after start_date ({self.start_date})")
        return self


class Config(_Section):
    """The whole configuration; see ``default_config.yaml`` for every key."""

    config_version: Literal[1]
    data: DataConfig
    population: PopulationConfig
    sources: dict[str, SourceConfig] = Field(min_length=1)
    cohort: CohortConfig
    outcome: OutcomeConfig
    features: FeaturesConfig
    teams: list[TeamConfig] = Field(min_length=1)
    fairness: FairnessConfig
    training: TrainingConfig
    mlflow: MlflowConfig
    engine: EngineConfig
    validation: ValidationConfig
    feedback: FeedbackConfig
    monitoring: MonitoringConfig
    synth: SynthConfig

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        known = self.event_codes()
        for i, ref in enumerate(self.outcome.events):
            if ref not in known:
                raise keyed(f"outcome.events[{i}]", ref, f"one of the configured 'source.event_type' codes: {', '.join(sorted(known))}")
        for group, spec in self.features.groups.items():
            if len(set(spec.events)) != len(spec.events):
                raise keyed(f"features.groups.{group}.events", spec.events, "each event type once")
            for i, ref in enumerate(spec.events):
                if ref not in known:
                    raise keyed(f"features.groups.{group}.events[{i}]", ref, "a configured 'source.event_type' code")
        for i, ref in enumerate(self.synth.recording_bias.event_types):
            if ref not in known:
                raise keyed(f"synth.recording_bias.event_types[{i}]", ref, "a configured 'source.event_type' code")
        names = [t.name for t in self.teams]
        if len(set(names)) != len(names):
            raise keyed("teams", names, "distinct team names")
        files = self.file_names()
        stems = list(files.values())
        if len(set(stems)) != len(stems):
            raise keyed("sources", stems, "a different file name for each population file and source")
        for logical, stem in files.items():
            if not _SAFE_NAME.fullmatch(stem):
                where = f"sources.{logical}.file" if logical in self.sources else f"population.{logical}"
                raise keyed(where, stem, "a file name without extension: letters, digits, '_', '-' or '.', not starting with '.'")
        self._outputs_outside_the_data()
        for i, eth in enumerate(self.synth.recording_bias.ethnicity):
            if eth not in self.population.ethnicity_codes:
                raise keyed(f"synth.recording_bias.ethnicity[{i}]", eth, f"one of {self.population.ethnicity_codes}")
        return self

    def _outputs_outside_the_data(self) -> None:
        """Nothing placerisk writes may live in the folder of partner extracts."""
        data = self.data.dir.resolve()
        uri = self.mlflow.tracking_uri
        places = {"data.output_dir": self.data.output_dir, "mlflow.artifact_dir": self.mlflow.artifact_dir,
                  "mlflow.decisions_log": self.mlflow.decisions_log,
                  **({"mlflow.tracking_uri": Path(uri.removeprefix("sqlite:///"))} if uri.startswith("sqlite:///") else {})}
        for key, place in places.items():
            resolved = place.resolve()
            if resolved == data or data in resolved.parents:
                raise keyed(key, str(place), f"a place outside the data folder ({self.data.dir}): partner extracts are never mixed with outputs")

    def file_names(self) -> dict[str, str]:
        """Logical name (``persons``, ``police`` ...) -> file name without extension."""
        pop = self.population
        names = {"areas": pop.areas, "families": pop.families, "persons": pop.persons, "objections": pop.objections,
                 "engagements": pop.engagements}
        return {**names, **{src: s.file for src, s in self.sources.items()}}

    def event_codes(self) -> set[str]:
        """Every configured event as ``source.event_type``."""
        return {f"{src}.{code}" for src, s in self.sources.items() for code in s.event_types}

    @property
    def total_weekly_capacity(self) -> int:
        return sum(t.weekly_capacity for t in self.teams)


# ---------------------------------------------------------------------------
# Loading


def default_config_text() -> str:
    """The embedded, commented example configuration."""
    return resources.files("placerisk").joinpath("default_config.yaml").read_text(encoding="utf-8")


def parse_config(user: dict[str, Any] | None, *, origin: str = "<defaults>", base_dir: Path | None = None) -> Config:
    """Validate a user mapping laid over the embedded defaults."""
    defaults = yaml.safe_load(default_config_text())
    if user is not None and not isinstance(user, dict):
        raise ConfigError(f"invalid configuration in {origin}: got a {type(user).__name__} at the top level; expected a mapping of sections")
    secrets = secret_keys(user)
    if secrets:
        raise ConfigError(f"invalid configuration in {origin}:\n  " + "\n  ".join(
            f"{where}: refused (value withheld: the name looks like a secret); {SECRET_ADVICE}" for where in secrets))
    if user is not None and "config_version" not in user:
        raise ConfigError(f"invalid configuration in {origin}:\n  config_version: missing; expected `config_version: {CONFIG_VERSION}` "
                          "at the top of the file (the version of the settings it is written for)")
    merged = merge(defaults, user or {})
    version = merged.get("config_version")
    if isinstance(version, bool) or not isinstance(version, int) or version != CONFIG_VERSION:
        raise ConfigError(f"invalid configuration in {origin}:\n  config_version: got {version!r}; expected {CONFIG_VERSION} (this placerisk reads version {CONFIG_VERSION})")
    merged = resolve_paths(merged, base_dir or Path.cwd())
    try:
        return Config.model_validate(merged)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, origin)) from None


def load_config(path: str | Path | None = None) -> Config:
    """Load ``path`` (or, when None, ``./placerisk.yaml`` if present, else the embedded defaults)."""
    if path is None:
        candidate = Path.cwd() / DEFAULT_CONFIG_NAME
        if not candidate.exists():
            return parse_config(None)
        path = candidate
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file '{path}' not found; expected a YAML file (create one with `placerisk init`)") from None
    except OSError as err:
        raise ConfigError(f"config file '{path}' could not be read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"config file '{path}' is not UTF-8 text (byte {err.start}): save it as UTF-8") from None
    try:
        user = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"config file '{path}' is not valid YAML{where}: {getattr(err, 'problem', err)}") from None
    return parse_config({} if user is None else user, origin=f"'{path}'", base_dir=path.resolve().parent)  # an empty file is a file too
