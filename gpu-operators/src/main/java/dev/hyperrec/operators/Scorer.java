package dev.hyperrec.operators;

/**
 * Batched top-k scoring: for each query vector {@code h} in the batch, the {@code k} active
 * catalog items with the highest {@code item · h}, skipping the query's excluded item indices,
 * sorted by score descending and, on equal scores, by lower item index.
 *
 * <p>Fewer than {@code k} results are returned when fewer items are eligible. Query construction
 * (fusing a request's query embedding with the user's) is done by the caller with
 * {@link Vectors#fuse}.
 */
public interface Scorer extends AutoCloseable {

    /** Largest k a backend must support. */
    int MAX_K = 1024;

    /**
     * Fills {@code out} with each query's top-k and, for a query added with extra items, the exact score of each of
     * them ({@link TopKResult#extraScore}): {@code (float)} of the sum of {@code (double) item[d] * (double) query[d]}
     * taken in dimension order from 0, whatever the scorer's precision, and whether or not the item is active,
     * excluded or among the top-k. A scorer of another similarity than the dot product refuses extras.
     */
    void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out);

    /**
     * Whether extra items' scores cost the caller less in {@link #topK} than on its own thread: a device scorer
     * computes them in the same call. A caller that needs other items' scores then passes them as extras; otherwise it
     * computes them itself (the CPU reference accepts extras too, at the same cost).
     */
    default boolean extrasOnDevice() {
        return false;
    }

    /**
     * The exact score of an extra item: the sum of {@code (double) x[xOff + d] * (double) q[qOff + d]} for {@code d} from 0
     * to {@code dim - 1} in that order, rounded once to float. Each product of two floats is exact in double, so a
     * fused multiply-add gives the same sum.
     */
    static float exactDot(float[] x, int xOff, float[] q, int qOff, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            s += (double) x[xOff + d] * q[qOff + d];
        }
        return (float) s;
    }

    @Override
    default void close() {
    }
}
