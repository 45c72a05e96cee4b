package dev.hyperrec.operators;

/**
 * Applies a batch of (user, item, weight) interactions to the user table with the seeds' rule
 * {@code u <- (1-alpha) u + alpha w item}, then {@code u <- u / |u|} (left as is when |u| = 0).
 *
 * <p>The result must equal applying the batch's events one by one in batch order, also when a
 * user appears several times in one batch. Entries whose item index is not active in the catalog
 * are a caller error ({@link OperatorException}).
 */
public interface EmbeddingUpdater extends AutoCloseable {

    void apply(UserTable users, ItemCatalog items, UpdateBatch batch);

    @Override
    default void close() {
    }
}
