"""placerisk: early, fair and accountable family risk stratification.

This package holds the command line, the configuration and the wiring; the
domain packages (``features``, ``training``, ``scoring``, ``fairness``,
``models``) hold no CLI or file-layout concerns.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
