"""placerisk: early, fair and accountable family risk stratification.

Domain packages (pure, no files or CLI): ``placerisk.features``,
``placerisk.models``, ``placerisk.fairness``, ``placerisk.training``,
``placerisk.scoring``. Data tooling: ``placerisk.datatools`` (synthetic data,
contracts, privacy). The application layer, one module per command, the
catalog of artefacts and the promotion gate: ``placerisk.app``. See
``docs/architecture.md``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
