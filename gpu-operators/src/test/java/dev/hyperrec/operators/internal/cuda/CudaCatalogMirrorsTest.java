package dev.hyperrec.operators.internal.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.contract.TestData;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On a real device: the operators one thread runs share one device copy of the catalog (two tasks' scorers and
 * updaters: one copy, not four), another thread gets its own, a copy goes when its last operator closes, and a catalog
 * change synced by one operator is what the next operator of the thread reads (results equal the CPU reference).
 */
@Tag("gpu")
class CudaCatalogMirrorsTest {

    @BeforeEach
    void requireDevice() {
        Assumptions.assumeTrue(CudaBackend.isUsable(), () -> "no usable CUDA device: " + CudaBackend.unusableReason());
    }

    @Test
    void operatorsOfOneThreadShareOneCopyAndSeeEachOthersSyncs() throws Exception {
        SplittableRandom rnd = new SplittableRandom(21);
        int dim = 24;
        ItemCatalog items = TestData.randomCatalog(rnd, 1500, dim, 0.0);
        ScoreBatch batch = TestData.randomQueries(rnd, dim, 4);
        UserTable gpuUsers = new UserTable(dim, 8);
        UserTable cpuUsers = new UserTable(dim, 8);
        for (int u = 0; u < 8; u++) {
            gpuUsers.indexOrAdd("u" + u);
            cpuUsers.indexOrAdd("u" + u);
        }
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (CudaBackend cuda = new CudaBackend(); CpuBackend ref = new CpuBackend();
             Scorer refScorer = ref.newScorer();
             EmbeddingUpdater refUpdater = ref.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            CudaScorer scorerA = cuda.newScorer(ScorePrecision.EXACT);
            CudaScorer scorerB = cuda.newScorer(ScorePrecision.EXACT);
            EmbeddingUpdater updaterA = cuda.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
            EmbeddingUpdater updaterB = cuda.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
            TopKResult out = new TopKResult();
            TopKResult expected = new TopKResult();
            scorerA.topK(items, batch, 15, out);
            scorerB.topK(items, batch, 15, out);
            UpdateBatch ub = new UpdateBatch(4);
            ub.add(1, 3, 1f);
            updaterA.apply(gpuUsers, items, ub);
            updaterB.apply(gpuUsers, items, ub);
            refUpdater.apply(cpuUsers, items, ub);
            refUpdater.apply(cpuUsers, items, ub);
            assertThat(cuda.mirrors().size()).as("one copy for this thread's four operators").isEqualTo(1);
            assertThat(scorerA.catalogRowsUploaded()).as("uploaded once, by the first operator").isEqualTo(1500);

            // a change synced by the updater is what the scorers read next, without another upload
            items.upsert("i3", TestData.randomVector(rnd, dim));
            ub.clear();
            ub.add(2, 3, 0.7f);
            updaterB.apply(gpuUsers, items, ub);
            refUpdater.apply(cpuUsers, items, ub);
            assertThat(scorerA.catalogRowsUploaded()).isEqualTo(1501);
            scorerB.topK(items, batch, 15, out);
            refScorer.topK(items, batch, 15, expected);
            FallbackBackendTest.assertSame(expected, out);
            assertThat(scorerA.catalogRowsUploaded()).isEqualTo(1501);
            float[] a = new float[dim];
            float[] b = new float[dim];
            for (int u = 0; u < 8; u++) {
                gpuUsers.copyRow(u, a, 0);
                cpuUsers.copyRow(u, b, 0);
                for (int d = 0; d < dim; d++) {
                    assertThat((double) a[d]).as("user %d dim %d", u, d).isCloseTo(b[d], within(2e-5));
                }
            }

            // another thread: its own copy, freed with its operator
            CompletableFuture.runAsync(() -> {
                try (CudaScorer s = cuda.newScorer(ScorePrecision.EXACT)) {
                    TopKResult o = new TopKResult();
                    s.topK(items, batch, 15, o);
                    assertThat(cuda.mirrors().size()).isEqualTo(2);
                    FallbackBackendTest.assertSame(expected, o);
                }
            }, other).get();
            assertThat(cuda.mirrors().size()).isEqualTo(1);

            // the copy stays while one of its operators is open
            scorerA.close();
            updaterA.close();
            updaterB.close();
            assertThat(cuda.mirrors().size()).isEqualTo(1);
            scorerB.topK(items, batch, 15, out);
            FallbackBackendTest.assertSame(expected, out);
            scorerB.close();
            assertThat(cuda.mirrors().size()).isZero();
        } finally {
            other.shutdownNow();
        }
    }
}
