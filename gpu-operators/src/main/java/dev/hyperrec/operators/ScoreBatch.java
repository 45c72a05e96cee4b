package dev.hyperrec.operators;

import java.util.Arrays;

/**
 * A reusable batch of query vectors ({@code size x dim}, row-major), per-query exclusions and, optionally, per-query
 * extra items whose exact scores the caller wants besides the top-k ({@link Scorer#extrasOnDevice()}).
 */
public final class ScoreBatch {
    private static final int[] NONE = new int[0];
    private final int dim;
    private float[] queries;
    private int[][] excludes;
    private int[][] extras;
    private long extrasTotal;
    private int size;

    public ScoreBatch(int dim, int initialCapacity) {
        if (dim <= 0 || initialCapacity <= 0) {
            throw new OperatorException("dim and initialCapacity must be > 0, were " + dim + ", " + initialCapacity);
        }
        this.dim = dim;
        queries = new float[Math.multiplyExact(dim, initialCapacity)];
        excludes = new int[initialCapacity][];
        extras = new int[initialCapacity][];
    }

    /**
     * Adds a query.
     *
     * @param excludeSorted item indices to skip, ascending, or {@code null} for none
     */
    public void add(float[] query, int[] excludeSorted) {
        add(query, excludeSorted, null);
    }

    /**
     * Adds a query with extra items: {@link Scorer#topK} then also gives the query's exact score of each of them
     * ({@link TopKResult#extraScore}), whether or not it is active, excluded or among the top-k.
     *
     * @param excludeSorted item indices to skip, ascending, or {@code null} for none
     * @param extraItems    item indices to score besides the top-k, in any order (repeats allowed), or {@code null}
     *                      for none; the array is kept, not copied
     */
    public void add(float[] query, int[] excludeSorted, int[] extraItems) {
        if (query.length != dim) {
            throw new OperatorException("query has dimension " + query.length + ", batch expects " + dim);
        }
        if (size == excludes.length) {
            int cap = size * 2;
            queries = Arrays.copyOf(queries, Math.multiplyExact(cap, dim));
            excludes = Arrays.copyOf(excludes, cap);
            extras = Arrays.copyOf(extras, cap);
        }
        System.arraycopy(query, 0, queries, size * dim, dim);
        excludes[size] = excludeSorted == null ? NONE : excludeSorted;
        extras[size] = extraItems == null ? NONE : extraItems;
        extrasTotal += extras[size].length;
        size++;
    }

    public void clear() {
        Arrays.fill(excludes, 0, size, null);
        Arrays.fill(extras, 0, size, null);
        extrasTotal = 0;
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

    /** Extra item indices of query {@code i} (never null; empty when it has none). */
    public int[] extras(int i) {
        return extras[i];
    }

    /** Extra items of all queries together. */
    public long extrasTotal() {
        return extrasTotal;
    }
}
