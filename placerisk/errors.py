"""Errors that the CLI reports as one clear line, without a traceback."""

from __future__ import annotations


class PlaceriskError(Exception):
    """Base class of every error the project raises on purpose."""


class UserError(PlaceriskError):
    """Bad input from the user: a file, an argument, a config value or a key.

    The message names what was received and what was expected; the CLI prints
    it as ``error: <message>`` and exits with status 2.
    """


class ConfigError(UserError):
    """The configuration file is missing, unreadable or invalid."""


class DataError(UserError):
    """A data file is missing, unreadable, or fails its contract as a whole."""


def raised_on_purpose(err: BaseException) -> bool:
    """True when ``err`` was raised by a ``raise`` statement in placerisk's own code.

    The domain packages check their inputs and raise ``ValueError`` naming what was got and what
    was expected; those are the user's input problems. A ``ValueError`` from a library (NumPy,
    scikit-learn, ...) deep inside a step is a bug, and must not be worded as the user's mistake.
    """
    import linecache

    tb = err.__traceback__
    last = None
    while tb is not None:
        last, tb = tb, tb.tb_next
    if last is None or not str(last.tb_frame.f_globals.get("__name__", "")).startswith("placerisk"):
        return False
    line = linecache.getline(last.tb_frame.f_code.co_filename, last.tb_lineno)
    return line.lstrip().startswith("raise ")
