"""Temporal validation, candidate models and MLflow tracking (issue 4)."""
