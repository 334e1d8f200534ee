"""Statistics against values worked out by hand from their formulas."""

from __future__ import annotations

import math

import pytest

from pix2fact.stats import (
    MCNEMAR_EXACT_BELOW,
    cluster_bootstrap_interval,
    mcnemar,
    mcnemar_chi_square,
    mcnemar_exact,
    newcombe_paired_interval,
    pass_at_k,
    wilson_interval,
)


def test_wilson_eight_of_ten():
    # p = 0.8, z^2 = 3.8415: centre = (0.8 + 0.19207) / 1.38415 = 0.71674,
    # half width = 1.96 * sqrt(0.016 + 0.0096037) / 1.38415 = 0.22658.
    low, high = wilson_interval(8, 10)

    assert low == pytest.approx(0.49016, abs=1e-5)
    assert high == pytest.approx(0.94332, abs=1e-5)


def test_wilson_edges():
    assert wilson_interval(0, 0) == (0.0, 0.0)
    low, high = wilson_interval(0, 5)
    assert low == 0.0
    assert high == pytest.approx(3.8415 / (5 + 3.8415), abs=1e-4)  # z^2 / (n + z^2) when p = 0
    with pytest.raises(ValueError, match="between 0 and trials"):
        wilson_interval(6, 5)


@pytest.mark.parametrize(
    "samples, correct, k, expected",
    [
        pytest.param(5, 2, 2, 1 - 3 / 10, id="n5-c2-k2"),  # 1 - C(3,2)/C(5,2)
        pytest.param(5, 2, 1, 2 / 5, id="k1-is-accuracy"),
        pytest.param(4, 1, 3, 1 - 1 / 4, id="n4-c1-k3"),  # 1 - C(3,3)/C(4,3)
        pytest.param(3, 0, 3, 0.0, id="none-correct"),
        pytest.param(3, 2, 2, 1.0, id="too-few-wrong"),  # n - c < k: every k-subset holds a correct one
        pytest.param(10, 3, 5, 1 - 21 / 252, id="n10-c3-k5"),  # 1 - C(7,5)/C(10,5)
    ],
)
def test_pass_at_k(samples, correct, k, expected):
    assert pass_at_k(samples, correct, k) == pytest.approx(expected)


def test_pass_at_k_rejects_k_above_samples():
    with pytest.raises(ValueError, match="k must be between 1"):
        pass_at_k(2, 1, 3)


def test_mcnemar_exact_small_counts():
    # b = 1, c = 6: P(X <= 1) for X ~ Bin(7, 1/2) is (1 + 7) / 128, doubled.
    assert mcnemar_exact(1, 6) == pytest.approx(16 / 128)
    assert mcnemar_exact(6, 1) == pytest.approx(16 / 128)
    # b = 0, c = 5: 2 / 32.
    assert mcnemar_exact(0, 5) == pytest.approx(2 / 32)
    assert mcnemar_exact(3, 3) == 1.0
    assert mcnemar_exact(0, 0) == 1.0


def test_mcnemar_chi_square_values():
    # b = 10, c = 25: corrected (15 - 1)^2 / 35 = 5.6, p = erfc(sqrt(2.8)) = 0.017960.
    statistic, p_value = mcnemar_chi_square(10, 25)
    assert statistic == pytest.approx(5.6)
    assert p_value == pytest.approx(0.0179605, abs=1e-6)

    # Uncorrected: 15^2 / 35 = 6.4286, p = 0.011230.
    statistic, p_value = mcnemar_chi_square(10, 25, continuity=False)
    assert statistic == pytest.approx(225 / 35)
    assert p_value == pytest.approx(0.0112299, abs=1e-6)


def test_mcnemar_picks_exact_below_threshold():
    small = mcnemar(2, 9)
    assert small.method == "exact"
    assert small.statistic is None
    assert small.p_value == pytest.approx(mcnemar_exact(2, 9))

    large = mcnemar(10, MCNEMAR_EXACT_BELOW)
    assert large.method == "chi-square"
    assert large.p_value == pytest.approx(mcnemar_chi_square(10, MCNEMAR_EXACT_BELOW)[1])


def test_newcombe_paired_interval_by_hand():
    # Table: 14 both, 5 only first, 0 only second, 22 neither (n = 41).
    # p1 = 19/41, p2 = 14/41; Wilson: p1 in [0.32056, 0.61254], p2 in [0.21559, 0.49450].
    # phi: ad - bc = 308 > n/2, so (308 - 20.5) / sqrt(19 * 22 * 14 * 27) = 0.72328.
    # lower = 5/41 - sqrt(0.14285^2 - 2 * 0.72328 * 0.14285 * 0.15304 + 0.15304^2) = 0.01148
    # upper = 5/41 + sqrt(0.14912^2 - 2 * 0.72328 * 0.14912 * 0.12588 + 0.12588^2) = 0.22649
    low, high = newcombe_paired_interval(14, 5, 0, 22)

    assert low == pytest.approx(0.01148, abs=1e-4)
    assert high == pytest.approx(0.22649, abs=1e-4)


def test_newcombe_no_discordant_pairs_is_symmetric():
    low, high = newcombe_paired_interval(10, 0, 0, 10)

    assert low < 0 < high
    assert low == pytest.approx(-high)


def test_cluster_bootstrap_is_deterministic():
    clusters = [(1, 1), (0, 1), (2, 2), (0, 2), (1, 2), (3, 3), (0, 1), (1, 1)]

    first = cluster_bootstrap_interval(clusters, seed=7)
    again = cluster_bootstrap_interval(clusters, seed=7)
    other_seed = cluster_bootstrap_interval(clusters, seed=8)

    assert first == again
    assert first != other_seed
    low, high = first
    assert 0 <= low < 8 / 13 < high <= 1  # the point estimate 8/13 lies inside


def test_cluster_bootstrap_widens_with_correlation():
    # 20 images with 5 questions each, answered all right or all wrong: only 20 independent
    # units, so the interval must be about as wide as Wilson's for 20 trials, not for 100.
    clusters = [(5, 5)] * 10 + [(0, 5)] * 10
    low, high = cluster_bootstrap_interval(clusters)
    wilson_100 = wilson_interval(50, 100)
    wilson_20 = wilson_interval(10, 20)

    assert high - low > (wilson_100[1] - wilson_100[0]) * 1.5
    assert high - low == pytest.approx(wilson_20[1] - wilson_20[0], abs=0.12)


def test_cluster_bootstrap_edges():
    assert cluster_bootstrap_interval([]) == (0.0, 0.0)
    assert cluster_bootstrap_interval([(0, 0)]) == (0.0, 0.0)
    with pytest.raises(ValueError, match="resamples"):
        cluster_bootstrap_interval([(1, 1)], resamples=0)
    assert math.isclose(cluster_bootstrap_interval([(1, 2)] * 5)[0], 0.5)
