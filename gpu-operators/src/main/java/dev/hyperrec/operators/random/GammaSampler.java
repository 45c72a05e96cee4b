package dev.hyperrec.operators.random;

import dev.hyperrec.operators.OperatorException;

/**
 * Gamma(shape, 1) variates by Marsaglia &amp; Tsang, "A simple method for generating gamma
 * variables" (ACM TOMS 26(3), 2000), drawing from a Philox4x32-10 stream ({@link Philox4x32}).
 *
 * <p><b>Shape &ge; 1.</b> {@code d = shape - 1/3}, {@code c = 1 / sqrt(9 d)}; each attempt draws a
 * standard normal {@code x} and a uniform {@code u3}, sets {@code v = (1 + c x)^3}, rejects when
 * {@code 1 + c x <= 0}, accepts when {@code u3 < 1 - 0.0331 x^4} (the squeeze) or when
 * {@code log(u3) < x^2/2 + d (1 - v + log v)}, and returns {@code d v}. The acceptance rate exceeds
 * 95% for every shape &ge; 1. <b>Shape &lt; 1</b> uses the boosting identity of the same paper:
 * {@code Gamma(a) = Gamma(a + 1) * U^(1/a)}, with {@code U^(1/a)} computed as {@code exp(log(U) / a)}.
 *
 * <p><b>Stream layout</b> (what a CUDA kernel must reproduce). Attempt {@code j = 0, 1, ...} uses one
 * Philox block, counter {@code (j, domain, lo32(itemKey), hi32(itemKey))} under the 64-bit key
 * {@code (lo32(key), hi32(key))}; its four words give {@code u1 = U(w0, w1)} (52 bits: the normal's
 * tail comes from {@code log u1}), {@code u2 = U32(w2)} and {@code u3 = U32(w3)} (32 bits are plenty
 * for an angle and an acceptance test), with {@code U} = {@link Philox4x32#uniform} and
 * {@code U32} = {@link Philox4x32#uniform32}. The normal is Box–Muller's first output,
 * {@code x = sqrt(-2 log u1) * cos(2 pi u2)} with {@code 2 pi = 6.283185307179586}. The boosting
 * uniform (shape &lt; 1 only) is {@code U(w0, w1)} of the block with counter
 * {@code (j | 2^31, domain, ...)} for the accepted attempt {@code j}. After {@value #MAX_ATTEMPTS}
 * rejected attempts (probability below 10^-40) the sampler returns {@code d} (boosted with the
 * uniform of {@code j = MAX_ATTEMPTS - 1}) so that a GPU loop is bounded. (One block an attempt, not
 * two: the GPU kernel is bound by instruction issue, and Philox is a third of its instructions.)
 *
 * <p><b>Portability.</b> The double operations are {@code + - * /}, {@code sqrt} (correctly rounded
 * in Java and CUDA) and {@code log}, {@code cos}, {@code exp}. This class uses {@link StrictMath}
 * for the latter three (fdlibm: the same bits on every JVM and platform); CUDA's {@code log},
 * {@code cos}, {@code exp} are within 1–2 ulp, so draws agree across backends to about 1e-15
 * relative, except with vanishing probability when an accept test lands within an ulp of its
 * boundary.
 */
public final class GammaSampler {
    /** Bound on Marsaglia–Tsang attempts (one Philox block each). */
    public static final int MAX_ATTEMPTS = 32;
    static final double TWO_PI = 6.283185307179586;

    private GammaSampler() {
    }

    /**
     * One Gamma(shape, 1) variate from the stream {@code (key, domain, itemKey)}.
     *
     * @param shape   finite and &gt; 0
     * @param key     the 64-bit Philox key of the stream
     * @param domain  separates independent variates of one item (e.g. 0 for Beta's alpha, 1 for beta)
     * @param itemKey the item whose variate this is
     */
    public static double sample(double shape, long key, int domain, long itemKey) {
        if (!(shape > 0 && shape < Double.POSITIVE_INFINITY)) {
            throw new OperatorException("gamma shape must be finite and > 0, was " + shape);
        }
        boolean boost = shape < 1.0;
        double a = boost ? shape + 1.0 : shape;
        double d = a - 1.0 / 3.0;
        double c = 1.0 / StrictMath.sqrt(9.0 * d);
        int k0 = (int) key;
        int k1 = (int) (key >>> 32);
        int c2 = (int) itemKey;
        int c3 = (int) (itemKey >>> 32);
        int[] w = new int[4];
        for (int j = 0; j < MAX_ATTEMPTS; j++) {
            Philox4x32.block(j, domain, c2, c3, k0, k1, w);
            double u1 = Philox4x32.uniform(w[0], w[1]);
            double u2 = Philox4x32.uniform32(w[2]);
            double u3 = Philox4x32.uniform32(w[3]);
            double x = StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(TWO_PI * u2);
            double v = 1.0 + c * x;
            if (v <= 0.0) {
                continue;
            }
            v = v * v * v;
            double x2 = x * x;
            if (u3 < 1.0 - 0.0331 * (x2 * x2)
                    || StrictMath.log(u3) < 0.5 * x2 + d * (1.0 - v + StrictMath.log(v))) {
                return boost ? d * v * boostFactor(shape, j, domain, c2, c3, k0, k1, w) : d * v;
            }
        }
        return boost ? d * boostFactor(shape, MAX_ATTEMPTS - 1, domain, c2, c3, k0, k1, w) : d;
    }

    /** {@code U^(1/shape)} with U from the block {@code (j | 2^31, domain, c2, c3)}. */
    private static double boostFactor(double shape, int j, int domain, int c2, int c3, int k0, int k1, int[] w) {
        Philox4x32.block(j | 0x8000_0000, domain, c2, c3, k0, k1, w);
        return StrictMath.exp(StrictMath.log(Philox4x32.uniform(w[0], w[1])) / shape);
    }
}
