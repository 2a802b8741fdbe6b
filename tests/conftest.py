"""Fixtures shared across the test packages."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (two cores, UTC) for every test that runs the Spark engine."""
    from placerisk.app.spark import session
    from placerisk.config import parse_config

    config = parse_config({"config_version": 1, "engine": {"spark": {"master": "local[2]", "conf": {"spark.sql.shuffle.partitions": "4",
                                                                              "spark.ui.enabled": "false"}}}})
    spark = session(config)
    yield spark
    spark.stop()
