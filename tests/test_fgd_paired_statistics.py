"""Paired shift statistics against values computed by hand."""

import math

import pytest

from consult.reports.statistics import paired_shift


def test_paired_shift_matches_a_hand_computation():
    # Differences 1, 2, 0, 1: mean 1, sample variance ((0)^2+(1)^2+(1)^2+(0)^2)/3 = 2/3,
    # sd 0.8165, se = 0.8165/2 = 0.40825, t(3) = 3.182 -> half width 1.29905.
    shift = paired_shift([(2, 3), (3, 5), (4, 4), (1, 2)])
    assert shift.n == 4
    assert shift.mean_before == 2.5 and shift.mean_after == 3.5
    assert shift.mean_difference == 1.0
    assert shift.sd_difference == pytest.approx(math.sqrt(2 / 3))
    low, high = shift.ci95
    assert low == pytest.approx(1 - 1.29905, abs=1e-4)
    assert high == pytest.approx(1 + 1.29905, abs=1e-4)


def test_identical_changes_give_a_zero_width_interval():
    shift = paired_shift([(1, 3), (2, 4), (3, 5)])
    assert shift.mean_difference == 2 and shift.ci95 == (2.0, 2.0)


def test_a_single_pair_has_a_mean_but_no_interval_and_none_has_nothing():
    one = paired_shift([(4, 2)])
    assert (one.n, one.mean_difference, one.ci95) == (1, -2.0, None)
    none = paired_shift([])
    assert (none.n, none.mean_difference, none.ci95) == (0, None, None)
