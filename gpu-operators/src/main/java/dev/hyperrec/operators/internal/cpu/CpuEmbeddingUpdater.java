package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.internal.OperatorChecks;

import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.internal.ResourceOwner;
import java.util.Objects;
import java.util.concurrent.locks.Lock;

/**
 * The seeds' exponential-moving-average user update, {@code u <- (1-a) u + a w x}, then
 * {@code u <- u / |u|} (a zero result is stored as is), applied event by event in batch order.
 *
 * <p>Arithmetic (the reference other backends are compared with): per event, with {@code a} the
 * configured alpha widened to double, {@code t_d = (1 - a) * u_d + (a * w) * x_d} in double,
 * {@code norm = sqrt(sum_d t_d^2)} summed in double in dimension order, and
 * {@code u_d = (float) (t_d / norm)}. The whole batch is validated before any row is written, so
 * an invalid batch leaves the table untouched.
 *
 * <p>Thread affinity: confined to the task thread; holds the catalog's read lock during
 * {@link #apply}.
 */
final class CpuEmbeddingUpdater extends CpuOperator implements EmbeddingUpdater {
    private final double alpha;
    private double[] scratch = new double[0];

    CpuEmbeddingUpdater(ResourceOwner owner, EmbeddingUpdateConfig config) {
        super(owner, "embedding updater");
        this.alpha = config.alpha();
    }

    @Override
    public void apply(UserTable users, ItemCatalog items, UpdateBatch batch) {
        apply(users, items, batch, null, null);
    }

    @Override
    public void apply(UserTable users, ItemCatalog items, UpdateBatch batch, int[] snapshotSlot, float[] out) {
        checkOpen();
        Objects.requireNonNull(users, "users");
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(batch, "batch");
        int dim = users.dim();
        if (items.dim() != dim) {
            throw new OperatorException("user table has dimension " + dim + ", item catalog " + items.dim());
        }
        if (scratch.length < dim) {
            scratch = new double[dim];
        }
        double[] t = scratch;
        int n = batch.size();
        int[] us = batch.usersArray();
        int[] is = batch.itemsArray();
        float[] ws = batch.weightsArray();
        double keep = 1.0 - alpha;
        Lock lock = items.readLock();
        lock.lock();
        try {
            boolean[] active = items.rawActive();
            int itemCount = items.size();
            int userCount = users.size();
            OperatorChecks.updateEntries(us, is, ws, n, userCount, active, itemCount);
            boolean snapshots = OperatorChecks.snapshotSlots(snapshotSlot, out, n, dim) > 0;
            float[] x = items.rawEmbeddings();
            for (int e = 0; e < n; e++) {
                float[] u = users.page(us[e]);
                int uo = users.offset(us[e]);
                int xo = is[e] * dim;
                double aw = alpha * ws[e];
                double ss = 0.0;
                for (int d = 0; d < dim; d++) {
                    double v = keep * u[uo + d] + aw * x[xo + d];
                    t[d] = v;
                    ss += v * v;
                }
                if (ss > 0.0) {
                    double norm = Math.sqrt(ss);
                    for (int d = 0; d < dim; d++) {
                        u[uo + d] = (float) (t[d] / norm);
                    }
                } else {
                    for (int d = 0; d < dim; d++) {
                        u[uo + d] = (float) t[d];
                    }
                }
                users.markDirty(us[e]);
                if (snapshots && snapshotSlot[e] >= 0) {
                    System.arraycopy(u, uo, out, snapshotSlot[e] * dim, dim);
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
