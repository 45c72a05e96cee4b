package dev.hyperrec.operators;

import java.util.Arrays;

/** A reusable batch of query vectors ({@code size x dim}, row-major) and per-query exclusions. */
public final class ScoreBatch {
    private static final int[] NONE = new int[0];
    private final int dim;
    private float[] queries;
    private int[][] excludes;
    private int size;

    public ScoreBatch(int dim, int initialCapacity) {
        if (dim <= 0 || initialCapacity <= 0) {
            throw new OperatorException("dim and initialCapacity must be > 0, were " + dim + ", " + initialCapacity);
        }
        this.dim = dim;
        queries = new float[Math.multiplyExact(dim, initialCapacity)];
        excludes = new int[initialCapacity][];
    }

    /**
     * Adds a query.
     *
     * @param excludeSorted item indices to skip, ascending, or {@code null} for none
     */
    public void add(float[] query, int[] excludeSorted) {
        if (query.length != dim) {
            throw new OperatorException("query has dimension " + query.length + ", batch expects " + dim);
        }
        if (size == excludes.length) {
            int cap = size * 2;
            queries = Arrays.copyOf(queries, Math.multiplyExact(cap, dim));
            excludes = Arrays.copyOf(excludes, cap);
        }
        System.arraycopy(query, 0, queries, size * dim, dim);
        excludes[size] = excludeSorted == null ? NONE : excludeSorted;
        size++;
    }

    public void clear() {
        Arrays.fill(excludes, 0, size, null);
        size = 0;
    }

    public int size() {
        return size;
    }

    public int dim() {
        return dim;
    }

    /** Row-major queries, valid for {@code [0, size() * dim())}. */
    public float[] queries() {
        return queries;
    }

    /** Ascending excluded item indices of query {@code i} (never null). */
    public int[] exclude(int i) {
        return excludes[i];
    }
}
