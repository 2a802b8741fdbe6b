"""Areas, families and their members (vectorised, one chunk of families at a time)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from placerisk.datatools.synth.catalogue import (
    BAND_EDGES,
    ETHNICITIES,
    ETHNICITY_SHARES,
    MINORITY_ADJUST,
    NOT_STATED,
    NOT_STATED_SHARE,
)

FAMILY_SALT = 0x5EED_FA41
PERSON_SALT = 0x5EED_9E45
MAX_SLOTS = 16  # person key = family index * 16 + slot (adults 0-1, children 2-8)


@dataclass(frozen=True)
class Areas:
    """Small areas, each with a deprivation decile (1 = most deprived) and one team."""

    code: np.ndarray      # str
    decile: np.ndarray    # int8
    team: np.ndarray      # int16 index into the configured teams
    weight: np.ndarray    # float64 probability a family lives here

    def __len__(self) -> int:
        return len(self.code)


def deprivation_score(decile: np.ndarray) -> np.ndarray:
    """+1 for the most deprived decile, -1 for the least."""
    return (5.5 - np.asarray(decile, dtype=np.float64)) / 4.5


def team_shares(n_teams: int) -> np.ndarray:
    """Unequal team sizes: linearly decreasing shares (7 teams: 23% ... 6%)."""
    raw = np.arange(n_teams + 1, 1, -1, dtype=np.float64)
    return raw / raw.sum()


def make_areas(n_families: int, n_teams: int, rng: np.random.Generator) -> Areas:
    """Areas of about 150 families; teams differ in size and in deprivation."""
    n_areas = max(5 * n_teams, n_families // 150)
    per_team = np.maximum(1, np.round(team_shares(n_teams) * n_areas).astype(int))
    team = np.repeat(np.arange(n_teams, dtype=np.int16), per_team)
    tilt = np.linspace(0.8, -0.8, n_teams) if n_teams > 1 else np.zeros(1)
    deciles = np.arange(1, 11)
    decile = np.empty(len(team), dtype=np.int8)
    for t in range(n_teams):
        p = np.exp(tilt[t] * deprivation_score(deciles))
        mask = team == t
        decile[mask] = rng.choice(deciles, size=mask.sum(), p=p / p.sum())
    # Families with children are over-represented in deprived areas.
    weight = (1.3 - 0.06 * (decile - 1)) * rng.lognormal(0.0, 0.3, len(team))
    code = np.char.add("SA", np.char.zfill(np.arange(1, len(team) + 1).astype(str), 6))
    return Areas(code=code, decile=decile, team=team, weight=weight / weight.sum())


@dataclass
class Families:
    """Family-level arrays for one chunk."""

    index: np.ndarray         # global family index (uint64)
    area: np.ndarray          # index into Areas
    depz: np.ndarray          # deprivation score of the area
    ethnicity: np.ndarray     # int8 index into ETHNICITIES (true)
    vulnerability: np.ndarray # lasting family vulnerability (never written out)
    lone_parent: np.ndarray   # bool


@dataclass
class Persons:
    """Person-level arrays for one chunk, sorted by family."""

    family: np.ndarray        # local family index
    slot: np.ndarray          # 0-1 adults, 2.. children
    sex: np.ndarray           # 0 female, 1 male
    birth_month: np.ndarray   # month index relative to the grid's first month (negative: before)
    member_from: np.ndarray   # month index
    member_to: np.ndarray     # month index (exclusive); a large value when still a member
    ethnicity_recorded: np.ndarray  # str

    def __len__(self) -> int:
        return len(self.family)


def make_families(first: int, n: int, areas: Areas, rng: np.random.Generator) -> Families:
    area = rng.choice(len(areas), size=n, p=areas.weight)
    depz = deprivation_score(areas.decile[area])
    shares = np.tile(np.asarray(ETHNICITY_SHARES), (n, 1))
    shares[:, 1:] *= MINORITY_ADJUST * (1.0 + 0.6 * depz)[:, None]  # minority groups live more often in deprived areas
    shares[:, 0] = 1.0 - shares[:, 1:].sum(axis=1)
    cum = np.cumsum(shares, axis=1)
    ethnicity = (rng.random(n)[:, None] > cum).sum(axis=1).astype(np.int8)
    return Families(
        index=np.arange(first, first + n, dtype=np.uint64),
        area=area,
        depz=depz,
        ethnicity=np.minimum(ethnicity, len(ETHNICITIES) - 1),
        vulnerability=rng.normal(0.3 * depz, 1.0),
        lone_parent=rng.random(n) < 0.22 + 0.08 * depz,
    )


def make_persons(fam: Families, n_months: int, rng: np.random.Generator) -> Persons:
    """Adults and children with ages, membership spans and recorded ethnicity."""
    n = len(fam.index)
    n_children = 1 + np.minimum(rng.poisson(0.75 + 0.15 * fam.depz), 6)
    oldest_age = rng.uniform(-3.0, 21.0, n)
    gaps = 1.0 + rng.gamma(2.0, 1.0, (n, 7))
    child_age = oldest_age[:, None] - np.concatenate([np.zeros((n, 1)), np.cumsum(gaps[:, :6], axis=1)], axis=1)
    first_birth_age = np.clip(rng.normal(28.0 - 2.0 * fam.depz, 5.0), 16.0, 44.0)
    adult0_age = oldest_age + first_birth_age
    adult1_age = np.maximum(17.0, adult0_age + rng.normal(2.0, 3.0, n))

    n_adults = np.where(fam.lone_parent, 1, 2)
    ages = np.full((n, 2 + 7), np.nan)
    ages[:, 0] = adult0_age
    ages[:, 1] = np.where(n_adults == 2, adult1_age, np.nan)
    slot_idx = np.arange(7)[None, :]
    ages[:, 2:] = np.where(slot_idx < n_children[:, None], child_age, np.nan)
    birth_month = np.floor(-ages * 12.0)
    present = ~np.isnan(ages) & (birth_month < n_months)  # children born after the extract do not exist yet

    family, slot = np.nonzero(present)
    bm = birth_month[family, slot].astype(np.int32)
    m = len(family)
    # Sex: children 51.2% male; a lone parent is usually a mother; most couples are a man and a woman.
    u = rng.random(m)
    sex = np.where(slot >= 2, u < 0.512, 0).astype(np.int8)
    lone = fam.lone_parent[family]
    sex = np.where((slot == 0) & lone, (u < 0.10), sex)
    sex = np.where((slot == 1), (u < 0.99), sex)
    sex = np.where((slot == 0) & ~lone, (u < 0.01), sex).astype(np.int8)

    known_since = -rng.integers(0, 120, m)
    member_from = np.maximum(bm, known_since).astype(np.int32)
    leaves = (slot == 1) & (rng.random(m) < 0.15)
    member_to = np.where(leaves, rng.integers(1, max(2, n_months), m), np.iinfo(np.int32).max // 2).astype(np.int32)

    eth = np.asarray(ETHNICITIES, dtype=object)[fam.ethnicity[family]]
    eth = np.where(rng.random(m) < NOT_STATED_SHARE, NOT_STATED, eth)
    return Persons(
        family=family.astype(np.int32),
        slot=slot.astype(np.int8),
        sex=sex,
        birth_month=bm,
        member_from=member_from,
        member_to=member_to,
        ethnicity_recorded=eth.astype(str),
    )


def band_matrix(persons: Persons, n_months: int) -> np.ndarray:
    """Age band (1..9) of each person in each month, 0 when not a member (int8, persons x months)."""
    t = np.arange(n_months, dtype=np.int32)[None, :]
    age_months = t - persons.birth_month[:, None]
    band = np.searchsorted(np.asarray(BAND_EDGES) * 12, age_months, side="right").astype(np.int8)
    member = (t >= persons.member_from[:, None]) & (t < persons.member_to[:, None]) & (age_months >= 0)
    band[~member] = 0
    return band
