"""How long work says how far it has got: ``progress(step, steps, words)``.

The match and forecast services take one as an optional argument; the work queue
(``planner.work``) passes one that records the words on the work item, so the person who
asked reads them on the work page. The words never hold personal data."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]


def no_progress(step: int, steps: int, words: str) -> None:
    """Nobody is watching (a command, a test): progress goes nowhere."""
