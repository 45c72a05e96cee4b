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

    void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out);

    @Override
    default void close() {
    }
}
