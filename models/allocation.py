"""The allocation policy: which families each place-based team is offered. One function, used everywhere.

Training's metrics at the list, the fairness audit of every candidate, the promotion gate and the
weekly scorer all form lists with :func:`allocate`, so the list the ethics panel audits and
approves is the list the teams receive.

The rule
--------
On one as-of date, each team takes its own top families, up to ``weekly_capacity x weeks``
places, from the families in its area:

- ranked by calibrated probability, highest first; equal probabilities by the model's ranking
  score (the uncalibrated score, highest first: calibration is monotone, so this only splits
  the ties the isotonic steps make), then by family id ascending (:data:`TIE_BREAK`);
- families already being supported (an engagement list; empty in training) are not listed,
  nor are families held off the lists by practitioners' feedback (``scoring.feedback``), and
  objectors never are (the cohort leaves them out; they are refused here too);
- with a mitigation (:class:`Mitigation`), a team's places are shared among the groups of one
  sensitive attribute, in proportion to each group's eligible families (equal selection rate)
  or to the group's expected families in need, the sum of its calibrated probabilities (equal
  expected recall); each group's share goes to its own top families, and places a group cannot
  use go to the team's next families by rank. Neither needs outcomes, so the weekly scorer
  applies it exactly as the audit did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

TIE_BREAK = ("calibrated probability, highest first; equal probabilities by the model's ranking score (highest first), "
             "then family id (ascending)")
LISTED, SUPPORTED, HELD, OBJECTED, NOT_LISTED = "listed", "supported", "held", "objected", "not listed"
MITIGATION_KINDS = {
    "equal_selection_rate": "each group of {feature} gets a team's places in proportion to its eligible families",
    "equal_expected_recall": ("each group of {feature} gets a team's places in proportion to its expected families in need "
                              "(the sum of its calibrated probabilities)"),
}


@dataclass(frozen=True)
class Mitigation:
    """A group-aware share of each team's places: ``kind`` (a key of :data:`MITIGATION_KINDS`) by ``feature``."""

    kind: str
    feature: str

    def __post_init__(self):
        if self.kind not in MITIGATION_KINDS:
            raise ValueError(f"mitigation: got kind {self.kind!r}; expected one of {', '.join(MITIGATION_KINDS)}")
        if not isinstance(self.feature, str) or not self.feature.strip():
            raise ValueError(f"mitigation: got feature {self.feature!r}; expected the name of a sensitive attribute")

    @property
    def name(self) -> str:
        """``kind:feature``, e.g. ``equal_selection_rate:ethnicity`` (what ``approve --mitigation`` takes)."""
        return f"{self.kind}:{self.feature}"

    @property
    def description(self) -> str:
        return MITIGATION_KINDS[self.kind].format(feature=self.feature)

    @classmethod
    def parse(cls, text: str) -> Mitigation:
        kind, sep, feature = str(text).partition(":")
        if not sep:
            raise ValueError(f"mitigation: got {text!r}; expected KIND:ATTRIBUTE with KIND one of {', '.join(MITIGATION_KINDS)}, "
                             "e.g. equal_selection_rate:ethnicity")
        return cls(kind.strip(), feature.strip())


@dataclass(frozen=True)
class AllocationPolicy:
    """Each team's weekly capacity, the weeks a list covers, and an approved mitigation (or none)."""

    capacities: tuple[tuple[str, int], ...]
    weeks: int = 1
    mitigation: Mitigation | None = None
    tie_break: str = field(default=TIE_BREAK, init=False)

    def __post_init__(self):
        pairs = tuple(self.capacities.items()) if isinstance(self.capacities, Mapping) else tuple(tuple(p) for p in self.capacities)
        if not pairs:
            raise ValueError("capacities: got none; expected at least one team with its weekly capacity")
        names = [str(t) for t, _ in pairs]
        if len(set(names)) != len(names):
            raise ValueError(f"capacities: got teams {names}; expected each team once")
        for team, cap in pairs:
            if isinstance(cap, bool) or not isinstance(cap, int | np.integer) or cap < 1:
                raise ValueError(f"capacities: team {team!r} has weekly capacity {cap!r}; expected a whole number of at least 1")
        if isinstance(self.weeks, bool) or not isinstance(self.weeks, int | np.integer) or self.weeks < 1:
            raise ValueError(f"weeks: got {self.weeks!r}; expected a whole number of at least 1")
        object.__setattr__(self, "capacities", tuple((str(t), int(c)) for t, c in pairs))
        object.__setattr__(self, "weeks", int(self.weeks))

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(t for t, _ in self.capacities)

    def places(self, team: str) -> int:
        """A team's list size: weekly capacity x weeks."""
        return dict(self.capacities)[team] * self.weeks

    @property
    def total_places(self) -> int:
        return sum(c for _, c in self.capacities) * self.weeks

    def with_weeks(self, weeks: int) -> AllocationPolicy:
        return AllocationPolicy(self.capacities, weeks, self.mitigation)

    def with_mitigation(self, mitigation: Mitigation | None) -> AllocationPolicy:
        return AllocationPolicy(self.capacities, self.weeks, mitigation)

    def to_dict(self) -> dict:
        return {"capacities": dict(self.capacities), "weeks": self.weeks, "tie_break": self.tie_break,
                "mitigation": None if self.mitigation is None else self.mitigation.name}

    @classmethod
    def from_dict(cls, data: Mapping) -> AllocationPolicy:
        mitigation = data.get("mitigation")
        return cls(tuple(dict(data["capacities"]).items()), int(data["weeks"]),
                   None if mitigation in (None, "", "none") else Mitigation.parse(mitigation))


@dataclass(frozen=True)
class Allocation:
    """The lists on one date: per row its status and its place on its team's list (1 = first; 0 = not listed)."""

    policy: AllocationPolicy
    team: np.ndarray
    status: np.ndarray
    place: np.ndarray

    @property
    def listed(self) -> np.ndarray:
        return self.status == LISTED

    @property
    def n_listed(self) -> int:
        return int(self.listed.sum())

    def by_team(self) -> pd.DataFrame:
        """Per team: weekly capacity, places, families in the cohort, eligible (not supported, held or objected) and listed."""
        rows = []
        for team, cap in self.policy.capacities:
            mine = self.team == team
            st = self.status[mine]
            rows.append({"team": team, "weekly_capacity": cap, "places": cap * self.policy.weeks, "cohort": int(mine.sum()),
                         "supported": int((st == SUPPORTED).sum()), "held": int((st == HELD).sum()), "objected": int((st == OBJECTED).sum()),
                         "eligible": int(((st == LISTED) | (st == NOT_LISTED)).sum()), "listed": int((st == LISTED).sum())})
        return pd.DataFrame(rows)

    def describe(self) -> str:
        """The operating point in team terms, e.g. "each team's top families for 13 weeks: 1,716 of 15,230"."""
        weeks = self.policy.weeks
        span = "one week" if weeks == 1 else f"{weeks} weeks"
        text = f"each team's top families for {span}: {self.n_listed:,} of {len(self.status):,}"
        if self.policy.mitigation is not None:
            text += f", with {self.policy.mitigation.name} ({self.policy.mitigation.description})"
        return text


def ranking(probability, rank_score, family_id) -> np.ndarray:
    """Row positions in list order (:data:`TIE_BREAK`); family ids compare as text."""
    p = np.asarray(probability, dtype=np.float64)
    r = p if rank_score is None else np.asarray(rank_score, dtype=np.float64)
    if r.shape != p.shape:
        raise ValueError(f"rank_score: got {r.size} values; expected {p.size}, one per family")
    missing = np.isnan(p) | np.isnan(r)
    if missing.any():
        raise ValueError(f"scores: got {int(missing.sum())} famil(ies) with a missing score; expected a score for every family")
    return np.lexsort((np.asarray(family_id).astype(str), -r, -p))


def _flags(values, n: int, name: str) -> np.ndarray:
    """A true/false value per family: booleans (or 0 and 1), never missing."""
    flags = pd.Series(np.asarray(values, dtype=object)) if not isinstance(values, pd.Series) else values.reset_index(drop=True)
    if len(flags) != n:
        raise ValueError(f"{name}: got {len(flags)} values; expected {n}, one per family")
    ok = flags.map(lambda v: isinstance(v, bool | np.bool_) or (isinstance(v, int | np.integer) and v in (0, 1)))
    if not ok.all():
        bad = flags[~ok].iloc[0]
        raise ValueError(f"{name}: got {bad!r}; expected true or false for every family")
    return flags.astype(bool).to_numpy()


def _shares(weights: np.ndarray, places: int) -> np.ndarray:
    """Whole places per group in proportion to ``weights``, by largest remainder (equal remainders: first group)."""
    total = weights.sum()
    exact = places * (weights / total if total > 0 else np.full(weights.size, 1 / weights.size))
    quotas = np.floor(exact).astype(np.int64)
    quotas[np.argsort(-(exact - quotas), kind="stable")[: places - int(quotas.sum())]] += 1
    return quotas


def _team_list(order: np.ndarray, places: int, groups: np.ndarray | None, weights: np.ndarray | None) -> np.ndarray:
    """The rows (from ``order``, eligible rows of one team in list order) that take its ``places``, still in list order."""
    if groups is None:
        return order[:places]
    codes = groups[order]
    labels = np.unique(codes)
    index = np.searchsorted(labels, codes)
    quotas = _shares(np.bincount(index, weights=weights[order], minlength=labels.size), min(places, order.size))
    rank_in_group = np.zeros(order.size, dtype=np.int64)
    for g in range(labels.size):
        mine = np.flatnonzero(index == g)
        rank_in_group[mine] = np.arange(mine.size)
    taken = rank_in_group < quotas[index]
    spare = min(places, order.size) - int(taken.sum())
    if spare > 0:
        taken[np.flatnonzero(~taken)[:spare]] = True
    return order[taken]


def allocate(probability, *, team, family_id, policy: AllocationPolicy, rank_score=None, supported=None, objected=None,
             groups: pd.DataFrame | None = None, held=None) -> Allocation:
    """Form every team's list on one date.

    Parameters
    ----------
    probability : array-like of shape (n,)
        Calibrated probability per family (the cohort on one date).
    team : array-like of shape (n,)
        The team whose area each family lives in; every team must be in ``policy``.
    family_id : array-like of shape (n,)
        The last tie-break, and the key of ``supported`` and ``objected``.
    policy : AllocationPolicy
    rank_score : array-like of shape (n,), optional
        The model's ranking score (ties in ``probability`` are broken by it).
    supported, objected : boolean array-like of shape (n,), optional
        Families already being supported (not listed) and families who objected (never listed).
    held : boolean array-like of shape (n,), optional
        Families held off the lists for now (not listed); an objection outranks it.
    groups : DataFrame, optional
        Sensitive attributes per family; needed when the policy carries a mitigation.

    Returns
    -------
    Allocation
    """
    p = np.asarray(probability, dtype=np.float64)
    n = p.size
    teams = np.asarray(team).astype(str)
    ids = np.asarray(family_id)
    if teams.size != n or ids.size != n:
        raise ValueError(f"team and family_id: got {teams.size} and {ids.size} values; expected {n}, one per family")
    unknown = sorted(set(np.unique(teams)) - set(policy.teams))
    if unknown:
        raise ValueError(f"team: got {unknown[:3]}; expected one of the configured teams {list(policy.teams)}")
    if np.unique(ids.astype(str)).size != n:
        raise ValueError("family_id: a family appears more than once; expected one row per family on one date")
    status = np.full(n, NOT_LISTED, dtype=object)
    for flags, label in ((supported, SUPPORTED), (held, HELD), (objected, OBJECTED)):
        if flags is not None:
            status[_flags(flags, n, label)] = label
    mitigation = policy.mitigation
    codes = weights = None
    if mitigation is not None:
        if groups is None or mitigation.feature not in groups.columns:
            have = [] if groups is None else list(groups.columns)
            raise ValueError(f"mitigation {mitigation.name}: got attributes {have}; expected a column {mitigation.feature!r}")
        if len(groups) != n:
            raise ValueError(f"groups: got {len(groups)} rows; expected {n}, one per family")
        codes = pd.Categorical(groups[mitigation.feature].astype("string").fillna("Missing")).codes.astype(np.int64)
        weights = np.ones(n) if mitigation.kind == "equal_selection_rate" else p
    order = ranking(p, rank_score, ids)
    place = np.zeros(n, dtype=np.int64)
    eligible = status[order] == NOT_LISTED
    for name in policy.teams:
        mine = order[eligible & (teams[order] == name)]
        chosen = _team_list(mine, policy.places(name), codes, weights)
        status[chosen] = LISTED
        place[chosen] = np.arange(1, chosen.size + 1)
    return Allocation(policy=policy, team=teams, status=status, place=place)
