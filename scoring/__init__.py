"""Weekly batch scoring of the champion model into per-team lists (later issue)."""
