"""Statistics from value counts, checked against values computed by hand."""

import math

import pytest

from consult.reports.statistics import (
    Summary,
    disagreement_threshold,
    group_range,
    groups_disagree,
    shift,
    summarise,
    t_critical,
)


def test_mean_median_and_confidence_interval_of_a_small_sample():
    # 1, 2, 2, 3, 5: mean 2.6, median 2, s^2 = 9.2 / 4 = 2.3, t(4) = 2.776
    summary = summarise({1: 1, 2: 2, 3: 1, 5: 1}, scale_max=5)
    assert summary.n == 5
    assert summary.mean == pytest.approx(2.6)
    assert summary.median == 2
    assert summary.sd == pytest.approx(math.sqrt(2.3))
    half = 2.776 * math.sqrt(2.3) / math.sqrt(5)
    low, high = summary.ci95
    assert low == pytest.approx(2.6 - half)
    assert high == pytest.approx(2.6 + half)
    assert (round(low, 3), round(high, 3)) == (0.717, 4.483)


def test_median_of_even_count_is_the_mean_of_the_middle_two():
    assert summarise({1: 1, 2: 1, 4: 1, 5: 1}, 5).median == 3
    assert summarise({4: 2}, 5).median == 4


def test_distribution_lists_every_point_of_the_scale():
    assert summarise({2: 3, 5: 1}, 5).counts() == [0, 3, 0, 0, 1]


def test_cannot_judge_is_counted_separately_and_left_out_of_the_mean():
    summary = summarise([(None, 4), (5, 1), (3, 1)], 5)
    assert summary.cannot_judge == 4
    assert summary.n == 2
    assert summary.answers == 6
    assert summary.mean == 4


def test_no_interval_below_two_raters_and_nothing_without_raters():
    assert summarise({3: 1}, 5).ci95 is None
    empty = Summary(5)
    assert empty.mean is None and empty.median is None and empty.ci95 is None


def test_t_quantiles_use_the_table_then_the_normal_distribution():
    assert t_critical(1) == 12.706
    assert t_critical(30) == 2.042
    assert t_critical(45) == 2.021  # conservative: the tabulated df below
    assert t_critical(500) == pytest.approx(1.95996, abs=1e-4)


def test_shift_is_post_mean_minus_pre_mean():
    pre = summarise({2: 2, 3: 2}, 5)  # 2.5
    post = summarise({4: 3, 5: 1}, 5)  # 4.25
    assert shift(pre, post) == pytest.approx(1.75)
    assert shift(pre, Summary(5)) is None


def test_groups_disagree_when_their_means_span_a_point_with_two_raters_each():
    groups = {
        1: summarise({4: 2}, 5),  # 4.0
        2: summarise({3: 1, 2: 1}, 5),  # 2.5
        3: summarise({1: 1}, 5),  # one rater: ignored
    }
    assert group_range(groups) == pytest.approx(1.5)
    assert groups_disagree(groups, 5)
    close = {1: summarise({4: 2}, 5), 2: summarise({4: 1, 3: 1}, 5)}  # 4.0 vs 3.5
    assert not groups_disagree(close, 5)
    lonely = {1: summarise({5: 2}, 5), 2: summarise({1: 1}, 5)}
    assert group_range(lonely) is None and not groups_disagree(lonely, 5)


def test_disagreement_threshold_scales_with_the_scale():
    assert disagreement_threshold(5) == 1.0
    assert disagreement_threshold(9) == 2.0
