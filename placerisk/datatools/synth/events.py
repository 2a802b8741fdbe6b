"""Event streams for one chunk of families, given their latent states.

A person's events of one type form a Poisson process whose monthly rate is
``EventSpec.base * profile * exp(beta*state + gamma*vulnerability +
delta*deprivation) * recording multiplier``. We draw each person's total count
once and place the events in months in proportion to the rate, which is exact
for a Poisson process and far cheaper than a draw per person-month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from placerisk.datatools.synth.catalogue import ANNUAL_RETURN, MONTHLY_RETURN_DAY, RECEPTION_ASSESSED, TERM_ENDS, EventSpec
from placerisk.datatools.synth.timegrid import TimeGrid


@dataclass(frozen=True)
class ChunkContext:
    """What the event draws need about one chunk (persons sorted by family)."""

    grid: TimeGrid
    key: np.ndarray          # band * 2 + sex, int8 (persons x months)
    person_family: np.ndarray
    states: np.ndarray       # int8 (families x months)
    vulnerability: np.ndarray
    depz: np.ndarray
    recording_group: np.ndarray  # bool per person: in a group whose police contact is over-recorded
    rate_scale: float = 1.0      # multiplies per-month rates (stress tests); termly chances are not scaled
    birth_month: np.ndarray | None = None  # month index of birth per person (relative to the grid's first month)
    family_multiplier: np.ndarray | None = None  # per family, multiplies this source's rates (the community's reach)


@dataclass
class EventArrays:
    person: np.ndarray       # local person index (int32)
    day: np.ndarray          # event date, days since 1970-01-01 (int32)
    recorded: np.ndarray     # recorded date, days since 1970-01-01 (int32)


def family_factor(spec: EventSpec, ctx: ChunkContext) -> np.ndarray:
    """exp(beta*state + gamma*vulnerability + delta*deprivation), (families x months)."""
    lasting = np.exp(spec.gamma * ctx.vulnerability + spec.delta * ctx.depz).astype(np.float32)
    by_state = np.exp(spec.beta * np.arange(4)).astype(np.float32)
    return lasting[:, None] * by_state[ctx.states]


def person_multiplier(spec: EventSpec, ctx: ChunkContext, bias: float) -> np.ndarray | None:
    if bias == 1.0:
        return None
    return np.where(ctx.recording_group, np.float32(bias), np.float32(1.0))


def monthly_rates(spec: EventSpec, ctx: ChunkContext, bias: float) -> np.ndarray:
    """Expected events per person-month (float32, persons x months)."""
    lam = spec.profile_table()[ctx.key]
    lam *= family_factor(spec, ctx)[ctx.person_family]
    lam *= np.float32(spec.base * ctx.rate_scale)
    mult = person_multiplier(spec, ctx, bias)
    if mult is not None:
        lam *= mult[:, None]
    if ctx.family_multiplier is not None:
        lam *= ctx.family_multiplier[ctx.person_family][:, None].astype(np.float32)
    return lam


def in_return(returns: str, recorded: np.ndarray) -> np.ndarray:
    """The date a record reaches the partner's periodic return (days since 1970-01-01): '' leaves it as it is;
    'monthly' moves it to the next month's return day, 'annual' to the return after its school year."""
    if not returns:
        return recorded
    dates = recorded.astype("datetime64[D]")
    if returns == "monthly":
        return ((dates.astype("datetime64[M]") + 1).astype("datetime64[D]") + (MONTHLY_RETURN_DAY - 1)).astype(np.int32)
    if returns != "annual":
        raise ValueError(f"returns: got {returns!r}; expected '', 'monthly' or 'annual'")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    school_year_end = year + (month > 8)   # September to August
    month_of_return, day_of_return = ANNUAL_RETURN
    first = (school_year_end - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month_of_return - 1)
    return (first.astype("datetime64[D]") + (day_of_return - 1)).astype(np.int32)


def _lagged(spec: EventSpec, day: np.ndarray, rng: np.random.Generator, extract_day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Recorded dates; drops events not yet recorded on the extract date (returns the kept mask too)."""
    fixed, mean = spec.lag
    lag = fixed + np.floor(rng.exponential(mean, len(day))) if mean > 0 else np.full(len(day), fixed)
    recorded = in_return(spec.returns, (day + lag).astype(np.int32))
    known = recorded <= extract_day  # not yet recorded on the extract date: not in the extract
    return day[known], recorded[known], known


def poisson_events(spec: EventSpec, ctx: ChunkContext, bias: float, rng: np.random.Generator) -> EventArrays:
    grid = ctx.grid
    lam = monthly_rates(spec, ctx, bias)
    lam *= (grid.covered_days / grid.days_in_month).astype(np.float32)  # partial first and last months
    total = lam.sum(axis=1, dtype=np.float64)
    count = rng.poisson(total)
    rows = np.nonzero(count)[0]
    if len(rows) == 0:
        empty = np.empty(0, dtype=np.int32)
        return EventArrays(empty, empty, empty)
    cum = np.cumsum(lam[rows], axis=1, dtype=np.float64)
    cum /= cum[:, -1:]
    n_months = lam.shape[1]
    flat = (cum + np.arange(len(rows))[:, None]).ravel()
    which = np.repeat(np.arange(len(rows)), count[rows])
    target = which + (1.0 - rng.random(len(which)))  # in (r, r+1]: lands on a month with a positive rate
    month = np.searchsorted(flat, target, side="left") - which * n_months
    month = np.minimum(month, n_months - 1)
    day = (grid.covered_first_day[month] + np.floor(rng.random(len(month)) * grid.covered_days[month])).astype(np.int32)
    person = rows[which].astype(np.int32)
    day, recorded, known = _lagged(spec, day, rng, grid.extract_day)
    return EventArrays(person[known], day, recorded)


def term_end_days(grid: TimeGrid) -> tuple[np.ndarray, np.ndarray]:
    """Month index and day of every term end inside the grid."""
    months, days = [], []
    for i, m in enumerate(grid.months):
        month_number = int(str(m)[5:7])
        for end_month, end_day in TERM_ENDS:
            if end_month == month_number:
                day = int(grid.month_start_day[i]) + end_day - 1
                if grid.covered_first_day[i] <= day <= grid.extract_day:
                    months.append(i)
                    days.append(day)
    return np.asarray(months, dtype=np.int64), np.asarray(days, dtype=np.int32)


def termly_events(spec: EventSpec, ctx: ChunkContext, rng: np.random.Generator) -> EventArrays:
    """One chance a school term (e.g. persistent absence); ``base`` is a logit."""
    months, days = term_end_days(ctx.grid)
    key = ctx.key[:, months]
    eligibility = spec.profile_table()[key]
    fam = ctx.person_family
    logit = (
        spec.base
        + spec.beta * ctx.states[fam][:, months]
        + (spec.gamma * ctx.vulnerability + spec.delta * ctx.depz)[fam][:, None]
    )
    p = eligibility / (1.0 + np.exp(-logit))
    if ctx.family_multiplier is not None:
        p = np.minimum(p * ctx.family_multiplier[fam][:, None], 1.0)
    person, term = np.nonzero(rng.random(p.shape) < p)
    day = days[term]
    day, recorded, known = _lagged(spec, day, rng, ctx.grid.extract_day)
    return EventArrays(person[known].astype(np.int32), day, recorded)


def reception_events(spec: EventSpec, ctx: ChunkContext, rng: np.random.Generator) -> EventArrays:
    """One chance a child, assessed at the end of June of the school year in which they turn five; ``base`` is a logit.

    A child counts when a family member that month; the chance is ``profile x sigmoid(base + beta*state + ...)``.
    """
    if ctx.birth_month is None:
        raise ValueError("reception events need each person's birth month (ChunkContext.birth_month)")
    grid = ctx.grid
    month, day_of = RECEPTION_ASSESSED
    persons, days, chances = [], [], []
    for i, m in enumerate(grid.months):
        if int(str(m)[5:7]) != month:
            continue
        day = int(grid.month_start_day[i]) + day_of - 1
        if not grid.covered_first_day[i] <= day <= grid.extract_day:
            continue
        # born September five years and nine months before to August four years and ten months before: reception
        age = i - ctx.birth_month
        child = np.flatnonzero((age >= 58) & (age <= 69) & (ctx.key[:, i] >= 2))
        fam = ctx.person_family[child]
        logit = spec.base + spec.beta * ctx.states[fam, i] + spec.gamma * ctx.vulnerability[fam] + spec.delta * ctx.depz[fam]
        chance = spec.profile_table()[ctx.key[child, i]] / (1.0 + np.exp(-logit))
        if ctx.family_multiplier is not None:
            chance = np.minimum(chance * ctx.family_multiplier[fam], 1.0)
        chances.append(chance)
        persons.append(child)
        days.append(np.full(child.size, day, dtype=np.int32))
    if not persons:
        empty = np.empty(0, dtype=np.int32)
        return EventArrays(empty, empty, empty)
    hit = rng.random(sum(p.size for p in persons)) < np.concatenate(chances)
    person, day = np.concatenate(persons)[hit], np.concatenate(days)[hit]
    day, recorded, known = _lagged(spec, day, rng, grid.extract_day)
    return EventArrays(person[known].astype(np.int32), day, recorded)


def generate_events(spec: EventSpec, ctx: ChunkContext, bias: float, rng: np.random.Generator) -> EventArrays:
    """Events of one type, one row per distinct (person, date), sorted by person then date."""
    if spec.kind == "termly":
        ev = termly_events(spec, ctx, rng)
    elif spec.kind == "reception":
        ev = reception_events(spec, ctx, rng)
    else:
        ev = poisson_events(spec, ctx, bias, rng)
    key = ev.person.astype(np.int64) << 20 | (ev.day.astype(np.int64) & 0xFFFFF)
    _, first = np.unique(key, return_index=True)  # a second event of one type on one day is one record
    return EventArrays(ev.person[first], ev.day[first], ev.recorded[first])
