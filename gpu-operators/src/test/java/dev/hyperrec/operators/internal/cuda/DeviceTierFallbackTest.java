package dev.hyperrec.operators.internal.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ForwardingBackend;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.contract.TestData;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The user table's device-tier protocol and {@link FallbackBackend}'s replay of device-newer rows, on
 * any machine: the "device" keeps its copy of the rows in a shadow table and follows the protocol of
 * {@link DeviceUserRows} (promote host-newer rows, update in place, mark device-newer, pull on read),
 * and fails with a {@link CudaException} when armed. {@code CudaFallbackTest} covers the real device.
 */
class DeviceTierFallbackTest {
    private static final int DIM = 4;

    /** A device stand-in with a device tier. */
    static final class ShadowBackend extends ForwardingBackend {
        int armedApply;
        /** Pull calls to let through before one fails; -1: none fails. */
        int pullsBeforeFailure = -1;
        long pulledRows;

        ShadowBackend() {
            super(new CpuBackend());
        }

        @Override
        public String name() {
            return "cuda";
        }

        @Override
        public EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config) {
            EmbeddingUpdater cpu = super.newEmbeddingUpdater(config);
            Map<UserTable, Shadow> shadows = new IdentityHashMap<>();
            return (users, items, batch) -> {
                if (armedApply > 0) {
                    armedApply--;
                    throw new CudaException("CUDA_ERROR_LAUNCH_FAILED", "kernel ema_update", "injected");
                }
                Shadow sh = shadows.get(users);
                if (sh == null || users.tier() != sh) {
                    sh = new Shadow(users.dim());
                    shadows.put(users, sh);
                    users.attach(sh);
                }
                sh.push(users);
                cpu.apply(sh.rows, items, batch);
                for (int i = 0; i < batch.size(); i++) {
                    users.markDeviceNewer(batch.user(i));
                }
            };
        }

        final class Shadow implements UserTable.DeviceTier {
            final UserTable rows;

            Shadow(int dim) {
                rows = new UserTable(dim, 16);
            }

            void push(UserTable t) {
                while (rows.size() < t.size()) {
                    rows.indexOrAdd("r" + rows.size());
                }
                float[] v = new float[t.dim()];
                t.forEachHostNewer(r -> {
                    System.arraycopy(t.hostPage(r), t.offset(r), v, 0, t.dim());
                    rows.setRow(r, v);
                });
                t.clearHostNewer();
            }

            @Override
            public void pull(UserTable table, int[] idx, int from, int n) {
                if (pullsBeforeFailure == 0) {
                    pullsBeforeFailure = -1;
                    throw new CudaException("CUDA_ERROR_LAUNCH_FAILED", "kernel rows_gather", "injected");
                }
                if (pullsBeforeFailure > 0) {
                    pullsBeforeFailure--;
                }
                for (int j = from; j < from + n; j++) {
                    rows.copyRow(idx[j], table.hostPage(idx[j]), table.offset(idx[j]));
                    pulledRows++;
                }
            }
        }
    }

    private static UserTable table(int users) {
        UserTable t = new UserTable(DIM, 8);
        for (int u = 0; u < users; u++) {
            t.indexOrAdd("u" + u);
        }
        return t;
    }

    private static UpdateBatch batch(SplittableRandom rnd, int events, int users, int items) {
        UpdateBatch b = new UpdateBatch(events);
        for (int e = 0; e < events; e++) {
            b.add(rnd.nextInt(users), rnd.nextInt(items), 0.5f + rnd.nextFloat());
        }
        return b;
    }

    @Test
    void deviceNewerRowsAreReadBackOnceAndStayCoherentWithHostWrites() {
        SplittableRandom rnd = new SplittableRandom(1);
        ItemCatalog items = TestData.randomCatalog(rnd, 30, DIM, 0);
        UserTable got = table(50);
        UserTable want = table(50);
        ShadowBackend device = new ShadowBackend();
        try (CpuBackend ref = new CpuBackend(); EmbeddingUpdater r = ref.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
             FallbackBackend backend = new FallbackBackend(device, new CpuBackend());
             EmbeddingUpdater u = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            for (int step = 0; step < 12; step++) {
                UpdateBatch b = batch(rnd, 40, got.size(), 30);
                u.apply(got, items, b);
                r.apply(want, items, b);
                assertThat(got.hasDeviceNewerRows()).isTrue();
                if (step % 3 == 0) {
                    // a host write of a device-newer row: the row is synced first, then replaced
                    float[] v = {0.5f, 0.5f, 0.5f, 0.5f};
                    got.setRow(b.user(0), v);
                    want.setRow(b.user(0), v);
                }
                if (step % 4 == 1) {
                    String id = "new" + step; // new users are promoted in the next batch
                    got.indexOrAdd(id);
                    want.indexOrAdd(id);
                }
                if (step == 5) {
                    items.upsert("i3", TestData.randomUnit(rnd, DIM)); // a catalog change between batches
                }
                if (step % 2 == 1) {
                    assertThat(TestData.rows(got, got.size())).containsExactly(TestData.rows(want, want.size()));
                    assertThat(got.hasDeviceNewerRows()).isFalse();
                }
            }
            assertThat(TestData.rows(got, got.size())).containsExactly(TestData.rows(want, want.size()));
            assertThat(backend.fallbacks()).isZero();
        }
    }

    /**
     * More device-newer rows than one pull chunk; the pull fails on its first chunk (nothing landed, every
     * row is replayed) or on its second (the first chunk landed and must not be replayed a second time).
     */
    @ParameterizedTest(name = "pull fails after {0} chunk(s)")
    @ValueSource(ints = {0, 1})
    void aFailedPullReplaysTheLoggedBatchesForTheRowsStillStale(int chunksThatLand) {
        int users = UserTable.PULL_CHUNK + 3_000;
        SplittableRandom rnd = new SplittableRandom(2 + chunksThatLand);
        ItemCatalog items = TestData.randomCatalog(rnd, 40, DIM, 0);
        UserTable got = table(users);
        UserTable want = table(users);
        ShadowBackend device = new ShadowBackend();
        try (CpuBackend ref = new CpuBackend(); EmbeddingUpdater r = ref.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
             FallbackBackend backend = new FallbackBackend(device, new CpuBackend());
             EmbeddingUpdater u = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            for (int step = 0; step < 3; step++) {
                UpdateBatch b = batch(rnd, 3 * users, users, 40);
                u.apply(got, items, b);
                r.apply(want, items, b);
            }
            assertThat(got.deviceNewerCount()).isGreaterThan(UserTable.PULL_CHUNK);
            device.pulledRows = 0;
            device.pullsBeforeFailure = chunksThatLand;
            float[] row = new float[DIM];
            got.copyRow(0, row, 0);
            assertThat(device.pulledRows).isEqualTo((long) chunksThatLand * UserTable.PULL_CHUNK);
            assertThat(backend.fallbacks()).isEqualTo(1);
            assertThat(got.tier()).isNull();
            assertThat(TestData.rows(got, users)).containsExactly(TestData.rows(want, users));
            // the CPU carries on
            UpdateBatch b = batch(rnd, 500, users, 40);
            u.apply(got, items, b);
            r.apply(want, items, b);
            assertThat(TestData.rows(got, users)).containsExactly(TestData.rows(want, users));
        }
    }

    @Test
    void aFaultInApplyReplaysTheUnreadBatchesThenAppliesTheBatchOnTheCpu() {
        SplittableRandom rnd = new SplittableRandom(4);
        ItemCatalog items = TestData.randomCatalog(rnd, 30, DIM, 0);
        UserTable got = table(200);
        UserTable want = table(200);
        ShadowBackend device = new ShadowBackend();
        try (CpuBackend ref = new CpuBackend(); EmbeddingUpdater r = ref.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
             FallbackBackend backend = new FallbackBackend(device, new CpuBackend());
             EmbeddingUpdater u = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            for (int step = 0; step < 6; step++) {
                if (step == 4) {
                    device.armedApply = 1;
                }
                UpdateBatch b = batch(rnd, 300, 200, 30);
                u.apply(got, items, b);
                r.apply(want, items, b);
                if (step == 1) {
                    TestData.rows(got, 200); // a read in between: the log restarts after it
                }
            }
            assertThat(backend.fallbacks()).isEqualTo(1);
            assertThat(got.tier()).isNull();
            assertThat(TestData.rows(got, 200)).containsExactly(TestData.rows(want, 200));
        }
    }
}
