"""Estimators, baselines and the deployable model bundle (issue 4)."""
