"""Statistics for leaderboards and paired comparisons, written with the standard library only.

- `wilson_interval`: a proportion's interval when every trial is independent.
- `cluster_bootstrap_interval`: a ratio's percentile interval when trials come in correlated
  clusters (several questions about one image, several epochs of one task). Whole clusters are
  resampled, so the interval widens as much as the correlation demands.
- `pass_at_k`: the unbiased pass@k estimator over n samples with c correct.
- `mcnemar_exact`, `mcnemar_chi_square`, `mcnemar`: tests of two paired classifiers.
- `newcombe_paired_interval`: the difference of two paired proportions (Newcombe's method 10).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Sequence

Z_95 = 1.959963984540054  # two-sided 95% quantile of the standard normal distribution
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0
# Below this many discordant pairs McNemar's chi-square approximation is poor, so the exact
# binomial test is used (the usual rule of thumb: b + c < 25).
MCNEMAR_EXACT_BELOW = 25


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Return the Wilson score interval for successes/trials (0, 0 when there are no trials).

    Wilson rather than the normal approximation because sample runs are small and accuracies
    near 0 or 1 are common; it assumes the tasks are independent.
    """
    if trials <= 0:
        return (0.0, 0.0)
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be between 0 and trials ({trials}), got {successes}")

    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half_width = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half_width), min(1.0, centre + half_width))


def cluster_bootstrap_interval(
    clusters: Sequence[tuple[float, float]],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Return the percentile bootstrap interval of sum(numerators) / sum(denominators).

    Each cluster is a (numerator, denominator) pair, for example (correct, graded) of all the
    tasks on one image. A resample draws as many clusters as there are, with replacement, so
    correlated trials always move together. The same inputs and seed give the same interval.

    Args:
        clusters: One (numerator, denominator) pair per cluster.
        resamples: How many resamples to draw.
        seed: Seed of the private random generator.
        confidence: Coverage of the interval, e.g. 0.95.

    Returns:
        (low, high); (0, 0) when there are no clusters or no denominator at all.
    """
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    total = sum(denominator for _, denominator in clusters)
    if not clusters or total <= 0:
        return (0.0, 0.0)

    rng = random.Random(seed)
    numerators = [float(numerator) for numerator, _ in clusters]
    denominators = [float(denominator) for _, denominator in clusters]
    count = len(clusters)
    estimates = []
    for _ in range(resamples):
        picks = rng.choices(range(count), k=count)
        denominator = sum(denominators[index] for index in picks)
        if denominator > 0:
            estimates.append(sum(numerators[index] for index in picks) / denominator)
    estimates.sort()

    tail = (1 - confidence) / 2
    return (_quantile(estimates, tail), _quantile(estimates, 1 - tail))


def _quantile(ordered: list[float], share: float) -> float:
    """Return the share-quantile of sorted values, interpolating linearly between neighbours."""
    position = share * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def pass_at_k(samples: int, correct: int, k: int) -> float:
    """Return the unbiased estimate of pass@k: the chance that k of the samples hold a correct one.

    It is 1 - C(n - c, k) / C(n, k) for n samples with c correct, which averages the outcome over
    every subset of k samples instead of looking at the first k only.
    """
    if not 1 <= k <= samples:
        raise ValueError(f"k must be between 1 and the number of samples ({samples}), got {k}")
    if not 0 <= correct <= samples:
        raise ValueError(f"correct must be between 0 and samples ({samples}), got {correct}")
    if samples - correct < k:
        return 1.0
    return 1.0 - math.comb(samples - correct, k) / math.comb(samples, k)


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test of two paired classifiers on b and c discordant pairs."""

    method: str  # "exact" (binomial) or "chi-square" (with continuity correction)
    statistic: float | None  # the chi-square statistic; None for the exact test
    p_value: float


def mcnemar_exact(only_first: int, only_second: int) -> float:
    """Return the two-sided exact p-value: twice the binomial tail of min(b, c) in b + c at 1/2."""
    _check_counts(only_first, only_second)
    discordant = only_first + only_second
    if discordant == 0:
        return 1.0
    smaller = min(only_first, only_second)
    tail = sum(math.comb(discordant, index) for index in range(smaller + 1)) / 2**discordant
    return min(1.0, 2 * tail)


def mcnemar_chi_square(only_first: int, only_second: int, continuity: bool = True) -> tuple[float, float]:
    """Return McNemar's chi-square statistic (one degree of freedom) and its p-value.

    With `continuity` (Edwards' correction) the statistic is (|b - c| - 1)^2 / (b + c).
    """
    _check_counts(only_first, only_second)
    discordant = only_first + only_second
    if discordant == 0:
        return (0.0, 1.0)
    difference = abs(only_first - only_second)
    if continuity:
        difference = max(0, difference - 1)
    statistic = difference * difference / discordant
    # The upper tail of a chi-square with one degree of freedom is erfc(sqrt(x / 2)).
    return (statistic, math.erfc(math.sqrt(statistic / 2)))


def mcnemar(only_first: int, only_second: int) -> McNemarResult:
    """Run the exact test below MCNEMAR_EXACT_BELOW discordant pairs, else the corrected chi-square."""
    if only_first + only_second < MCNEMAR_EXACT_BELOW:
        return McNemarResult("exact", None, mcnemar_exact(only_first, only_second))
    statistic, p_value = mcnemar_chi_square(only_first, only_second)
    return McNemarResult("chi-square", statistic, p_value)


def newcombe_paired_interval(both: int, only_first: int, only_second: int, neither: int, z: float = Z_95) -> tuple[float, float]:
    """Return Newcombe's (1998, method 10) interval for p1 - p2 of paired proportions.

    It combines the Wilson intervals of the two marginal proportions, corrected by the phi
    correlation of the 2x2 table. Cells: both correct, only the first, only the second, neither.
    Source: R. G. Newcombe, "Improved confidence intervals for the difference between binomial
    proportions based on paired data", Statistics in Medicine 17 (1998) 2635-2650.
    """
    for value in (both, neither):
        if value < 0:
            raise ValueError(f"cell counts must not be negative, got {value}")
    _check_counts(only_first, only_second)
    total = both + only_first + only_second + neither
    if total == 0:
        return (0.0, 0.0)

    first = (both + only_first) / total
    second = (both + only_second) / total
    low1, high1 = wilson_interval(both + only_first, total, z)
    low2, high2 = wilson_interval(both + only_second, total, z)

    # Method 10 shrinks a positive phi towards 0 by n/2 and keeps a negative one. It is 0 when a
    # margin of the table is empty.
    margins = (both + only_first) * (only_second + neither) * (both + only_second) * (only_first + neither)
    cross = both * neither - only_first * only_second
    corrected = cross - total / 2 if cross > total / 2 else min(cross, 0)
    phi = corrected / math.sqrt(margins) if margins > 0 else 0.0

    difference = first - second
    below = math.sqrt(max(0.0, (first - low1) ** 2 - 2 * phi * (first - low1) * (high2 - second) + (high2 - second) ** 2))
    above = math.sqrt(max(0.0, (high1 - first) ** 2 - 2 * phi * (high1 - first) * (second - low2) + (second - low2) ** 2))
    return (max(-1.0, difference - below), min(1.0, difference + above))


def _check_counts(*counts: int) -> None:
    for value in counts:
        if value < 0:
            raise ValueError(f"discordant counts must not be negative, got {value}")
