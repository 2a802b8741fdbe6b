"""The monitor's edges that need no population: the calibration sample."""

import numpy as np
import pandas as pd

from placerisk.app.monitor import calibration_sample


def test_calibration_sample_is_fixed_by_the_family_ids():
    ids = pd.Series([f"{i:016x}" for i in range(1000)])
    first = calibration_sample(ids, 100)
    assert first.sum() == 100 and np.array_equal(first, calibration_sample(ids.sample(frac=1, random_state=1).sort_index(), 100))
    assert calibration_sample(ids, 5000).all()


def test_the_manifest_reads_the_latest_report_dated_by_the_week_never_a_kept_earlier_one(tmp_path):
    import json

    from placerisk.app.catalog import Catalog
    from placerisk.app.weekly import monitor_status
    from placerisk.config import parse_config

    config = parse_config({"config_version": 1, "data": {"dir": str(tmp_path / "data"), "output_dir": str(tmp_path / "out")}})
    root = Catalog(config).monitor_root
    for name, status, on in (("2026-04-01", "green", "2026-04-01"), ("2026-04-01.replaced-20260401T070000.000000Z", "red", "2026-04-01"),
                             ("2026-05-01", "amber", "2026-05-01")):
        (root / name).mkdir(parents=True)
        (root / name / "report.json").write_text(json.dumps({"status": status, "on": on, "reasons": []}))
    import datetime as dt

    assert monitor_status(Catalog(config), dt.date(2026, 4, 20))["status"] == "green"
    assert monitor_status(Catalog(config), dt.date(2026, 5, 4))["status"] == "amber"
    assert monitor_status(Catalog(config), dt.date(2026, 3, 1))["status"] == "not yet run"
