package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.OperatorException;

/**
 * The row hashes of a Count-Min sketch: {@code h_i(x) = ((a_i x + b_i) mod p) mod w} with the
 * Mersenne prime {@code p = 2^61 - 1}, a pairwise-independent family (Carter &amp; Wegman 1979) as
 * required by the Count-Min analysis (Cormode &amp; Muthukrishnan 2005).
 *
 * <p>Parameters are drawn from a SplitMix64 sequence (Steele, Lea &amp; Flood 2014) seeded by the
 * sketch's seed: state {@code s = seed}; {@code next() = mix64(s += 0x9E3779B97F4A7C15)}; then for
 * each row in order {@code a_i = 1 + next() mod (p - 1)} and {@code b_i = next() mod p}, with
 * {@code mod} taken on the unsigned 64-bit value. A key is first reduced to {@code x mod p}
 * (unsigned). All arithmetic is exact 64/128-bit integer arithmetic, so a CUDA kernel reproduces it
 * bit for bit with {@code __umul64hi}.
 */
public final class CountMinHash {
    /** The Mersenne prime 2^61 - 1. */
    public static final long P = (1L << 61) - 1;
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final int width;
    private final double inverseWidth;
    private final long[] a;
    private final long[] b;

    public CountMinHash(int depth, int width, long seed) {
        if (depth <= 0 || width <= 0) {
            throw new OperatorException("depth and width must be > 0, were " + depth + ", " + width);
        }
        this.width = width;
        this.inverseWidth = 1.0 / width;
        a = new long[depth];
        b = new long[depth];
        long state = seed;
        for (int i = 0; i < depth; i++) {
            state += GOLDEN_GAMMA;
            a[i] = 1 + Long.remainderUnsigned(ItemKeys.mix64(state), P - 1);
            state += GOLDEN_GAMMA;
            b[i] = Long.remainderUnsigned(ItemKeys.mix64(state), P);
        }
    }

    public int depth() {
        return a.length;
    }

    public int width() {
        return width;
    }

    /** Multiplier {@code a_row} (for backends that upload the parameters). */
    public long a(int row) {
        return a[row];
    }

    /** Offset {@code b_row}. */
    public long b(int row) {
        return b[row];
    }

    /** The column of {@code key} in {@code row}, in {@code [0, width)}. */
    public int bucket(int row, long key) {
        long h = mulMod(a[row], reduce(key)) + b[row];
        if (h >= P) {
            h -= P;
        }
        return mod(h);
    }

    /**
     * {@code h % width} for {@code 0 <= h < 2^61} without a 64-bit division (the sketch hashes several rows for every
     * key it counts or estimates, and the division was most of that): the quotient is estimated in double and the
     * remainder corrected into {@code [0, width)}, so the result is exact. The estimate is off by at most one for
     * widths of 1,024 and more (relative error below 2^-51 on a quotient below 2^51); the loops cover any width.
     */
    int mod(long h) {
        long q = (long) (h * inverseWidth);
        long r = h - q * width;
        while (r < 0) {
            r += width;
        }
        while (r >= width) {
            r -= width;
        }
        return (int) r;
    }

    /** {@code x mod p} for {@code x} read as an unsigned 64-bit integer. */
    public static long reduce(long x) {
        long r = (x & P) + (x >>> 61);
        return r >= P ? r - P : r;
    }

    /**
     * {@code (a * x) mod p} for {@code 0 <= a, x < p}, exact: the 122-bit product is split into
     * {@code hi * 2^64 + lo} and folded with {@code 2^61 = 1 (mod p)}.
     */
    public static long mulMod(long a, long x) {
        long lo = a * x;
        long hi = Math.multiplyHigh(a, x); // < 2^58 since a, x < 2^61
        // hi * 2^64 + lo = hi * 8 * 2^61 + (lo >>> 61) * 2^61 + (lo & P) = hi * 8 + (lo >>> 61) + (lo & P)
        long r = (hi << 3) + (lo >>> 61) + (lo & P);
        r = (r & P) + (r >>> 61);
        return r >= P ? r - P : r;
    }
}
