"""Synthetic populations generated once per test session (small, but big enough for rates)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from placerisk.config import parse_config
from placerisk.datatools.synth import SynthSettings, default_oracle_dates, generate


def settings_from_defaults(families: int, seed: int = 7, **changes) -> SynthSettings:
    c = parse_config(None)
    b = c.synth.recording_bias
    s = SynthSettings(
        families=families,
        seed=seed,
        start=c.synth.start_date,
        extract=c.synth.extract_date,
        teams=tuple(t.name for t in c.teams),
        bias_factor=b.factor,
        bias_ethnicity=frozenset(b.ethnicity),
        bias_deciles=frozenset(b.deprivation_deciles),
        bias_events=frozenset(b.event_types),
        outcome_events=tuple(c.outcome.events),
        horizon_months=c.outcome.horizon_months,
        chunk_size=10_000,
    )
    s = dataclasses.replace(s, **changes)
    return dataclasses.replace(s, oracle_as_of=s.oracle_as_of or default_oracle_dates(s))


@pytest.fixture(scope="session")
def population(tmp_path_factory):
    """40,000 families with the default recording bias (1.5)."""
    out = tmp_path_factory.mktemp("pop")
    manifest = generate(settings_from_defaults(40_000), out, workers=2)
    return out, manifest


@pytest.fixture(scope="session")
def unbiased_population(tmp_path_factory):
    """The same seed and size with no recording bias."""
    out = tmp_path_factory.mktemp("pop_unbiased")
    generate(settings_from_defaults(40_000, bias_factor=1.0), out, workers=2)
    return out


AS_OF = dt.date(2022, 1, 1)
