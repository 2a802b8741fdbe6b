"""The generating process's event catalogue: rates, age-sex profiles, lags.

Every event type is driven by the family's latent state (``beta``), a lasting
family vulnerability (``gamma``) and area deprivation (``delta``):

    rate(person, month) = base * profile[age band, sex]
                          * exp(beta * state + gamma * vulnerability + delta * deprivation)
                          * recording multiplier (police contact for chosen groups)

``base`` is a monthly rate at state 0 for an average family (a logit for the
one-chance kinds); the values were
tuned so that the population-level figures land near public ones (see
``docs/synthetic-data.md`` and ``tests/placerisk/synth/test_shape.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Age bands in completed years; band 0 means "not a member this month".
BAND_EDGES = (0, 5, 10, 15, 18, 25, 30, 45, 65)
BAND_LABELS = ("absent", "0-4", "5-9", "10-14", "15-17", "18-24", "25-29", "30-44", "45-64", "65+")
N_BANDS = len(BAND_LABELS)

_SCHOOL = (0, 1.0, 1.0, 0.3, 0, 0, 0, 0, 0)  # 5-15 (15-17 band weighted for the one school year)
_CHILD = (1.0, 1.0, 1.0, 1.0, 0, 0, 0, 0, 0)
_ADULT = (0, 0, 0, 0, 1.0, 1.0, 1.0, 1.0, 0.4)
_WORKING_AGE = (0, 0, 0, 0, 1.0, 1.0, 1.0, 0.8, 0)
_UNDER_5 = (1.0, 0, 0, 0, 0, 0, 0, 0, 0)
# 'reception': a multiplier on the chance, whatever the band (girls 25%, boys 39% not at a good level, DfE 2023/24)
_RECEPTION_F = (0.76,) * 9
_RECEPTION_M = (1.22,) * 9


@dataclass(frozen=True)
class EventSpec:
    """How one event type is generated."""

    source: str
    code: str
    base: float                       # monthly rate (or termly probability logit for 'termly')
    female: tuple[float, ...]         # profile by age band 0-4 ... 65+
    male: tuple[float, ...]
    beta: float                       # sensitivity to the latent state (per state level)
    gamma: float                      # sensitivity to the family's lasting vulnerability
    delta: float                      # sensitivity to area deprivation (+1 most, -1 least deprived)
    lag: tuple[float, float]          # recorded_date - event_date: fixed days + exponential(mean) days
    kind: str = "poisson"             # 'poisson' per person-month, 'termly' (one chance a school term) or
                                      # 'reception' (one chance a child, at the end of the reception year; base a logit)
    returns: str = ""                 # '' recorded as it comes; 'monthly' or 'annual': in the partner's periodic return
    statutory: bool = True            # False for the community sector: it sees the families statutory services miss

    @property
    def name(self) -> str:
        return f"{self.source}.{self.code}"

    def profile_table(self) -> np.ndarray:
        """Multipliers indexed by ``band * 2 + sex`` (sex 0 = female, 1 = male)."""
        table = np.zeros(N_BANDS * 2, dtype=np.float32)
        table[2::2] = self.female
        table[3::2] = self.male
        return table


def _m(scale: float, profile: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(scale * v for v in profile)


CATALOGUE: tuple[EventSpec, ...] = (
    # police: days of lag
    EventSpec("police", "domestic_abuse", 0.0016, (0, 0, 0, 0.1, 1.2, 1.5, 1.2, 0.5, 0.1), (0, 0, 0, 0.05, 0.8, 1.0, 0.9, 0.4, 0.1), 0.8, 0.5, 0.4, (0, 2)),
    EventSpec("police", "missing_episode", 0.0014, (0, 0, 0.8, 1.2, 0.1, 0, 0, 0, 0), (0, 0, 0.8, 1.0, 0.1, 0, 0, 0, 0), 1.0, 0.5, 0.4, (0, 1)),
    EventSpec("police", "violence_victim", 0.0007, (0.02, 0.05, 0.3, 0.8, 0.8, 0.6, 0.4, 0.2, 0.05), (0.02, 0.05, 0.5, 1.5, 2.0, 1.6, 0.7, 0.3, 0.05), 0.8, 0.5, 0.5, (0, 3)),
    EventSpec("police", "violence_suspect", 0.0007, (0, 0, 0.1, 0.4, 0.4, 0.3, 0.2, 0.05, 0), (0, 0, 0.4, 1.5, 2.0, 1.5, 0.8, 0.3, 0.02), 0.8, 0.6, 0.5, (0, 3)),
    EventSpec("police", "weapon_offence", 0.00015, (0, 0, 0.05, 0.1, 0.1, 0.05, 0.02, 0, 0), (0, 0, 0.4, 1.5, 1.5, 0.7, 0.3, 0.1, 0), 0.9, 0.6, 0.5, (0, 5)),
    EventSpec("police", "asb", 0.0009, (0, 0.05, 0.6, 1.0, 0.6, 0.3, 0.2, 0.1, 0.05), (0, 0.08, 0.9, 1.5, 0.9, 0.4, 0.3, 0.1, 0.05), 0.7, 0.5, 0.5, (0, 2)),
    # health: national returns, weeks of lag
    EventSpec("health", "ae_attendance", 0.025, (1.3, 0.7, 0.8, 0.9, 1.0, 0.9, 0.8, 0.9, 1.5), (1.4, 0.8, 0.9, 1.0, 1.0, 0.9, 0.8, 0.9, 1.5), 0.25, 0.2, 0.2, (14, 14)),
    EventSpec("health", "assault_injury", 0.0005, (0, 0.01, 0.2, 0.6, 0.7, 0.5, 0.3, 0.1, 0.02), (0, 0.02, 0.4, 1.5, 2.0, 1.5, 0.6, 0.2, 0.02), 0.8, 0.5, 0.6, (14, 14)),
    EventSpec("health", "self_harm", 0.0004, (0, 0, 0.5, 2.0, 1.5, 0.8, 0.4, 0.2, 0.05), (0, 0, 0.2, 0.6, 0.7, 0.5, 0.3, 0.1, 0.05), 0.6, 0.5, 0.3, (14, 14)),
    EventSpec("health", "mental_health_crisis", 0.0005, (0, 0, 0.3, 0.8, 1.0, 1.0, 0.8, 0.5, 0.3), (0, 0, 0.3, 0.8, 1.0, 1.0, 0.8, 0.5, 0.3), 0.6, 0.5, 0.3, (14, 14)),
    EventSpec("health", "violent_injury_admission", 0.000025, (0, 0.01, 0.05, 0.2, 0.3, 0.25, 0.15, 0.05, 0.01), (0.01, 0.02, 0.2, 1.5, 2.0, 1.6, 0.6, 0.2, 0.02), 0.9, 0.5, 0.3, (30, 20)),
    # education: persistent absence by term (logit of the termly probability); others days of lag
    EventSpec("education", "persistent_absence", -1.88, _SCHOOL, _SCHOOL, 0.5, 0.5, 0.4, (20, 20), kind="termly"),
    EventSpec("education", "suspension", 0.0025, _m(0.6, _SCHOOL), _m(1.4, _SCHOOL), 0.6, 0.5, 0.4, (3, 7)),
    EventSpec("education", "permanent_exclusion", 0.00005, _m(0.4, _SCHOOL), _m(1.6, _SCHOOL), 0.8, 0.5, 0.4, (3, 7)),
    # children's social care: days to weeks
    EventSpec("social_care", "referral", 0.0014, _CHILD, _CHILD, 0.8, 0.5, 0.4, (1, 10)),
    EventSpec("social_care", "child_in_need", 0.00072, _CHILD, _CHILD, 0.8, 0.5, 0.4, (1, 10)),
    EventSpec("social_care", "child_protection_plan", 0.00018, (1.5, 1.0, 0.8, 0.5, 0, 0, 0, 0, 0), (1.5, 1.0, 0.8, 0.5, 0, 0, 0, 0, 0), 1.0, 0.5, 0.4, (1, 10)),
    EventSpec("social_care", "looked_after", 0.00012, (1.2, 0.8, 1.0, 1.2, 0, 0, 0, 0, 0), (1.2, 0.8, 1.0, 1.2, 0, 0, 0, 0, 0), 1.0, 0.5, 0.4, (1, 10)),
    # housing: weeks
    EventSpec("housing", "homelessness_presentation", 0.0005, (0, 0, 0, 0, 1.5, 1.0, 1.0, 0.8, 0.3), (0, 0, 0, 0, 1.5, 1.0, 1.0, 0.8, 0.3), 0.7, 0.5, 0.5, (7, 20)),
    EventSpec("housing", "rent_arrears", 0.003, _ADULT, _ADULT, 0.5, 0.4, 0.5, (7, 20)),
    EventSpec("housing", "asb_complaint", 0.0007, _ADULT, _ADULT, 0.6, 0.5, 0.5, (7, 20)),
    # youth justice: weeks to months
    EventSpec("youth_justice", "youth_caution", 0.0003, (0, 0, 0.3, 0.6, 0, 0, 0, 0, 0), (0, 0, 1.0, 2.0, 0, 0, 0, 0, 0), 0.9, 0.6, 0.4, (14, 30)),
    EventSpec("youth_justice", "yot_contact", 0.0003, (0, 0, 0.3, 0.6, 0, 0, 0, 0, 0), (0, 0, 1.0, 2.0, 0, 0, 0, 0, 0), 0.9, 0.6, 0.4, (14, 30)),
    # early years: the profile at the end of reception (a logit; boys more often behind) and referrals of under-fives,
    # both in the council's annual return
    EventSpec("early_years", "not_reaching_gld", -1.15, _RECEPTION_F, _RECEPTION_M, 0.5, 0.5, 0.45, (0, 0), kind="reception", returns="annual"),
    EventSpec("early_years", "early_years_referral", 0.0022, _UNDER_5, _UNDER_5, 0.8, 0.5, 0.4, (7, 14), returns="annual"),
    # fire and rescue: days
    EventSpec("fire_and_rescue", "deliberate_fire_setting", 0.00006, (0, 0, 0.3, 0.3, 0.1, 0.05, 0.02, 0, 0), (0, 0.05, 1.5, 1.5, 0.5, 0.2, 0.1, 0.05, 0), 0.9, 0.6, 0.5, (0, 3)),
    EventSpec("fire_and_rescue", "safe_and_well_visit", 0.00035, _ADULT, _ADULT, 0.6, 0.5, 0.5, (0, 7)),
    # welfare (work and pensions): the monthly return
    EventSpec("welfare", "benefit_sanction", 0.0011, (0, 0, 0, 0, 1.3, 1.2, 1.0, 0.7, 0), (0, 0, 0, 0, 1.6, 1.4, 1.2, 0.8, 0), 0.6, 0.5, 0.6, (0, 5), returns="monthly"),
    EventSpec("welfare", "hardship_advance", 0.0016, _WORKING_AGE, _WORKING_AGE, 0.5, 0.4, 0.6, (0, 5), returns="monthly"),
    # community and voluntary sector: categories only; weakly tied to the state (more false alarms), days to weeks
    EventSpec("community_sector", "wellbeing_concern", 0.0012, _ADULT, _ADULT, 0.35, 0.2, 0.2, (0, 10), statutory=False),
    EventSpec("community_sector", "young_person_concern", 0.0010, _m(0.8, _CHILD), _m(1.0, _CHILD), 0.35, 0.2, 0.2, (0, 10), statutory=False),
    EventSpec("community_sector", "hardship_concern", 0.0010, _ADULT, _ADULT, 0.35, 0.2, 0.3, (0, 10), statutory=False),
)

BY_NAME = {spec.name: spec for spec in CATALOGUE}
SOURCES = tuple(dict.fromkeys(spec.source for spec in CATALOGUE))
# The first six partners draw from each chunk's first random stream, the later ones (and which families statutory
# services seldom see) from a second, so the first six's draws stay in step whichever partners are added.
FIRST_SOURCES = ("police", "health", "education", "social_care", "housing", "youth_justice")
LATER_SOURCES = tuple(s for s in SOURCES if s not in FIRST_SOURCES)

# Families statutory services seldom see: their statutory records (outcome events aside) are `statutory` times as
# frequent (everyone else's scaled up to keep the population rates), and the community sector logs their concerns
# `community` times as often.
UNSEEN_SHARE, UNSEEN_STATUTORY, UNSEEN_COMMUNITY = 0.15, 0.5, 2.5

# Recording in periodic returns: the monthly one on this day of the next month; the annual one (early years) on
# this date after the school year (September to August) that holds the record.
MONTHLY_RETURN_DAY = 15
ANNUAL_RETURN = (10, 1)
RECEPTION_ASSESSED = (6, 30)   # the profile is completed by the end of June of the reception year

# Latent state: 0 stable, 1 struggling, 2 escalating, 3 crisis (monthly Markov chain).
N_STATES = 4
UP_INTERCEPT, UP_VULNERABILITY, UP_DEPRIVATION, UP_STATE = -4.0, 0.6, 0.3, 0.3
DOWN_INTERCEPT, DOWN_VULNERABILITY = -2.3, -0.2

# Ethnicity (ONS Census 2021, England and Wales, high-level groups) and recording.
ETHNICITIES = ("White", "Asian", "Black", "Mixed", "Other")
ETHNICITY_SHARES = (0.817, 0.093, 0.040, 0.029, 0.021)
# Minority families live more often in deprived areas, which hold more and larger families;
# this factor keeps the person-level shares at the census figures after that tilt.
MINORITY_ADJUST = 0.88
NOT_STATED = "Not stated"
NOT_STATED_SHARE = 0.03

# Terms: (month the term ends, day it ends).
TERM_ENDS = ((12, 19), (3, 29), (7, 21))
