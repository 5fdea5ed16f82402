"""Small numbers: the one home for withholding a count of young people that could single
someone out, wherever a figure leaves the service (the board's exception report and its
trends, the fairness audit).

The threshold N is the one setting ``PLANNER_SMALL_NUMBER`` (5 by default:
:attr:`planner.core.settings.Settings.small_number`); callers pass it in, so these rules stay
pure. A count of 1 to N-1 is withheld and reads "fewer than N"; 0 is shown (nobody can be
singled out of nobody). A share (a percentage) is withheld when its whole is small, or when
the part or the rest is: "95% of 20" tells a reader that 1 young person is the exception.

**Secondary suppression.** Withholding one cell of a group whose total is shown hides
nothing: the total less the cells shown is the cell withheld. So in a group with its total
shown, the smallest other cells are withheld too, until at least two are withheld and
together they are not a small number; if that cannot be done, the total is withheld
(:func:`withhold_group`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NOT_SHOWN = "not shown"  # withheld only so that a small count cannot be worked out


def is_small(count: int | None, threshold: int) -> bool:
    """A count that could single someone out: 1 to ``threshold`` - 1."""
    return count is not None and 0 < count < threshold


def fewer_than(threshold: int) -> str:
    """How a withheld count reads: "fewer than 5"."""
    return f"fewer than {threshold}"


def shown_count(count: int, threshold: int) -> str:
    """A count as a reader sees it: "fewer than 5" for 1-4, else the number."""
    return fewer_than(threshold) if is_small(count, threshold) else f"{count:,}"


def share_withheld(part: int, whole: int, threshold: int) -> bool:
    """A share ``part`` of ``whole`` is withheld when the whole, the part or the rest is a
    small number (each could be worked out from the share and the whole)."""
    return any(is_small(n, threshold) for n in (whole, part, whole - part))


@dataclass(frozen=True)
class Withheld:
    """Which cells of a group are withheld, and whether its total is."""

    cells: frozenset[str]
    total: bool


def withhold_group(cells: Mapping[str, int], total: int, threshold: int) -> Withheld:
    """The cells of a group (summing to ``total``) to withhold: each small cell, then, with
    the total shown, the smallest cells shown until the withheld ones cannot be worked out
    by subtraction (at least two, together not small). A small total is withheld with every
    cell; a total whose withheld cells could still be worked out is withheld too."""
    if is_small(total, threshold):
        return Withheld(frozenset(k for k, v in cells.items() if v), True)
    out = {k for k, v in cells.items() if is_small(v, threshold)}
    if not out:
        return Withheld(frozenset(), False)
    rest = sorted((v, k) for k, v in cells.items() if k not in out and v > 0)

    def derivable() -> bool:
        return len(out) < 2 or is_small(sum(cells[k] for k in out), threshold)

    while rest and derivable():
        out.add(rest.pop(0)[1])
    return Withheld(frozenset(out), derivable())
