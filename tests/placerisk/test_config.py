"""The configuration: defaults, the written example, and errors that name key, value and expectation."""

from pathlib import Path

import pytest
import yaml

from placerisk.config import default_config_text, load_config, parse_config
from placerisk.errors import ConfigError


def test_embedded_defaults_are_valid_and_complete():
    config = parse_config(None)
    assert config.config_version == 1
    assert len(config.sources) >= 6
    assert len(config.teams) == 7
    assert config.total_weekly_capacity == sum(t.weekly_capacity for t in config.teams)
    assert set(config.outcome.events) <= config.event_codes()


def test_example_file_loads_to_the_defaults(tmp_path):
    path = tmp_path / "placerisk.yaml"
    path.write_text(default_config_text())
    from_file = load_config(path)
    assert from_file.model_dump(exclude={"data", "mlflow"}) == parse_config(None).model_dump(exclude={"data", "mlflow"})
    assert from_file.data.dir == tmp_path / "data" / "synthetic"  # relative paths resolve against the file's folder
    assert from_file.mlflow.tracking_uri == f"sqlite:///{tmp_path / 'mlflow.db'}"


def test_user_file_is_laid_over_defaults_and_null_removes_a_source(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"config_version": 1, "sources": {"housing": None}, "cohort": {"max_age": 18}}))
    config = load_config(path)
    assert "housing" not in config.sources and "police" in config.sources
    assert config.cohort.max_age == 18 and config.cohort.min_age == 8


@pytest.mark.parametrize(
    ("override", "expected_fragment"),
    [
        ({"teams": [{"name": "A", "weekly_capacity": -5}]}, "teams[0].weekly_capacity: got -5; expected greater than or equal to 1"),
        ({"cohort": {"min_age": 30}}, "cohort.min_age: got 30; expected at most max_age (24)"),
        ({"outcome": {"events": ["police.nope"]}}, "outcome.events[0]: got 'police.nope'; expected one of the configured"),
        ({"features": {"windows_months": [3, 3]}}, "features.windows_months: got [3, 3]; expected distinct whole months"),
        ({"surprise": 1}, "surprise: unknown key"),
        ({"config_version": 2}, "config_version: got 2; expected 1"),
        ({"fairness": {"min_cell_count": "ten"}}, "fairness.min_cell_count: got 'ten'; expected a valid integer"),
        ({"teams": [{"name": "A", "weekly_capacity": 5}, {"name": "A", "weekly_capacity": 6}]}, "teams: got ['A', 'A']; expected distinct team names"),
        ({"data": {"extract_date": "31/03/2026"}}, "data.extract_date: got '31/03/2026'; expected a valid date"),
        ({"training": {"primary_metric": "precision_at_1pct", "top_shares": [0.05]}},
         "training.primary_metric: got 'precision_at_1pct'; expected a metric that is reported"),
        ({"training": {"splits": 11}}, "training.splits: got 11; expected fewer than snapshots - 1"),
        ({"training": {"lightgbm": [{"leaves": 3}]}}, "training.lightgbm[0]: got ['leaves']; expected LightGBM settings"),
        ({"fairness": {"primary_metrics": ["false_negatve_rate"]}}, "fairness.primary_metrics: got ['false_negatve_rate']"),
    ],
)
def test_config_errors_name_key_value_and_expectation(override, expected_fragment):
    with pytest.raises(ConfigError) as err:
        parse_config({"config_version": 1, **override}, origin="'my.yaml'")
    message = str(err.value)
    assert message.startswith("invalid configuration in 'my.yaml'")
    assert expected_fragment in message


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("config_version: 1\nteams:\n  - {name: A, weekly_capacity: 3\n")
    with pytest.raises(ConfigError, match=r"is not valid YAML at line \d+"):
        load_config(path)


def test_missing_config_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="placerisk init"):
        load_config(tmp_path / "nope.yaml")


def test_top_level_must_be_a_mapping():
    with pytest.raises(ConfigError, match="expected a mapping of sections"):
        parse_config(["a", "b"])  # type: ignore[arg-type]


def test_config_is_immutable():
    config = parse_config(None)
    with pytest.raises(Exception):
        config.cohort.min_age = 3  # type: ignore[misc]


def test_default_workdir_config_is_picked_up(tmp_path, monkeypatch):
    (tmp_path / "placerisk.yaml").write_text("config_version: 1\ncohort: {min_age: 10}\n")
    monkeypatch.chdir(tmp_path)
    assert load_config().cohort.min_age == 10
    assert Path(load_config().data.dir).is_relative_to(tmp_path)
