"""Data contracts: what every partner and population file must look like.

A contract is plain data (no I/O): the columns with their types, which are
required, allowed codes and ranges, row rules, keys and references. It is built
from the configuration, so the allowed event codes are the configured ones.
``docs/data-contracts.md`` is the readable version of ``contracts_for``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from placerisk.config import Config

ColumnType = Literal["string", "date", "int"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    allowed: tuple[str, ...] | None = None
    minimum: int | dt.date | None = None
    maximum: int | dt.date | None = None
    description: str = ""


@dataclass(frozen=True)
class RowRule:
    """A check across columns: rows where ``bad_when`` (SQL on typed columns) holds are quarantined."""

    name: str
    bad_when: str
    description: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    """``column`` must hold a key of ``target`` that passed its own contract."""

    column: str
    target: str


@dataclass(frozen=True)
class FileContract:
    name: str                     # logical name, also the file name without extension
    description: str
    columns: tuple[Column, ...]
    key: str | None = None        # unique key; None: exact duplicate rows are the duplicates
    references: tuple[Reference, ...] = ()
    rules: tuple[RowRule, ...] = ()
    max_bad_row_share: float | None = None  # None: the configured limit
    kind: Literal["population", "events", "objections", "engagements"] = "events"
    event_source: str | None = field(default=None)
    optional: bool = False        # a missing file is "not supplied", not refused

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _event_contract(source: str, file: str, description: str, codes: tuple[str, ...], earliest: dt.date, latest: dt.date, persons: str) -> FileContract:
    return FileContract(
        name=file,
        description=description,
        columns=(
            Column("person_id", "string", description="pseudonymous person id (keyed hash)"),
            Column("event_type", "string", allowed=codes, description=f"one of the configured {source} event types"),
            Column("event_date", "date", minimum=earliest, maximum=latest, description="when it happened"),
            Column("recorded_date", "date", minimum=earliest, maximum=latest, description="when the partner knew it"),
        ),
        references=(Reference("person_id", persons),),
        rules=(RowRule("recorded_before_event", "recorded_date < event_date", "recorded_date on or after event_date", ("recorded_date", "event_date")),),
        kind="events",
        event_source=source,
    )


def contracts_for(config: Config, today: dt.date | None = None) -> tuple[FileContract, ...]:
    """Every file's contract, in the order they must be checked (referenced files first)."""
    earliest = config.data.earliest_date
    latest = config.data.latest_date(today)
    pop = config.population
    population = (
        FileContract(
            name=pop.areas,
            description="Small areas: deprivation decile and the place-based team that serves them",
            columns=(
                Column("area_code", "string", description="area code"),
                Column("deprivation_decile", "int", minimum=1, maximum=10, description="1 = most deprived tenth"),
                Column("team", "string", allowed=tuple(t.name for t in config.teams), description="a configured team"),
            ),
            key="area_code",
            kind="population",
        ),
        FileContract(
            name=pop.families,
            description="Families (households with children or young people) and where they live",
            columns=(
                Column("family_id", "string", description="pseudonymous family id"),
                Column("area_code", "string", description="an area in the areas file"),
            ),
            key="family_id",
            references=(Reference("area_code", pop.areas),),
            kind="population",
        ),
        FileContract(
            name=pop.persons,
            description="Family members with month and year of birth and membership dates",
            columns=(
                Column("person_id", "string", description="pseudonymous person id"),
                Column("family_id", "string", description="a family in the families file"),
                Column("sex", "string", allowed=tuple(pop.sex_codes)),
                Column("ethnicity", "string", allowed=tuple(pop.ethnicity_codes)),
                Column("birth_year", "int", minimum=1900, maximum=latest.year),
                Column("birth_month", "int", minimum=1, maximum=12),
                Column("member_from", "date", minimum=dt.date(1900, 1, 1), maximum=latest, description="first day as a member"),
                Column("member_to", "date", required=False, minimum=dt.date(1900, 1, 1), description="first day no longer a member; empty while a member"),
            ),
            key="person_id",
            references=(Reference("family_id", pop.families),),
            rules=(RowRule("member_to_not_after_member_from", "member_to <= member_from", "member_to after member_from", ("member_to", "member_from")),),
            kind="population",
        ),
    )
    events = tuple(
        _event_contract(src, s.file, s.description, tuple(s.event_types), earliest, latest, pop.persons) for src, s in config.sources.items()
    )
    objections = FileContract(
        name=pop.objections,
        description="Families or persons who objected to being scored (every row must be usable: an objection is never dropped)",
        columns=(
            Column("family_id", "string", required=False),
            Column("person_id", "string", required=False),
            Column("recorded_date", "date", minimum=dt.date(1900, 1, 1), maximum=latest),
        ),
        rules=(RowRule("no_id", "family_id IS NULL AND person_id IS NULL", "a family_id or a person_id", ("family_id", "person_id")),),
        max_bad_row_share=0.0,
        kind="objections",
    )
    engagements = FileContract(
        name=pop.engagements,
        description=("Families already being supported (from case management): never re-listed while the engagement is open. "
                     "Optional: without the file no family is shown as supported"),
        columns=(
            Column("family_id", "string", description="a family in the families file"),
            Column("started", "date", minimum=dt.date(1900, 1, 1), maximum=latest, description="first day of the engagement"),
            Column("ended", "date", required=False, minimum=dt.date(1900, 1, 1), description="last day; empty while it is open"),
            Column("team", "string", required=False, allowed=tuple(t.name for t in config.teams), description="the team working with the family"),
            Column("service", "string", required=False, description="the service or programme (a category, no free text about the family)"),
        ),
        references=(Reference("family_id", pop.families),),
        rules=(RowRule("ended_before_started", "ended < started", "ended on or after started", ("ended", "started")),),
        kind="engagements",
        optional=True,
    )
    return population + events + (objections, engagements)


def contracts_hash(contracts: tuple[FileContract, ...]) -> str:
    """A hash of what the contracts accept (columns, types, codes, rules, keys, references).

    Date bounds are left out: with no ``data.extract_date`` the upper bound is
    today, and a report must not go stale overnight.
    """
    import hashlib
    import json

    payload = [
        {
            "name": c.name,
            "columns": [(col.name, col.type, col.required, list(col.allowed or [])) for col in c.columns],
            "key": c.key,
            "references": [(r.column, r.target) for r in c.references],
            "rules": [(r.name, r.bad_when) for r in c.rules],
        }
        for c in contracts
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
