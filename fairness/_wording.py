"""The unit a report speaks of: families by default, or people, pupils, households for a table of those."""

from __future__ import annotations

import re

SINGULAR = {"people": "person", "children": "child", "families": "family", "staff": "member of staff"}
_UNIT = re.compile(r"[a-z][a-z -]{0,38}[a-z]")


def check_unit(unit: str) -> str:
    """``unit`` if it reads as a plural noun in lower case (people, pupils, households); ValueError otherwise."""
    if not _UNIT.fullmatch(unit) or not (unit in SINGULAR or unit.endswith("s")):
        raise ValueError(f"--unit: got {unit!r}; expected a plural noun in lower case, e.g. people, pupils, households, families")
    return unit


def singular(unit: str) -> str:
    """The singular of a plural noun: people/person, children/child, then -ies/-y, -sses, -ches, -shes, -xes, -s."""
    if unit in SINGULAR:
        return SINGULAR[unit]
    for ending, replacement in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x")):
        if unit.endswith(ending):
            return unit[: -len(ending)] + replacement
    return unit[:-1] if unit.endswith("s") else unit


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]


def in_units(text: str, unit: str = "families") -> str:
    """``text`` with "family"/"families" (any capital, possessives too) said as ``unit`` (a plural noun) and its singular.

    Only whole words: ``font-family`` and ``family-snapshots`` are left alone.
    """
    if unit == "families":
        return text
    one = singular(unit)
    plural_possessive = f"{unit}'" if unit.endswith("s") else f"{unit}'s"
    words = {"families'": plural_possessive, "Families'": _capital(plural_possessive), "families": unit, "Families": _capital(unit),
             "family": one, "Family": _capital(one), "families\u2019": plural_possessive.replace("'", "\u2019"),
             "Families\u2019": _capital(plural_possessive).replace("'", "\u2019")}
    pattern = re.compile(r"(?<![-\w])(families'|Families'|families\u2019|Families\u2019|families|Families|family|Family)(?![-\w])")
    return pattern.sub(lambda m: words[m.group(1)], text)
