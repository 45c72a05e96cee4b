package dev.hyperrec.operators.internal.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.contract.TestData;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** On a real device: injected launch faults switch operators to the CPU; the mirror syncs incrementally. */
@Tag("gpu")
class CudaFallbackTest {

    @BeforeEach
    void requireDevice() {
        Assumptions.assumeTrue(CudaBackend.isUsable(), () -> "no usable CUDA device: " + CudaBackend.unusableReason());
    }

    @Test
    void serviceLoaderOpensCudaWithFallback() {
        try (OperatorBackend b = Backends.open(BackendKind.AUTO)) {
            assertThat(b.name()).isEqualTo("cuda");
            assertThat(b).isInstanceOf(FallbackBackend.class);
        }
    }

    @Test
    void injectedLaunchFaultSwitchesScorerAndSketchToCpu() {
        SplittableRandom rnd = new SplittableRandom(8);
        ItemCatalog items = TestData.randomCatalog(rnd, 3000, 48, 0.05);
        ScoreBatch batch = new ScoreBatch(48, 8);
        for (int q = 0; q < 8; q++) {
            batch.add(TestData.randomVector(rnd, 48), TestData.randomExcludes(rnd, 3000, 20));
        }
        TopKResult expected = new TopKResult();
        CountMinConfig config = new CountMinConfig(0.01, 0.02, 1000, 8, 5);
        long[] keys = new long[2000];
        long[] times = new long[2000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = rnd.nextInt(300);
            times[i] = i * 3L;
        }
        try (CpuBackend ref = new CpuBackend(); Scorer rs = ref.newScorer(); PopularitySketch rk = ref.newPopularitySketch(config)) {
            rs.topK(items, batch, 50, expected);
            rk.add(keys, times, keys.length);
            CudaBackend cuda = new CudaBackend();
            try (FallbackBackend backend = new FallbackBackend(cuda, new CpuBackend());
                 Scorer scorer = backend.newScorer();
                 PopularitySketch sketch = backend.newPopularitySketch(config)) {
                TopKResult out = new TopKResult();
                scorer.topK(items, batch, 50, out);
                FallbackBackendTest.assertSame(expected, out);
                cuda.failNextLaunches(1);
                scorer.topK(items, batch, 50, out);
                assertThat(backend.fallbacks()).isEqualTo(1);
                FallbackBackendTest.assertSame(expected, out);

                sketch.add(keys, times, 1000);
                sketch.snapshot();
                cuda.failNextLaunches(1);
                sketch.add(java.util.Arrays.copyOfRange(keys, 1000, 2000), java.util.Arrays.copyOfRange(times, 1000, 2000), 1000);
                assertThat(backend.fallbacks()).isEqualTo(2);
                assertThat(sketch.snapshot()).isEqualTo(rk.snapshot());
                assertThat(sketch.heavyHitters()).isEqualTo(rk.heavyHitters());
            }
        }
    }

    @Test
    void catalogMirrorUploadsOnlyChangedRows() {
        SplittableRandom rnd = new SplittableRandom(9);
        ItemCatalog items = TestData.randomCatalog(rnd, 2000, 32, 0.0);
        ScoreBatch batch = new ScoreBatch(32, 3);
        for (int q = 0; q < 3; q++) {
            batch.add(TestData.randomVector(rnd, 32), null);
        }
        try (CudaBackend cuda = new CudaBackend(); CudaScorer scorer = cuda.newScorer(ScorePrecision.EXACT);
             CpuBackend ref = new CpuBackend(); Scorer rs = ref.newScorer()) {
            TopKResult out = new TopKResult();
            TopKResult expected = new TopKResult();
            scorer.topK(items, batch, 20, out);
            assertThat(scorer.catalogRowsUploaded()).isEqualTo(2000);
            items.upsert("i7", TestData.randomVector(rnd, 32));   // update
            items.remove("i9");                                   // delete
            items.upsert("new", TestData.randomVector(rnd, 32));  // add
            scorer.topK(items, batch, 20, out);
            assertThat(scorer.catalogRowsUploaded()).isEqualTo(2003);
            rs.topK(items, batch, 20, expected);
            FallbackBackendTest.assertSame(expected, out);
        }
    }

    @Test
    void faultWhileReadingResidentRowsBackReplaysThemOnTheCpu() {
        SplittableRandom rnd = new SplittableRandom(10);
        ItemCatalog items = TestData.randomCatalog(rnd, 500, 64, 0.0);
        int users = 3_000;
        UserTable got = new UserTable(64, 16);
        UserTable want = new UserTable(64, 16);
        for (int u = 0; u < users; u++) {
            got.indexOrAdd("u" + u);
            want.indexOrAdd("u" + u);
        }
        CudaBackend cuda = new CudaBackend();
        try (CpuBackend ref = new CpuBackend(); EmbeddingUpdater r = ref.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
             FallbackBackend backend = new FallbackBackend(cuda, new CpuBackend());
             EmbeddingUpdater u = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            for (int step = 0; step < 4; step++) {
                UpdateBatch b = new UpdateBatch(8_000);
                for (int e = 0; e < 8_000; e++) {
                    b.add(rnd.nextInt(users), rnd.nextInt(500), 1f);
                }
                u.apply(got, items, b);
                r.apply(want, items, b);
            }
            assertThat(got.hasDeviceNewerRows()).isTrue();
            cuda.failNextLaunches(1);   // the rows_gather of the read below
            float[] row = new float[64];
            got.copyRow(0, row, 0);
            assertThat(backend.fallbacks()).isEqualTo(1);
            assertThat(got.tier()).isNull();
            float[] a = TestData.rows(got, users);
            float[] e = TestData.rows(want, users);
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).isCloseTo(e[i], within(2e-5f));
            }
        }
    }
}
