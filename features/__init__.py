"""Point-in-time family features, cohort and labels (issue 3)."""
