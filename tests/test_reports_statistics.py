"""Statistics from value counts, checked against values computed by hand."""

import math

import pytest

from consult.reports.statistics import (
    PRIOR_WEIGHT,
    Summary,
    disagreement_threshold,
    group_range,
    groups_disagree,
    pooled_mean,
    shift,
    shrunk_mean,
    summarise,
    t_critical,
)


def test_mean_median_and_bounded_interval_of_a_small_sample():
    # 1, 2, 2, 3, 5: mean 2.6, median 2, s^2 = 9.2 / 4 = 2.3.
    # Interval by hand (Wilson on the scale rescaled to [0, 1]), z = 1.959964, z^2 = 3.841459:
    #   p = (2.6 - 1) / 4 = 0.4, n = 5, z^2/n = 0.768292
    #   centre = (0.4 + 0.384146) / 1.768292 = 0.443449
    #   half = 1.959964 / 1.768292 * sqrt(0.4 * 0.6 / 5 + 0.768292 / 20)
    #        = 1.108393 * sqrt(0.0864146) = 1.108393 * 0.293964 = 0.325828
    #   [0.117621, 0.769277] -> 1 + 4 * p: [1.4705, 4.0771]
    summary = summarise({1: 1, 2: 2, 3: 1, 5: 1}, scale_max=5)
    assert summary.n == 5
    assert summary.mean == pytest.approx(2.6)
    assert summary.median == 2
    assert summary.sd == pytest.approx(math.sqrt(2.3))
    low, high = summary.ci95
    assert low == pytest.approx(1.4705, abs=1e-4)
    assert high == pytest.approx(4.0771, abs=1e-4)


def test_interval_never_runs_past_the_top_of_the_scale():
    # 5, 5, 5: the t-interval would be 5 - 5 (s = 0) and 4, 5, 5 gives 3.23 - 6.10 with t.
    # Wilson, p = 1, n = 3, z^2/n = 1.280486:
    #   centre = (1 + 0.640243) / 2.280486 = 0.719250
    #   half = 1.959964 / 2.280486 * sqrt(1.280486 / 12) = 0.859450 * 0.326660 = 0.280747
    #   [0.438503, 1] -> [2.7540, 5.0]
    low, high = summarise({5: 3}, 5).ci95
    assert low == pytest.approx(2.7540, abs=1e-4)
    assert high == 5.0
    # 4, 5, 5: p = 11/12 = 0.916667
    #   centre = (0.916667 + 0.640243) / 2.280486 = 0.682710
    #   half = 0.859450 * sqrt(0.916667 * 0.083333 / 3 + 0.106707)
    #        = 0.859450 * sqrt(0.025463 + 0.106707) = 0.859450 * 0.363552 = 0.312455
    #   [0.370255, 0.995165] -> [2.4810, 4.9807]
    low, high = summarise({4: 1, 5: 2}, 5).ci95
    assert (low, high) == (pytest.approx(2.4810, abs=1e-4), pytest.approx(4.9807, abs=1e-4))
    low, high = summarise({1: 2}, 5).ci95
    assert low == 1.0 and high < 5


def test_interval_stays_on_a_seven_point_scale():
    # 7, 7 on 1..7: p = 1, n = 2, z^2/n = 1.920729
    #   centre = (1 + 0.960365) / 2.920729 = 0.671189, half = 1.959964 / 2.920729
    #   * sqrt(1.920729 / 8) = 0.671054 * 0.489992 = 0.328811 -> [0.342378, 1] -> [3.0543, 7]
    low, high = summarise({7: 2}, 7).ci95
    assert low == pytest.approx(3.0543, abs=1e-4) and high == 7.0


def test_shrunk_mean_pulls_few_ratings_toward_the_overall_mean():
    # A: one 5; B: 5, 5, 5, 4; C: six 3s. Overall mean (5 + 19 + 18) / 11 = 3.818182.
    # Prior weight 5: A = (5 * 3.818182 + 5) / 6 = 4.015152
    #                 B = (19.090909 + 19) / 9 = 4.232323
    #                 C = (19.090909 + 18) / 11 = 3.371901
    a, b, c = summarise({5: 1}, 5), summarise({5: 3, 4: 1}, 5), summarise({3: 6}, 5)
    prior = pooled_mean([a, b, c])
    assert prior == pytest.approx(42 / 11)
    assert shrunk_mean(a, prior, 5) == pytest.approx(4.015152, abs=1e-6)
    assert shrunk_mean(b, prior, 5) == pytest.approx(4.232323, abs=1e-6)
    assert shrunk_mean(c, prior, 5) == pytest.approx(3.371901, abs=1e-6)
    assert PRIOR_WEIGHT == 5
    assert shrunk_mean(Summary(5), prior) is None and pooled_mean([Summary(5)]) is None


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
