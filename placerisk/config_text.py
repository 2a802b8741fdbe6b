"""Reading configuration text: YAML without duplicate keys, a user's file laid over the defaults,
relative paths resolved against the file's folder, and validation errors worded for people.

Errors name the key path, the value received (never a value whose key looks like a secret) and
what was expected.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


class KeyedError(ValueError):
    """A check's error that already names its key path; shown as it is."""

    def __init__(self, path: str, value: Any, expected: str):
        super().__init__(f"{path}: got {value!r}; expected {expected}")


def keyed(path: str, value: Any, expected: str) -> KeyedError:
    """A keyed error; any part of ``value`` under a secret-looking key is withheld."""
    return KeyedError(path, "<withheld: looks like a secret>" if _looks_secret(tuple(path.replace("[", ".").split("."))) else redact(value),
                      expected)


def redact(value: Any) -> Any:
    """``value`` with whatever sits under a secret-looking key replaced by a placeholder."""
    if isinstance(value, dict):
        return {k: "<withheld>" if isinstance(k, str) and _SECRET_NAME.search(k) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def secret_keys(raw: Any, path: str = "") -> list[str]:
    """The key paths in a user's mapping whose names look like secrets (their values are never shown)."""
    found = []
    if isinstance(raw, dict):
        for k, v in raw.items():
            where = f"{path}.{k}" if path else str(k)
            if isinstance(k, str) and _SECRET_NAME.search(k):
                found.append(where)
            found += secret_keys(v, where)
    elif isinstance(raw, list):
        for i, v in enumerate(raw):
            found += secret_keys(v, f"{path}[{i}]")
    return found


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)  # null removes a key (e.g. sources.housing: null); defaults apply
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


_SECRET_NAME = re.compile(r"key|secret|token|passw|pwd|credential|salt", re.IGNORECASE)
SECRET_ADVICE = ("never put a key in the config: pseudonymisation keys belong in a key file (--key-file) or the "
                 "PLACERISK_PSEUDONYM_KEY environment variable")


def _looks_secret(loc: tuple) -> bool:
    return any(isinstance(part, str) and _SECRET_NAME.search(part) for part in loc)


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key that appears twice in one mapping (YAML would keep the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise yaml.constructor.ConstructorError(None, None, f"a key must be a name; got a {type(key).__name__}", key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one section (first at line {seen[key] + 1}); expected each key once",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def format_validation_error(err: ValidationError, origin: str) -> str:
    lines = []
    for e in err.errors():
        path = ""
        for part in e["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        error = (e.get("ctx") or {}).get("error")
        if isinstance(error, KeyedError):
            lines.append(str(error))
        elif _looks_secret(e["loc"]):
            lines.append(f"{path}: {'unknown key' if e['type'] == 'extra_forbidden' else 'invalid'} (value withheld: the name looks like a secret); "
                         f"{SECRET_ADVICE}")
        elif e["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown key (value {e['input']!r}); expected one of the keys documented in the example (`placerisk init`)")
        elif e["type"] == "missing":
            lines.append(f"{path}: missing; expected a value")
        else:
            expected = e["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
            lines.append(f"{path}: got {redact(e.get('input'))!r}; expected {expected}")
    return f"invalid configuration in {origin}:\n  " + "\n  ".join(lines)


def resolve_paths(raw: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    def absolute(value: Any) -> Any:
        return str(base_dir / value) if isinstance(value, str) and not Path(value).is_absolute() else value

    raw = dict(raw)
    if isinstance(raw.get("data"), dict):
        raw["data"] = {**raw["data"], **{k: absolute(raw["data"].get(k)) for k in ("dir", "output_dir") if k in raw["data"]}}
    ml = raw.get("mlflow")
    if isinstance(ml, dict):
        ml = dict(ml)
        uri = ml.get("tracking_uri")
        if isinstance(uri, str) and uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
            ml["tracking_uri"] = "sqlite:///" + str(base_dir / uri.removeprefix("sqlite:///"))
        for key in ("artifact_dir", "decisions_log"):
            if key in ml:
                ml[key] = absolute(ml[key])
        raw["mlflow"] = ml
    return raw
