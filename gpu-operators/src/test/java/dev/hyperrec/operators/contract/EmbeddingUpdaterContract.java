package dev.hyperrec.operators.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Contract of {@link EmbeddingUpdater}: the seeds' EMA rule, batch = one by one, validation. */
public abstract class EmbeddingUpdaterContract {

    protected abstract OperatorBackend openBackend();

    /** Tolerance between a batched and a one-by-one application (0: bit-identical). */
    protected float batchTolerance() {
        return 0f;
    }

    private static UserTable users(SplittableRandom rnd, int n, int dim, boolean randomStart) {
        UserTable t = new UserTable(dim, 4);
        for (int u = 0; u < n; u++) {
            int idx = t.indexOrAdd("u" + u);
            if (randomStart && rnd.nextBoolean()) {
                float[] v = TestData.randomVector(rnd, dim);
                dev.hyperrec.operators.Vectors.normaliseInPlace(v);
                t.setRow(idx, v);
            }
        }
        t.clearDirty();
        return t;
    }

    private static UserTable copy(UserTable src) {
        UserTable t = new UserTable(src.dim(), Math.max(1, src.size()));
        float[] row = new float[src.dim()];
        for (int u = 0; u < src.size(); u++) {
            int idx = t.indexOrAdd(src.idAt(u));
            src.copyRow(u, row, 0);
            t.setRow(idx, row);
        }
        t.clearDirty();
        return t;
    }

    @Property(tries = 40, seed = "4242")
    public void batchEqualsOneByOneAndReference(@ForAll long seed,
                                                @ForAll @IntRange(min = 1, max = 12) int nUsers,
                                                @ForAll @IntRange(min = 0, max = 80) int nEvents) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = new int[] {1, 4, 16, 65}[rnd.nextInt(4)];
        ItemCatalog items = TestData.randomCatalog(rnd, 30, dim, 0.0);
        UserTable batched = users(rnd, nUsers, dim, true);
        UserTable single = copy(batched);
        double[][] ref = new double[nUsers][dim];
        float[] row = new float[dim];
        for (int u = 0; u < nUsers; u++) {
            batched.copyRow(u, row, 0);
            for (int d = 0; d < dim; d++) {
                ref[u][d] = row[d];
            }
        }
        float alpha = new float[] {0.1f, 0.5f, 1f}[rnd.nextInt(3)];
        UpdateBatch batch = new UpdateBatch(4);
        for (int e = 0; e < nEvents; e++) {
            // few users, many events: users repeat within the batch
            batch.add(rnd.nextInt(nUsers), rnd.nextInt(30), (float) (rnd.nextDouble() * 4 - 1));
        }
        try (OperatorBackend backend = openBackend();
             EmbeddingUpdater updater = backend.newEmbeddingUpdater(new EmbeddingUpdateConfig(alpha))) {
            updater.apply(batched, items, batch);
            UpdateBatch one = new UpdateBatch(1);
            for (int e = 0; e < batch.size(); e++) {
                one.clear();
                one.add(batch.user(e), batch.item(e), batch.weight(e));
                updater.apply(single, items, one);
                applyReference(ref[batch.user(e)], items, batch.item(e), alpha, batch.weight(e));
            }
        }
        float[] a = new float[dim];
        float[] b = new float[dim];
        for (int u = 0; u < nUsers; u++) {
            batched.copyRow(u, a, 0);
            single.copyRow(u, b, 0);
            for (int d = 0; d < dim; d++) {
                assertThat(a[d]).as("user %d dim %d", u, d).isCloseTo(b[d], within(batchTolerance()));
                assertThat((double) a[d]).isCloseTo(ref[u][d], within(2e-5));
            }
        }
    }

    /**
     * Snapshots: one call with rows handed back after chosen events equals applying the events one at a time and
     * copying the row after each chosen one (bit for bit on one backend), leaves slots no event chose untouched, and
     * leaves the same table as the call without snapshots. Users repeat many times within a batch.
     */
    @Property(tries = 40, seed = "777")
    public void snapshotsEqualRowsCopiedBetweenSingleEvents(@ForAll long seed,
                                                           @ForAll @IntRange(min = 1, max = 6) int nUsers,
                                                           @ForAll @IntRange(min = 1, max = 120) int nEvents) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = new int[] {1, 7, 32, 100}[rnd.nextInt(4)];
        ItemCatalog items = TestData.randomCatalog(rnd, 25, dim, 0.0);
        UserTable snapped = users(rnd, nUsers, dim, true);
        UserTable plain = copy(snapped);
        UserTable single = copy(snapped);
        UpdateBatch batch = new UpdateBatch(4);
        // every other slot is left out, and the slots run against the event order
        int slots = 2 * nEvents + 1;
        int[] slot = new int[nEvents + 3];   // longer than the batch: only the first nEvents entries count
        Arrays.fill(slot, -1);
        for (int e = 0; e < nEvents; e++) {
            batch.add(rnd.nextInt(nUsers), rnd.nextInt(25), (float) (rnd.nextDouble() * 4 - 1));
            if (rnd.nextInt(3) > 0) {
                slot[e] = 2 * (nEvents - 1 - e) + 1;
            }
        }
        slot[nEvents] = slots + 5;
        float[] got = new float[slots * dim + 3];
        float[] want = new float[got.length];
        Arrays.fill(got, Float.NaN);
        Arrays.fill(want, Float.NaN);
        try (OperatorBackend backend = openBackend();
             EmbeddingUpdater updater = backend.newEmbeddingUpdater(new EmbeddingUpdateConfig(0.3f))) {
            updater.apply(snapped, items, batch, slot, got);
            updater.apply(plain, items, batch);
            UpdateBatch one = new UpdateBatch(1);
            for (int e = 0; e < nEvents; e++) {
                one.clear();
                one.add(batch.user(e), batch.item(e), batch.weight(e));
                updater.apply(single, items, one);
                if (slot[e] >= 0) {
                    single.copyRow(batch.user(e), want, slot[e] * dim);
                }
            }
        }
        for (int i = 0; i < got.length; i++) {
            if (Float.isNaN(want[i])) {
                assertThat(got[i]).as("slot float %d was never chosen", i).isNaN();
            } else {
                assertThat(got[i]).as("slot float %d", i).isCloseTo(want[i], within(batchTolerance()));
            }
        }
        assertThat(TestData.rows(snapped, nUsers)).containsExactly(TestData.rows(plain, nUsers));
        float[] a = TestData.rows(snapped, nUsers);
        float[] b = TestData.rows(single, nUsers);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).as("user %d dim %d", i / dim, i % dim).isCloseTo(b[i], within(batchTolerance()));
        }
    }

    @Test
    public void aBadSnapshotSlotThrowsAndLeavesTheTableUntouched() {
        SplittableRandom rnd = new SplittableRandom(5);
        ItemCatalog items = TestData.randomCatalog(rnd, 4, 6, 0.0);
        UserTable table = users(rnd, 3, 6, true);
        float[] before = TestData.rows(table, 3);
        UpdateBatch batch = new UpdateBatch(2);
        batch.add(0, 1, 1f);
        batch.add(1, 2, 1f);
        try (OperatorBackend backend = openBackend();
             EmbeddingUpdater updater = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            assertThatThrownBy(() -> updater.apply(table, items, batch, new int[] {0, 2}, new float[2 * 6]))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("snapshot slot 2");
            assertThatThrownBy(() -> updater.apply(table, items, batch, new int[] {0}, new float[6]))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("snapshotSlot has 1 entries");
            assertThatThrownBy(() -> updater.apply(table, items, batch, new int[] {-2, 0}, new float[6]))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("snapshot slot -2");
            assertThatThrownBy(() -> updater.apply(table, items, batch, new int[] {1, 1}, new float[2 * 6]))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("snapshot slot 1 is chosen twice");
        }
        assertThat(TestData.rows(table, 3)).containsExactly(before);
        assertThat(table.dirtyCount()).isZero();
    }

    /** The rule in double precision, with the float rounding of the stored row after each event. */
    private static void applyReference(double[] u, ItemCatalog items, int item, float alpha, float w) {
        float[] x = new float[items.dim()];
        items.copyEmbedding(item, x, 0);
        double ss = 0;
        for (int d = 0; d < u.length; d++) {
            u[d] = (1 - (double) alpha) * u[d] + (double) alpha * w * x[d];
            ss += u[d] * u[d];
        }
        double norm = Math.sqrt(ss);
        for (int d = 0; d < u.length; d++) {
            u[d] = (float) (norm > 0 ? u[d] / norm : u[d]);
        }
    }

    @Test
    public void updatedRowsAreUnitAndDirty() {
        SplittableRandom rnd = new SplittableRandom(3);
        ItemCatalog items = TestData.randomCatalog(rnd, 5, 8, 0.0);
        UserTable table = users(rnd, 6, 8, false);
        UpdateBatch batch = new UpdateBatch(4);
        batch.add(1, 0, 1f);
        batch.add(4, 2, 2f);
        batch.add(1, 3, 0.5f);
        try (OperatorBackend backend = openBackend();
             EmbeddingUpdater updater = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            updater.apply(table, items, batch);
        }
        List<Integer> dirty = new ArrayList<>();
        table.forEachDirty(dirty::add);
        assertThat(dirty).containsExactly(1, 4);
        float[] row = new float[8];
        for (int u : new int[] {1, 4}) {
            table.copyRow(u, row, 0);
            double n = 0;
            for (float v : row) {
                n += v * v;
            }
            assertThat(Math.sqrt(n)).isCloseTo(1.0, within(1e-5));
        }
        table.copyRow(0, row, 0);
        assertThat(row).containsOnly(0f);
    }

    @Test
    public void firstUpdateOfZeroRowPointsAlongTheItem() {
        ItemCatalog items = new ItemCatalog(3, 1);
        items.upsert("a", new float[] {3f, 0f, 4f});
        UserTable table = new UserTable(3, 1);
        table.indexOrAdd("u");
        UpdateBatch batch = new UpdateBatch(2);
        batch.add(0, 0, 1f);
        try (OperatorBackend backend = openBackend();
             EmbeddingUpdater updater = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            updater.apply(table, items, batch);
            float[] row = new float[3];
            table.copyRow(0, row, 0);
            assertThat(row[0]).isCloseTo(0.6f, within(1e-6f));
            assertThat(row[1]).isZero();
            assertThat(row[2]).isCloseTo(0.8f, within(1e-6f));
            // weight 0 on a zero row leaves it zero (no NaN from normalising a zero vector)
            UserTable zero = new UserTable(3, 1);
            zero.indexOrAdd("z");
            batch.clear();
            batch.add(0, 0, 0f);
            updater.apply(zero, items, batch);
            zero.copyRow(0, row, 0);
            assertThat(row).containsExactly(0f, 0f, 0f);
        }
    }

    @Test
    public void invalidEntriesThrowAndLeaveTheTableUntouched() {
        SplittableRandom rnd = new SplittableRandom(11);
        ItemCatalog items = TestData.randomCatalog(rnd, 4, 5, 0.0);
        items.remove("i2");
        UserTable table = users(rnd, 3, 5, true);
        float[] before = TestData.rows(table, 3);
        try (OperatorBackend backend = openBackend();
             EmbeddingUpdater updater = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            UpdateBatch inactive = new UpdateBatch(2);
            inactive.add(0, 1, 1f);
            inactive.add(1, 2, 1f);
            assertThatThrownBy(() -> updater.apply(table, items, inactive))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("item index 2");
            UpdateBatch badUser = new UpdateBatch(1);
            badUser.add(3, 0, 1f);
            assertThatThrownBy(() -> updater.apply(table, items, badUser))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("user index 3");
            UpdateBatch badItem = new UpdateBatch(1);
            badItem.add(0, 99, 1f);
            assertThatThrownBy(() -> updater.apply(table, items, badItem)).isInstanceOf(OperatorException.class);
            UpdateBatch nanWeight = new UpdateBatch(1);
            nanWeight.add(0, 0, Float.NaN);
            assertThatThrownBy(() -> updater.apply(table, items, nanWeight)).isInstanceOf(OperatorException.class);
            UserTable otherDim = new UserTable(4, 1);
            otherDim.indexOrAdd("x");
            UpdateBatch ok = new UpdateBatch(1);
            ok.add(0, 0, 1f);
            assertThatThrownBy(() -> updater.apply(otherDim, items, ok))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("dimension");
        }
        assertThat(TestData.rows(table, 3)).containsExactly(before);
        assertThat(table.dirtyCount()).isZero();
    }

    /**
     * A table used across many batches with host reads, host writes, new users and a catalog change in
     * between (a device backend keeps the rows resident and must stay coherent with the host side).
     */
    @Test
    public void rowsStayCoherentAcrossBatchesHostWritesNewUsersAndCatalogChanges() {
        SplittableRandom rnd = new SplittableRandom(77);
        int dim = 24;
        ItemCatalog items = TestData.randomCatalog(rnd, 60, dim, 0.0);
        UserTable table = users(rnd, 300, dim, true);
        double[][] ref = new double[400][dim];
        float[] row = new float[dim];
        for (int u = 0; u < table.size(); u++) {
            table.copyRow(u, row, 0);
            for (int d = 0; d < dim; d++) {
                ref[u][d] = row[d];
            }
        }
        double alpha = EmbeddingUpdateConfig.defaults().alpha();
        try (OperatorBackend backend = openBackend();
             EmbeddingUpdater updater = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            for (int step = 0; step < 10; step++) {
                UpdateBatch batch = new UpdateBatch(64);
                for (int e = 0; e < 500; e++) {
                    int u = rnd.nextInt(table.size());
                    int i = rnd.nextInt(60);
                    float w = (float) (0.5 + rnd.nextDouble());
                    batch.add(u, i, w);
                    float[] x = new float[dim];
                    items.copyEmbedding(i, x, 0);
                    double ss = 0;
                    double[] t = new double[dim];
                    for (int d = 0; d < dim; d++) {
                        t[d] = (1 - alpha) * ref[u][d] + alpha * w * x[d];
                        ss += t[d] * t[d];
                    }
                    for (int d = 0; d < dim; d++) {
                        ref[u][d] = ss > 0 ? (float) (t[d] / Math.sqrt(ss)) : (float) t[d];
                    }
                }
                updater.apply(table, items, batch);
                if (step % 3 == 0) {
                    float[] v = TestData.randomVector(rnd, dim);
                    int u = batch.user(0);
                    table.setRow(u, v);
                    for (int d = 0; d < dim; d++) {
                        ref[u][d] = v[d];
                    }
                }
                if (step % 4 == 1) {
                    table.indexOrAdd("late" + step);   // a zero row, promoted with the next batch
                }
                if (step == 5) {
                    items.upsert("i7", TestData.randomVector(rnd, dim));
                }
                if (step % 2 == 1 || step == 9) {
                    for (int u = 0; u < table.size(); u++) {
                        table.copyRow(u, row, 0);
                        for (int d = 0; d < dim; d++) {
                            assertThat((double) row[d]).as("step %d user %d dim %d", step, u, d).isCloseTo(ref[u][d], within(2e-5));
                        }
                    }
                }
            }
            assertThat(table.dirtyCount()).isPositive();
        }
    }
}
