"""The one home of small-number suppression: small counts withheld, and with a group's total
shown, enough other cells withheld that none can be worked out by subtraction."""

from __future__ import annotations

from planner.domain.small_numbers import (
    Withheld,
    is_small,
    share_withheld,
    shown_count,
    withhold_group,
)


def test_a_count_from_1_to_n_minus_1_is_small_and_reads_fewer_than_n():
    assert [is_small(n, 5) for n in (None, 0, 1, 4, 5)] == [False, False, True, True, False]
    assert shown_count(3, 5) == "fewer than 5" and shown_count(0, 5) == "0"
    assert shown_count(1234, 5) == "1,234"


def test_a_share_is_withheld_when_its_whole_part_or_rest_is_small():
    assert share_withheld(19, 20, 5)  # 1 not supervised
    assert share_withheld(2, 20, 5)
    assert share_withheld(3, 3, 5)  # a share of 3 young people
    assert not share_withheld(10, 20, 5) and not share_withheld(0, 20, 5)


def test_a_group_withholds_the_next_smallest_cell_so_no_cell_can_be_subtracted_out():
    # one small cell: the next smallest is withheld too (7 less 5 would give the 2)
    assert withhold_group({"a": 2, "b": 5, "c": 0}, 7, 5) == Withheld(frozenset("ab"), False)
    # two small cells adding up to a small number: another is withheld
    cells = {"a": 1, "b": 2, "c": 6, "d": 9}
    assert withhold_group(cells, 18, 5) == Withheld(frozenset("abc"), False)
    # two small cells that together are not small are enough
    assert withhold_group({"a": 3, "b": 4, "c": 9}, 16, 5) == Withheld(frozenset("ab"), False)
    # nothing small: nothing withheld
    assert withhold_group({"a": 5, "b": 0}, 5, 5) == Withheld(frozenset(), False)
    # a small total: it and every cell that is not 0
    assert withhold_group({"a": 3, "b": 0}, 3, 5) == Withheld(frozenset("a"), True)
