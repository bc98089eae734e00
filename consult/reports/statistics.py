"""Descriptive statistics from value counts: no data access here, only arithmetic.

Ratings arrive as {value: count} (value None = "cannot judge"), so a summary costs
O(scale) whatever the number of raters. The method is documented in docs/analysis.md.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

# Two-sided 95% critical values of Student's t (0.975 quantile) by degrees of freedom.
T_975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}
Z_975 = NormalDist().inv_cdf(0.975)  # 1.95996...

# Groups "disagree" on a criterion when their means span at least this much on a 1-5 scale
# (scaled for other scales), counting only groups with at least DISAGREE_MIN_N raters.
DISAGREE_RANGE = 1.0
DISAGREE_MIN_N = 2


def t_critical(df: int) -> float:
    """The 0.975 quantile of t with df degrees of freedom.

    Exact table for df 1..30; between 30 and 120 the nearest tabulated df below (a slightly
    wider, conservative interval); above 120 the normal quantile.
    """
    if df < 1:
        raise ValueError("df must be at least 1")
    if df in T_975:
        return T_975[df]
    if df > 120:
        return Z_975
    return T_975[max(k for k in T_975 if k <= df)]


@dataclass
class Summary:
    """Raters, mean, median, 95% CI and distribution of one set of ratings."""

    scale_max: int
    distribution: dict[int, int] = field(default_factory=dict)  # 1..scale_max -> count
    cannot_judge: int = 0

    @property
    def n(self) -> int:
        return sum(self.distribution.values())

    @property
    def answers(self) -> int:
        """Everyone who answered, including "cannot judge"."""
        return self.n + self.cannot_judge

    @property
    def mean(self) -> float | None:
        n = self.n
        if not n:
            return None
        return sum(v * c for v, c in self.distribution.items()) / n

    @property
    def median(self) -> float | None:
        n = self.n
        if not n:
            return None
        middle = [(n - 1) // 2, n // 2]  # 0-based positions; equal when n is odd
        found: list[int] = []
        seen = 0
        for value in sorted(self.distribution):
            count = self.distribution[value]
            for position in middle:
                if seen <= position < seen + count:
                    found.append(value)
            seen += count
        return sum(found) / len(found)

    @property
    def sd(self) -> float | None:
        """Sample standard deviation (n - 1)."""
        n, mean = self.n, self.mean
        if n < 2 or mean is None:
            return None
        squares = sum(c * (v - mean) ** 2 for v, c in self.distribution.items())
        return math.sqrt(squares / (n - 1))

    @property
    def ci95(self) -> tuple[float, float] | None:
        """95% interval of the mean that never leaves the scale; None under two raters.

        The mean is rescaled to p = (mean - 1) / (scale_max - 1) in [0, 1] and given a Wilson
        score interval, then mapped back. Why this is sound: a rating bounded in [0, 1] with
        mean p has variance at most p(1 - p) (Bhatia-Davis inequality), which is exactly the
        variance the Wilson interval assumes, so the interval is conservative for any
        distribution of ratings; and unlike mean +/- t*s/sqrt(n) it stays inside [0, 1] by
        construction, so it never claims a mean above the scale (e.g. 3.58-5.42 on 1-5).
        It is wider than the t-interval when raters agree; with few raters that is honest.
        """
        return bounded_interval(self.mean, self.n, self.scale_max)

    def counts(self) -> list[int]:
        """Counts for 1..scale_max in order, zeros included."""
        return [self.distribution.get(v, 0) for v in range(1, self.scale_max + 1)]

    def add(self, value: int | None, count: int) -> None:
        if value is None:
            self.cannot_judge += count
        else:
            self.distribution[value] = self.distribution.get(value, 0) + count


def bounded_interval(
    mean: float | None, n: int, scale_max: int, z: float = Z_975
) -> tuple[float, float] | None:
    """Wilson score interval of a mean on the scale 1..scale_max (see Summary.ci95)."""
    if mean is None or n < 2 or scale_max < 2:
        return None
    width = scale_max - 1
    p = (mean - 1) / width
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    # Clamp only floating-point noise: mathematically low <= p <= high within [0, 1].
    low = max(0.0, min(p, centre - half))
    high = min(1.0, max(p, centre + half))
    return (1 + low * width, 1 + high * width)


# Ranking: each strategy's mean is shrunk toward the mean of all ranked ratings as if it had
# PRIOR_WEIGHT more ratings at that overall mean (a Bayesian average), so one enthusiastic
# rating cannot outrank a strategy several people rated highly.
PRIOR_WEIGHT = 5


def pooled_mean(summaries: Iterable[Summary]) -> float | None:
    """The mean of all ratings of several summaries together (None without ratings)."""
    total = count = 0
    for summary in summaries:
        total += sum(v * c for v, c in summary.distribution.items())
        count += summary.n
    return total / count if count else None


def shrunk_mean(
    summary: Summary, prior_mean: float, prior_weight: float = PRIOR_WEIGHT
) -> float | None:
    """Bayesian average (prior_weight * prior_mean + n * mean) / (prior_weight + n)."""
    if summary.mean is None:
        return None
    n = summary.n
    return (prior_weight * prior_mean + n * summary.mean) / (prior_weight + n)


def summarise(
    counts: Mapping[int | None, int] | Iterable[tuple[int | None, int]], scale_max: int
) -> Summary:
    """A Summary from {value: count} or (value, count) pairs."""
    summary = Summary(scale_max=scale_max)
    items = counts.items() if isinstance(counts, Mapping) else counts
    for value, count in items:
        summary.add(value, count)
    return summary


def shift(pre: Summary | None, post: Summary | None) -> float | None:
    """Post-FGD mean minus pre-FGD mean, when both exist."""
    if pre is None or post is None or pre.mean is None or post.mean is None:
        return None
    return post.mean - pre.mean


def disagreement_threshold(scale_max: int) -> float:
    """DISAGREE_RANGE on a 1-5 scale, stretched to the same share of other scales."""
    return DISAGREE_RANGE * (scale_max - 1) / 4


def group_range(by_group: Mapping[object, Summary], min_n: int = DISAGREE_MIN_N) -> float | None:
    """Highest minus lowest group mean among groups with at least min_n raters.

    None unless at least two groups qualify.
    """
    means = [s.mean for s in by_group.values() if s.n >= min_n and s.mean is not None]
    if len(means) < 2:
        return None
    return max(means) - min(means)


def groups_disagree(by_group: Mapping[object, Summary], scale_max: int) -> bool:
    """True when the range of group means reaches the documented threshold."""
    spread = group_range(by_group)
    return spread is not None and spread >= disagreement_threshold(scale_max) - 1e-9


@dataclass
class PairedShift:
    """The mean change of the same people between two phases, with its 95% t-interval."""

    n: int
    mean_before: float | None
    mean_after: float | None
    mean_difference: float | None
    sd_difference: float | None
    ci95: tuple[float, float] | None


def paired_shift(pairs: Iterable[tuple[int, int]]) -> PairedShift:
    """(before, after) values of the same raters -> mean of after - before with a 95%
    Student-t interval (df = n - 1); no interval for fewer than two pairs."""
    pairs = list(pairs)
    n = len(pairs)
    if n == 0:
        return PairedShift(0, None, None, None, None, None)
    differences = [after - before for before, after in pairs]
    mean_difference = sum(differences) / n
    mean_before = sum(before for before, _ in pairs) / n
    mean_after = sum(after for _, after in pairs) / n
    if n < 2:
        return PairedShift(n, mean_before, mean_after, mean_difference, None, None)
    variance = sum((d - mean_difference) ** 2 for d in differences) / (n - 1)
    sd = math.sqrt(variance)
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return PairedShift(
        n,
        mean_before,
        mean_after,
        mean_difference,
        sd,
        (mean_difference - half, mean_difference + half),
    )
