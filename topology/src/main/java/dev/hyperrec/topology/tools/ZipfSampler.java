package dev.hyperrec.topology.tools;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws ranks {@code r} in {@code [0, n)} from the discrete Zipf distribution
 * {@code P(r) = (r + 1)^-s / H(n, s)}, exactly: inverse CDF over a precomputed table of cumulative
 * weights (binary search, O(log n) a draw, 8 bytes a rank). The benchmarks use it for user activity
 * (a few very active users, a long tail), where the continuous approximation that
 * {@code SyntheticData} uses for item popularity would misplace the mass of the first ranks.
 */
public final class ZipfSampler {
    private final double exponent;
    private final double[] cumulative;

    /**
     * @param n        ranks (≥ 1)
     * @param exponent {@code s} ≥ 0; 0 is uniform
     */
    public ZipfSampler(int n, double exponent) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, was " + n);
        }
        if (!(exponent >= 0) || Double.isInfinite(exponent)) {
            throw new IllegalArgumentException("exponent must be finite and >= 0, was " + exponent);
        }
        this.exponent = exponent;
        this.cumulative = new double[n];
        double sum = 0;
        for (int r = 0; r < n; r++) {
            sum += Math.pow(r + 1, -exponent);
            cumulative[r] = sum;
        }
    }

    public int size() {
        return cumulative.length;
    }

    public double exponent() {
        return exponent;
    }

    /** {@code P(rank)}. */
    public double probability(int rank) {
        if (rank < 0 || rank >= cumulative.length) {
            throw new IllegalArgumentException("rank must be in [0, " + cumulative.length + "), was " + rank);
        }
        return Math.pow(rank + 1, -exponent) / cumulative[cumulative.length - 1];
    }

    /** One rank, from one {@code nextDouble()} of {@code rnd}. */
    public int sample(SplittableRandom rnd) {
        double u = rnd.nextDouble() * cumulative[cumulative.length - 1];
        int i = Arrays.binarySearch(cumulative, u);
        // an exact hit on a boundary belongs to the next rank: the interval of rank r is [C(r-1), C(r))
        int r = i >= 0 ? i + 1 : -i - 1;
        return Math.min(r, cumulative.length - 1);
    }
}
