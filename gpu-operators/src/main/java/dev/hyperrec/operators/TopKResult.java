package dev.hyperrec.operators;

/** Output of {@link Scorer#topK}: row {@code i} holds {@code count(i)} (index, score) pairs, best first. */
public final class TopKResult {
    private int k;
    private int n;
    private int[] indices = new int[0];
    private float[] scores = new float[0];
    private int[] counts = new int[0];

    /** Sizes the result for {@code n} rows of {@code k}; reuses the arrays when they are large enough. */
    public void reset(int n, int k) {
        if (k <= 0 || k > Scorer.MAX_K) {
            throw new OperatorException("k must be in [1, " + Scorer.MAX_K + "], was " + k);
        }
        long cells = (long) n * k;
        if (cells > Integer.MAX_VALUE - 8) {
            throw new OperatorException("top-k result of " + n + " x " + k + " exceeds one Java array");
        }
        if (indices.length < cells) {
            indices = new int[(int) cells];
            scores = new float[(int) cells];
        }
        if (counts.length < n) {
            counts = new int[n];
        }
        java.util.Arrays.fill(counts, 0, n, 0);
        this.n = n;
        this.k = k;
    }

    public int k() {
        return k;
    }

    public int rows() {
        return n;
    }

    public int count(int row) {
        return counts[row];
    }

    public int index(int row, int rank) {
        return indices[row * k + rank];
    }

    public float score(int row, int rank) {
        return scores[row * k + rank];
    }

    /** Raw arrays for backends: row {@code i} occupies {@code [i*k, i*k+count(i))}. */
    public int[] rawIndices() {
        return indices;
    }

    public float[] rawScores() {
        return scores;
    }

    public int[] rawCounts() {
        return counts;
    }
}
