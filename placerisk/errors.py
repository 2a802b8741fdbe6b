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
