"""Keyed pseudonymisation that a partner runs before sending an extract.

A pseudonym is the lowercase hex of ``HMAC-SHA256(key, normalise_identifier(id))``
cut to `length` characters. Every partner must use the same key, the same
length and the same normalisation (see :func:`normalise_identifier`), or the
same person gets different pseudonyms in different extracts.

The key is the content of a key file or of an environment variable, with
surrounding whitespace stripped (so a trailing newline does not matter). A
printable key is safest, e.g. the output of
``python -c "import secrets; print(secrets.token_hex(32))"``.
Error messages name the file or variable, never the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from placerisk.errors import UserError

KEY_ENV_VAR = "PLACERISK_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
MIN_LENGTH, MAX_LENGTH = 16, 64


def _checked(key: bytes, source: str) -> bytes:
    key = key.strip()
    if len(key) < MIN_KEY_BYTES:
        raise UserError(f"key in {source} is {len(key)} bytes; expected at least {MIN_KEY_BYTES}")
    return key


def key_file_exposure(key_file: str | os.PathLike) -> str | None:
    """A warning when the key file can be read by its group or by other users (POSIX permissions); else None."""
    mode = Path(key_file).stat().st_mode
    readers = [who for who, bit in (("its group", 0o040), ("other users", 0o004)) if mode & bit]
    if not readers:
        return None
    return (f"key file '{os.fspath(key_file)}' can be read by {' and '.join(readers)} (mode {mode & 0o777:o}); "
            f"anyone who reads it can reverse the pseudonyms: restrict it with `chmod 600 {os.fspath(key_file)}`")


def load_key(key_file: str | os.PathLike | None = None, key_env: str | None = None) -> bytes:
    """Read the pseudonymisation key from exactly one source.

    Parameters
    ----------
    key_file : str or os.PathLike, optional
        A file holding the key (its bytes, surrounding whitespace stripped).
    key_env : str, optional
        An environment variable holding the key; :data:`KEY_ENV_VAR` when
        neither argument is given.

    Returns
    -------
    bytes
        The key, at least :data:`MIN_KEY_BYTES` long.

    Raises
    ------
    UserError
        Both sources given, file missing or unreadable, variable unset or empty,
        or key too short. The message never contains the key.
    """
    if key_file is not None and key_env is not None:
        raise UserError(f"give either a key file ('{os.fspath(key_file)}') or a key environment "
                        f"variable ({key_env}), not both")
    if key_file is not None:
        path = os.fspath(key_file)
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            raise UserError(f"key file '{path}' not found") from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise UserError(f"cannot read key file '{path}': {reason}") from None
        return _checked(raw, f"file '{path}'")
    name = KEY_ENV_VAR if key_env is None else key_env
    value = os.environ.get(name) if name else None
    if value is None or not value.strip():
        state = "not set" if value is None else "empty"
        raise UserError(f"environment variable '{name}' is {state}; expected a pseudonymisation "
                        f"key of at least {MIN_KEY_BYTES} bytes")
    return _checked(os.fsencode(value), f"environment variable '{name}'")


def normalise_identifier(value: str) -> str:
    """Return the canonical form of an identifier before hashing.

    Strip surrounding whitespace, remove every space and hyphen, upper-case
    (Python ``str.upper``). So ``"943 476 5919"`` and ``"9434765919"`` (or
    ``"m1 1ae"`` and ``"M1 1AE"``) get the same pseudonym. Partners must all
    apply exactly this rule.
    """
    if not isinstance(value, str):
        raise TypeError(f"identifier must be a str; got {type(value).__name__}")
    return value.strip().replace(" ", "").replace("-", "").upper()


def _check_length(length: int) -> None:
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or not (
            MIN_LENGTH <= length <= MAX_LENGTH):
        raise UserError(f"pseudonym length must be a whole number of hex characters from "
                        f"{MIN_LENGTH} to {MAX_LENGTH}; got {length!r}")


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes):
        raise TypeError(f"key must be bytes; got {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise UserError(f"key is {len(key)} bytes; expected at least {MIN_KEY_BYTES}")


def pseudonymise_value(value: str, key: bytes, length: int = 16) -> str:
    """Return the pseudonym of one identifier.

    Parameters
    ----------
    value : str
        The identifier; normalised with :func:`normalise_identifier`.
    key : bytes
        The secret key, at least :data:`MIN_KEY_BYTES` long.
    length : int
        Number of hex characters kept, 16 to 64.

    Raises
    ------
    UserError
        Bad `length`, short key, or an identifier that is empty once normalised.
    """
    _check_length(length)
    _check_key(key)
    text = normalise_identifier(value)
    if not text:
        raise UserError("identifier is empty once spaces and hyphens are removed")
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:length]


def _as_text(value: object, column: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # an int column with gaps is read as float: 9434765919.0
    raise UserError(f"column '{column}' holds a {type(value).__name__} value; identifiers must "
                    "be text or whole numbers")


def pseudonymise_frame(df: pd.DataFrame, columns: Sequence[str], key: bytes,
                       length: int = 16) -> pd.DataFrame:
    """Return a copy of `df` with each of `columns` replaced by pseudonyms.

    Parameters
    ----------
    df : pandas.DataFrame
        The extract; never modified.
    columns : sequence of str
        Identifier columns to replace (a single ``str`` is one column).
    key : bytes
        The secret key, at least :data:`MIN_KEY_BYTES` long.
    length : int
        Number of hex characters kept, 16 to 64.

    Returns
    -------
    pandas.DataFrame
        A new frame. Missing values, and values that are empty once
        normalised, are missing. Whole numbers are converted with ``str``
        first, so the int ``9434765919`` and ``"943 476 5919"`` match.

    Raises
    ------
    UserError
        A column is absent or duplicated, or holds values that are neither
        text nor whole numbers; bad `key` or `length`.
    """
    _check_length(length)
    _check_key(key)
    if isinstance(columns, str):
        columns = [columns]
    names = [str(c) for c in df.columns]
    for column in columns:
        if column not in df.columns:
            raise UserError(f"column '{column}' not in the file; columns are: {', '.join(names)}")
        if names.count(str(column)) > 1:
            raise UserError(f"column '{column}' appears more than once in the file")
    out = df.copy()
    cache: dict[str, str | None] = {}
    for column in dict.fromkeys(columns):
        pseudonyms = []
        for value in df[column]:
            if pd.api.types.is_scalar(value) and pd.isna(value):
                pseudonyms.append(None)
                continue
            text = _as_text(value, column)
            if text not in cache:
                cache[text] = (pseudonymise_value(text, key, length)
                               if normalise_identifier(text) else None)
            pseudonyms.append(cache[text])
        out[column] = pd.Series(pseudonyms, index=df.index)
    return out
