package dev.hyperrec.operators.random;

import dev.hyperrec.operators.ItemKeys;

/**
 * Beta(alpha, beta) variates as {@code X / (X + Y)} with {@code X ~ Gamma(alpha)},
 * {@code Y ~ Gamma(beta)} ({@link GammaSampler}, Marsaglia &amp; Tsang 2000), for Thompson sampling
 * (Thompson 1933; Chapelle &amp; Li 2011).
 *
 * <p>The Philox key of a draw is {@code K = mix64(mix64(seed) ^ streamKey)} ({@link ItemKeys#mix64},
 * SplitMix64's finaliser; for a fixed seed distinct stream keys give distinct Philox keys). {@code X}
 * uses domain 0 and {@code Y} domain 1 of the item's counter space (see {@link GammaSampler} for the
 * counter layout), so the draw for an item is a pure function of
 * {@code (seed, streamKey, itemKey, alpha, beta)}: independent of the batch it is computed in and of
 * the backend (within the tolerance stated in {@link GammaSampler}).
 */
public final class BetaSampler {
    /** Lower clamp of {@link #sampleFloat}: {@code 2^-24}. */
    public static final float MIN_DRAW = 0x1p-24f;
    /** Upper clamp of {@link #sampleFloat}: {@code 1 - 2^-24}, the largest float below 1. */
    public static final float MAX_DRAW = 1f - 0x1p-24f;

    private BetaSampler() {
    }

    /** The 64-bit Philox key of the stream {@code (seed, streamKey)}. */
    public static long philoxKey(long seed, long streamKey) {
        return ItemKeys.mix64(ItemKeys.mix64(seed) ^ streamKey);
    }

    /**
     * One Beta(alpha, beta) draw in [0, 1].
     *
     * @param alpha finite, &gt; 0
     * @param beta  finite, &gt; 0
     */
    public static double sample(long seed, long streamKey, long itemKey, double alpha, double beta) {
        long key = philoxKey(seed, streamKey);
        double x = GammaSampler.sample(alpha, key, 0, itemKey);
        double y = GammaSampler.sample(beta, key, 1, itemKey);
        double s = x + y;
        // Both variates underflow to 0 only for tiny shapes (< 1e-3); the draw is then uninformative.
        return s > 0.0 ? x / s : 0.5;
    }

    /**
     * {@link #sample} rounded to float and clamped into {@code [2^-24, 1 - 2^-24]}, so that the
     * result lies strictly inside (0, 1) as {@link dev.hyperrec.operators.ThompsonSampler} promises.
     */
    public static float sampleFloat(long seed, long streamKey, long itemKey, double alpha, double beta) {
        float f = (float) sample(seed, streamKey, itemKey, alpha, beta);
        return f < MIN_DRAW ? MIN_DRAW : (f > MAX_DRAW ? MAX_DRAW : f);
    }
}
