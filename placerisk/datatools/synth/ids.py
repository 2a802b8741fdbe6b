"""Pseudonymous-looking ids: a keyed bijection of an index, as 16 hex characters.

Partners send ids already replaced by a keyed hash (see ``placerisk.datatools.privacy``);
the generator imitates that with splitmix64, a bijection on 64-bit integers, so
distinct indices always give distinct ids (no collision check needed).
"""

from __future__ import annotations

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijection on uint64."""
    z = np.asarray(x, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def hex_ids(index: np.ndarray, salt: int) -> np.ndarray:
    """Distinct 16-character lowercase hex ids for distinct ``index`` values."""
    with np.errstate(over="ignore"):
        mixed = splitmix64(np.asarray(index, dtype=np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF))
    nibbles = mixed.astype(">u8").view(np.uint8).reshape(-1, 8)
    chars = np.empty((len(mixed), 16), dtype=np.uint8)
    chars[:, 0::2] = _HEX[nibbles >> 4]
    chars[:, 1::2] = _HEX[nibbles & 15]
    return chars.view("S16").ravel().astype(str)
