"""Fairness audit, ethics-panel reports and the promotion gate (issue 5)."""
