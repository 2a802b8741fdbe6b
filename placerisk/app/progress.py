"""Progress lines on stderr: readable in a terminal and in CI logs alike (no bars)."""

from __future__ import annotations

import sys
import time


def say(message: str) -> None:
    """One line on stderr, flushed at once."""
    print(message, file=sys.stderr, flush=True)


class Progress:
    """One line per step with elapsed seconds."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        say(f"[{time.perf_counter() - self.started:7.1f} s] {message}")
