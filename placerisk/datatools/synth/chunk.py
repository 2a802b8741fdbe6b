"""Generate everything about one chunk of families (pure: arrays in, arrays out)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from placerisk.datatools.synth.catalogue import (
    BY_NAME,
    CATALOGUE,
    ETHNICITIES,
    FIRST_SOURCES,
    LATER_SOURCES,
    N_STATES,
    UNSEEN_COMMUNITY,
    UNSEEN_SHARE,
    UNSEEN_STATUTORY,
)
from placerisk.datatools.synth.events import ChunkContext, generate_events
from placerisk.datatools.synth.ids import hex_ids
from placerisk.datatools.synth.latent import (
    oracle_probability,
    simulate_states,
    transition_probabilities,
)
from placerisk.datatools.synth.population import (
    FAMILY_SALT,
    MAX_SLOTS,
    PERSON_SALT,
    Areas,
    band_matrix,
    make_families,
    make_persons,
)
from placerisk.datatools.synth.timegrid import TimeGrid


@dataclass(frozen=True)
class SynthSettings:
    """Everything that determines the synthetic population (with the seed)."""

    families: int
    seed: int
    start: dt.date
    extract: dt.date
    teams: tuple[str, ...]
    bias_factor: float = 1.5
    bias_ethnicity: frozenset[str] = frozenset({"Black"})
    bias_deciles: frozenset[int] = frozenset({1})
    bias_events: frozenset[str] = frozenset()
    outcome_events: tuple[str, ...] = ("health.violent_injury_admission", "police.violence_victim")
    horizon_months: int = 12
    oracle_as_of: tuple[dt.date, ...] = ()
    objection_share: float = 0.005
    rate_scale: float = 1.0   # multiplies every per-month event rate: stress tests only (breaks the calibration)
    unseen_share: float = UNSEEN_SHARE          # families statutory services seldom see ...
    unseen_statutory: float = UNSEEN_STATUTORY  # ... the share of their statutory records kept (outcome events aside)
    unseen_community: float = UNSEEN_COMMUNITY  # ... and how many times as often the community sector logs a concern
    chunk_size: int = 25_000

    @property
    def grid(self) -> TimeGrid:
        return TimeGrid(self.start, self.extract)


@dataclass
class ChunkResult:
    families: dict[str, np.ndarray]
    persons: dict[str, np.ndarray]
    events: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    oracle: dict[str, np.ndarray] = field(default_factory=dict)
    objections: dict[str, np.ndarray] = field(default_factory=dict)


def _month_start(grid: TimeGrid, month_index: np.ndarray) -> np.ndarray:
    return (np.datetime64(grid.start, "M") + month_index.astype("timedelta64[M]")).astype("datetime64[D]")


def _oracle(settings: SynthSettings, ctx: ChunkContext, up: np.ndarray, down: np.ndarray, family_ids: np.ndarray) -> dict[str, np.ndarray]:
    grid = settings.grid
    n_fam = len(family_ids)
    starts = np.searchsorted(ctx.person_family, np.arange(n_fam))
    ids, dates, probs = [], [], []
    for as_of in settings.oracle_as_of:
        m = grid.month_index(as_of)
        horizon = slice(m, m + settings.horizon_months)
        member = ctx.key[:, m] >= 2  # band >= 1: a member as of the first day of month m
        hazard = np.zeros((n_fam, N_STATES, settings.horizon_months))
        for name in settings.outcome_events:
            spec = BY_NAME[name]
            weight = spec.profile_table()[ctx.key[:, horizon]] * member[:, None]
            if settings.bias_factor != 1.0 and name in settings.bias_events:
                weight = weight * np.where(ctx.recording_group, settings.bias_factor, 1.0)[:, None]
            per_family = np.add.reduceat(weight.astype(np.float64), starts, axis=0)
            lasting = spec.base * settings.rate_scale * np.exp(spec.gamma * ctx.vulnerability + spec.delta * ctx.depz)
            by_state = np.exp(spec.beta * np.arange(N_STATES))
            hazard += lasting[:, None, None] * by_state[None, :, None] * per_family[:, None, :]
        prob = oracle_probability(ctx.states[:, m - 1].astype(np.int64), up, down, hazard)
        ids.append(family_ids)
        dates.append(np.full(n_fam, np.datetime64(as_of, "D")))
        probs.append(prob)
    if not ids:
        return {}
    return {"family_id": np.concatenate(ids), "as_of_date": np.concatenate(dates), "true_probability": np.concatenate(probs)}


def generate_chunk(settings: SynthSettings, areas: Areas, chunk_index: int, first: int, n: int) -> ChunkResult:
    """Families ``first .. first+n-1``; deterministic given the seed and chunk index."""
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(chunk_index,)))
    grid = settings.grid
    n_months = grid.n_months
    fam = make_families(first, n, areas, rng)
    persons = make_persons(fam, n_months, rng)
    family_ids = hex_ids(fam.index, FAMILY_SALT ^ settings.seed)
    person_index = fam.index[persons.family] * np.uint64(MAX_SLOTS) + persons.slot.astype(np.uint64)
    person_ids = hex_ids(person_index, PERSON_SALT ^ settings.seed)

    up, down = transition_probabilities(fam.vulnerability, fam.depz)
    states = simulate_states(up, down, n_months, rng)
    band = band_matrix(persons, n_months)
    key = (band * 2 + persons.sex[:, None]).astype(np.int8)
    eth_true = np.asarray(ETHNICITIES)[fam.ethnicity[persons.family]]
    group = np.isin(eth_true, list(settings.bias_ethnicity)) | np.isin(areas.decile[fam.area][persons.family], list(settings.bias_deciles))
    ctx = ChunkContext(grid, key, persons.family, states, fam.vulnerability, fam.depz, group, settings.rate_scale)

    result = ChunkResult(
        families={"family_id": family_ids, "area_code": areas.code[fam.area]},
        persons={
            "person_id": person_ids,
            "family_id": family_ids[persons.family],
            "sex": np.where(persons.sex == 1, "M", "F"),
            "ethnicity": persons.ethnicity_recorded,
            "birth_year": (np.datetime64(grid.start, "M") + persons.birth_month.astype("timedelta64[M]")).astype("datetime64[Y]").astype(int) + 1970,
            "birth_month": (np.datetime64(grid.start, "M") + persons.birth_month.astype("timedelta64[M]")).astype(int) % 12 + 1,
            "member_from": _month_start(grid, persons.member_from),
            "member_to": np.where(persons.member_to < n_months, _month_start(grid, np.minimum(persons.member_to, n_months)), np.datetime64("NaT")),
        },
    )
    # A second stream for what came later (four partners, the unseen families), so the first six's draws stay in step.
    later = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(chunk_index, 1)))
    unseen = later.random(n) < settings.unseen_share
    ctx = dataclasses.replace(ctx, birth_month=persons.birth_month)
    for source in (*FIRST_SOURCES, *LATER_SOURCES):
        result.events[source] = _source_events(source, settings, ctx, rng if source in FIRST_SOURCES else later, unseen)
    result.oracle = _oracle(settings, ctx, up, down, family_ids)
    result.objections = _objections(settings, rng, family_ids, person_ids)
    return result


def _specs(source: str) -> list:
    return [s for s in CATALOGUE if s.source == source]


def reach(spec, settings: SynthSettings, unseen: np.ndarray) -> np.ndarray | None:
    """Per family, what multiplies this event type's rate (or chance) for the families statutory services seldom see.

    Statutory records of theirs are ``unseen_statutory`` times as frequent, and everyone else's scaled up to keep the
    population's rate where it was calibrated; the community sector logs theirs ``unseen_community`` times as often.
    Outcome events are never changed, so the oracle holds as it is.
    """
    if spec.name in settings.outcome_events or settings.unseen_share == 0:
        return None
    if not spec.statutory:
        return np.where(unseen, settings.unseen_community, 1.0)
    keep = 1.0 / (1.0 - settings.unseen_share * (1.0 - settings.unseen_statutory))
    return np.where(unseen, settings.unseen_statutory * keep, keep)


def _source_events(source: str, settings: SynthSettings, ctx: ChunkContext, rng: np.random.Generator,
                   unseen: np.ndarray) -> dict[str, np.ndarray]:
    """One partner's events for the chunk, sorted by person then date, with the index of each event's code."""
    parts = []
    for code_index, spec in enumerate(_specs(source)):
        bias = settings.bias_factor if spec.name in settings.bias_events else 1.0
        ev = generate_events(spec, dataclasses.replace(ctx, family_multiplier=reach(spec, settings, unseen)), bias, rng)
        parts.append((ev, np.full(len(ev.person), code_index, dtype=np.int8)))
    person = np.concatenate([p.person for p, _ in parts])
    day = np.concatenate([p.day for p, _ in parts])
    order = np.lexsort((day, person))
    return {
        "person": person[order],
        "code": np.concatenate([c for _, c in parts])[order],
        "day": day[order],
        "recorded": np.concatenate([p.recorded for p, _ in parts])[order],
    }


def _objections(settings: SynthSettings, rng: np.random.Generator, family_ids: np.ndarray, person_ids: np.ndarray) -> dict[str, np.ndarray]:
    grid = settings.grid
    fam = np.nonzero(rng.random(len(family_ids)) < settings.objection_share)[0]
    per = np.nonzero(rng.random(len(person_ids)) < settings.objection_share / 5)[0]
    n = len(fam) + len(per)
    first_day = int(grid.month_start_day[0])
    days = rng.integers(first_day, grid.extract_day + 1, n).astype("datetime64[D]")
    return {
        "family_id": np.concatenate([family_ids[fam], np.full(len(per), None, dtype=object)]),
        "person_id": np.concatenate([np.full(len(fam), None, dtype=object), person_ids[per]]),
        "recorded_date": days,
    }
