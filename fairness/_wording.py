"""The unit a report speaks of: families by default, or people, pupils, households for a table of those."""

from __future__ import annotations

import re

SINGULAR = {"people": "person", "children": "child", "families": "family"}


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]


def in_units(text: str, unit: str = "families") -> str:
    """``text`` with "family"/"families" (any capital, possessives too) said as ``unit`` (a plural noun) and its singular.

    Only whole words: ``font-family`` and ``family-snapshots`` are left alone.
    """
    if unit == "families":
        return text
    singular = SINGULAR.get(unit, unit[:-1] if unit.endswith("s") else unit)
    plural_possessive = f"{unit}'" if unit.endswith("s") else f"{unit}'s"
    words = {"families'": plural_possessive, "Families'": _capital(plural_possessive), "families": unit, "Families": _capital(unit),
             "family": singular, "Family": _capital(singular)}
    pattern = re.compile(r"(?<![-\w])(families'|Families'|families|Families|family|Family)(?![-\w])")
    return pattern.sub(lambda m: words[m.group(1)], text)
