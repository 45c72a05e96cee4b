package dev.hyperrec.operators;

/**
 * Output of {@link Scorer#topK}: row {@code i} holds {@code count(i)} (index, score) pairs, best first, and the exact
 * scores of the query's extra items ({@link ScoreBatch#add(float[], int[], int[])}), in the order they were given.
 */
public final class TopKResult {
    private int k;
    private int n;
    private int[] indices = new int[0];
    private float[] scores = new float[0];
    private int[] counts = new int[0];
    private int[] extraOffsets = new int[1];
    private float[] extraScores = new float[0];

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
        if (extraOffsets.length < n + 1) {
            extraOffsets = new int[n + 1];
        }
        java.util.Arrays.fill(extraOffsets, 0, n + 1, 0);
    }

    /**
     * Sizes the extra scores after {@link #reset} for the batch's first {@link #rows()} queries: row {@code i}'s
     * extras occupy {@code [extraOffset(i), extraOffset(i + 1))} of {@link #rawExtraScores()}, NaN until a backend
     * fills them.
     */
    public void resetExtras(ScoreBatch batch) {
        long total = 0;
        for (int i = 0; i < n; i++) {
            extraOffsets[i] = (int) total;
            total += batch.extras(i).length;
            if (total > Integer.MAX_VALUE - 8) {
                throw new OperatorException("extra items of " + total + " entries exceed one Java array");
            }
        }
        extraOffsets[n] = (int) total;
        if (extraScores.length < total) {
            extraScores = new float[(int) total];
        }
        java.util.Arrays.fill(extraScores, 0, (int) total, Float.NaN);
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

    /** Extra items of row {@code row}. */
    public int extraCount(int row) {
        return extraOffsets[row + 1] - extraOffsets[row];
    }

    /** The exact score of row {@code row}'s {@code j}-th extra item. */
    public float extraScore(int row, int j) {
        if (j < 0 || j >= extraCount(row)) {
            throw new IndexOutOfBoundsException("extra " + j + " of row " + row + " (" + extraCount(row) + " extras)");
        }
        return extraScores[extraOffsets[row] + j];
    }

    /** Where row {@code row}'s extra scores start in {@link #rawExtraScores()} ({@code row == rows()}: the total). */
    public int extraOffset(int row) {
        return extraOffsets[row];
    }

    /** Raw extra scores for backends, laid out as {@link #resetExtras} says. */
    public float[] rawExtraScores() {
        return extraScores;
    }
}
