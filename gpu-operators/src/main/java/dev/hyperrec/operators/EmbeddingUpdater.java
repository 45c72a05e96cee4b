package dev.hyperrec.operators;

import dev.hyperrec.operators.internal.OperatorChecks;
import java.util.concurrent.locks.Lock;

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

    /**
     * {@link #apply(UserTable, ItemCatalog, UpdateBatch)}, also handing back rows as they are right after chosen
     * events: for each event {@code e} with {@code snapshotSlot[e] >= 0}, the user's row after {@code e} goes to
     * {@code out[snapshotSlot[e] * dim, + dim)} (a slot may be chosen once; slots no event chose are left as they
     * are). The rows and the
     * snapshots equal applying the events one by one and copying the row after each chosen one, bit for bit on one
     * backend. So a caller that needs a user's row between two of that user's events in a batch makes one call,
     * not one per repeat of the user. An invalid batch, or a slot outside {@code out}, throws
     * {@link OperatorException} before any row is written.
     *
     * <p>This default applies the events one at a time; backends override it with one pass.
     */
    default void apply(UserTable users, ItemCatalog items, UpdateBatch batch, int[] snapshotSlot, float[] out) {
        int n = batch.size();
        int dim = users.dim();
        if (OperatorChecks.snapshotSlots(snapshotSlot, out, n, dim) == 0) {
            apply(users, items, batch);
            return;
        }
        Lock lock = items.readLock();
        lock.lock();
        try {
            OperatorChecks.updateEntries(batch.usersArray(), batch.itemsArray(), batch.weightsArray(), n, users.size(),
                    items.rawActive(), items.size());
        } finally {
            lock.unlock();
        }
        UpdateBatch one = new UpdateBatch(1);
        for (int e = 0; e < n; e++) {
            one.clear();
            one.add(batch.user(e), batch.item(e), batch.weight(e));
            apply(users, items, one);
            if (snapshotSlot[e] >= 0) {
                users.copyRow(batch.user(e), out, snapshotSlot[e] * dim);
            }
        }
    }

    @Override
    default void close() {
    }
}
