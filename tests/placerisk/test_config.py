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


def test_a_key_written_twice_is_refused_with_its_line(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("config_version: 1\ncohort:\n  min_age: 10\n  max_age: 20\n  min_age: 12\n")
    with pytest.raises(ConfigError, match=r"line 5.*key 'min_age' appears twice in one section \(first at line 3\)"):
        load_config(path)


@pytest.mark.parametrize(("override", "fragment"), [
    ({"teams": [{"name": "A", "weekly_capacity": True}]}, "teams[0].weekly_capacity: got True; expected a valid integer"),
    ({"cohort": {"min_age": 8.5}}, "cohort.min_age: got 8.5; expected a valid integer"),
    ({"training": {"seed": "7"}}, "training.seed: got '7'; expected a valid integer"),
    ({"fairness": {"confidence": True}}, "fairness.confidence: got True; expected a valid number"),
])
def test_yes_no_and_text_are_never_read_as_numbers(override, fragment):
    with pytest.raises(ConfigError) as err:
        parse_config({"config_version": 1, **override})
    assert fragment in str(err.value)


def test_dates_and_paths_written_as_text_still_read():
    config = parse_config({"config_version": 1, "data": {"extract_date": "2026-03-31", "dir": "d"}})
    assert str(config.data.extract_date) == "2026-03-31" and config.data.dir.name == "d"


def test_a_file_without_its_config_version_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("cohort: {min_age: 10}\n")
    with pytest.raises(ConfigError, match="config_version: missing; expected `config_version: 1`"):
        load_config(path)


@pytest.mark.parametrize("override", [
    {"pseudonym_key": "s3cr3t-value-123"},
    {"data": {"api_token": "s3cr3t-value-123"}},
    {"mlflow": {"password": ["s3cr3t-value-123"]}},
])
def test_a_secret_put_in_the_config_is_never_echoed(override):
    with pytest.raises(ConfigError) as err:
        parse_config({"config_version": 1, **override})
    message = str(err.value)
    assert "s3cr3t-value-123" not in message
    assert "value withheld" in message and "--key-file" in message and "PLACERISK_PSEUDONYM_KEY" in message


@pytest.mark.parametrize("override", [
    {"training": {"logistic": [{"C": 1, "api_token": 918273645}]}},
    {"fairness": {"reference_group": {"password": "918273645"}}},
    {"sources": {"police": {"event_types": {"api_key": "918273645"}}}},
])
def test_a_secret_inside_a_free_form_mapping_is_refused_and_never_echoed(override):
    with pytest.raises(ConfigError) as err:
        parse_config({"config_version": 1, **override})
    assert "918273645" not in str(err.value) and "value withheld" in str(err.value)


@pytest.mark.parametrize("version", [True, 1.0, "1"])
def test_config_version_must_be_the_whole_number_1(version):
    with pytest.raises(ConfigError, match="config_version: got"):
        parse_config({"config_version": version})


def test_an_empty_or_comment_only_file_still_needs_its_version(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("# nothing yet\n")
    with pytest.raises(ConfigError, match="config_version: missing"):
        load_config(path)


@pytest.mark.parametrize(("setting", "fragment"), [
    ({"num_leaves": True}, "training.lightgbm[0].num_leaves: got True; expected a whole number"),
    ({"num_leaves": "many"}, "training.lightgbm[0].num_leaves: got 'many'"),
    ({"learning_rate": -0.1}, "training.lightgbm[0].learning_rate: got -0.1; expected a number of at least 0"),
    ({"n_estimators": 10.5}, "training.lightgbm[0].n_estimators: got 10.5"),
])
def test_lightgbm_settings_are_typed_before_any_training(setting, fragment):
    with pytest.raises(ConfigError) as err:
        parse_config({"config_version": 1, "training": {"lightgbm": [setting]}})
    assert fragment in str(err.value)


@pytest.mark.parametrize("override", [
    {"mlflow": {"decisions_log": "/srv/data/objections.csv"}},
    {"mlflow": {"artifact_dir": "/srv/data/art"}},
    {"mlflow": {"tracking_uri": "sqlite:////srv/data/mlflow.db"}},
    {"data": {"dir": "/srv/data", "output_dir": "/srv/data/out"}},
])
def test_nothing_placerisk_writes_may_live_in_the_data_folder(override):
    data = {"dir": "/srv/data", **override.get("data", {})}
    with pytest.raises(ConfigError, match="expected a place outside the data folder"):
        parse_config({"config_version": 1, **override, "data": data})
