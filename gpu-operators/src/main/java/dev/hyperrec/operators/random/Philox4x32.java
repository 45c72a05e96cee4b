package dev.hyperrec.operators.random;

/**
 * Philox4x32-10, the counter-based random number generator of Salmon, Moraes, Dror &amp; Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3" (SC'11), as in Random123 1.14: a bijection of a
 * 128-bit counter under a 64-bit key, 10 rounds. Passes Random123's known-answer tests
 * ({@code kat_vectors}) and BigCrush per the paper.
 *
 * <p>Being a pure function of (counter, key), a draw needs no sequential state: the draw for one
 * item does not depend on which other items share its batch, and a CUDA thread computes the same
 * words as this class. Only 32x32&rarr;64-bit multiplies, xors and 32-bit wrapping adds are used.
 */
public final class Philox4x32 {
    /** Number of rounds (the "-10" variant recommended by the authors). */
    public static final int ROUNDS = 10;
    static final int M0 = 0xD2511F53;
    static final int M1 = 0xCD9E8D57;
    static final int W0 = 0x9E3779B9;
    static final int W1 = 0xBB67AE85;
    private static final long MASK = 0xffff_ffffL;

    private Philox4x32() {
    }

    /**
     * Encrypts the counter {@code (c0, c1, c2, c3)} under the key {@code (k0, k1)} and writes the four
     * output words to {@code out[0..3]}.
     */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int r = 0; r < ROUNDS; r++) {
            if (r > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & MASK) * (c0 & MASK);
            long p1 = (M1 & MASK) * (c2 & MASK);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** Convenience form of {@link #block(int, int, int, int, int, int, int[])}: a new 4-word array. */
    public static int[] block(int[] counter, int[] key) {
        if (counter.length != 4 || key.length != 2) {
            throw new IllegalArgumentException("Philox4x32 takes a 4-word counter and a 2-word key, got "
                    + counter.length + " and " + key.length);
        }
        int[] out = new int[4];
        block(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out);
        return out;
    }

    /**
     * A uniform double in the open interval (0, 1) from two 32-bit words: the top 52 bits of
     * {@code hi:lo} as an integer {@code m}, then {@code (m + 0.5) * 2^-52}. Every step is exact in
     * IEEE double (so CUDA gets the same value); the result lies in {@code [2^-53, 1 - 2^-53]}.
     */
    public static double uniform(int hi, int lo) {
        long m = ((hi & MASK) << 20) | ((lo & MASK) >>> 12);
        return ((double) m + 0.5) * 0x1p-52;
    }

    /**
     * A uniform double in the open interval (0, 1) from one 32-bit word {@code w}:
     * {@code (w + 0.5) * 2^-32}, exact in IEEE double; in {@code [2^-33, 1 - 2^-33]}.
     */
    public static double uniform32(int w) {
        return ((double) (w & MASK) + 0.5) * 0x1p-32;
    }
}
