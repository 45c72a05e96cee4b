package dev.hyperrec.operators.internal.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.contract.TestData;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.SplittableRandom;
import jcuda.driver.CUctx_flags;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How the host waits for the device ({@code hyperrec.cuda.sync}): parsing anywhere, the context's flag on a device. */
class CudaContextSyncTest {

    @Test
    void parsesTheFourSettingsAndRejectsOthers() {
        assertThat(CudaContext.Sync.parse("auto")).isEqualTo(CudaContext.Sync.AUTO);
        assertThat(CudaContext.Sync.parse(" Blocking ")).isEqualTo(CudaContext.Sync.BLOCKING);
        assertThat(CudaContext.Sync.parse("YIELD")).isEqualTo(CudaContext.Sync.YIELD);
        assertThat(CudaContext.Sync.parse("spin").flag).isEqualTo(CUctx_flags.CU_CTX_SCHED_SPIN);
        assertThat(CudaContext.Sync.BLOCKING.flag).isEqualTo(CUctx_flags.CU_CTX_SCHED_BLOCKING_SYNC);
        assertThatThrownBy(() -> CudaContext.Sync.parse("sleep")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hyperrec.cuda.sync");
    }

    @Test
    @Tag("gpu")
    void aBlockingContextWaitsOnAPrimitiveAndScoresAsTheReference() {
        Assumptions.assumeTrue(CudaBackend.isUsable(), () -> "no usable CUDA device: " + CudaBackend.unusableReason());
        SplittableRandom rnd = new SplittableRandom(5);
        int dim = 32;
        ItemCatalog items = TestData.randomCatalog(rnd, 3000, dim, 0.1);
        ScoreBatch batch = TestData.randomQueries(rnd, dim, 16);
        TopKResult gpu = new TopKResult();
        TopKResult ref = new TopKResult();
        try (CudaBackend cuda = new CudaBackend(0, ScorePrecision.EXACT, CudaContext.Sync.BLOCKING);
             CpuBackend cpu = new CpuBackend(); Scorer refScorer = cpu.newScorer()) {
            int[] flags = new int[1];
            int[] active = new int[1];
            CUdevice device = new CUdevice();
            JCudaDriver.cuDeviceGet(device, 0);
            JCudaDriver.cuDevicePrimaryCtxGetState(device, flags, active);
            assertThat(active[0]).isEqualTo(1);
            assertThat(flags[0] & CUctx_flags.CU_CTX_SCHED_MASK).isEqualTo(CUctx_flags.CU_CTX_SCHED_BLOCKING_SYNC);
            cuda.newScorer(ScorePrecision.EXACT).topK(items, batch, 20, gpu);
            refScorer.topK(items, batch, 20, ref);
        } finally {
            // the flag outlives the context: later tests of this JVM get the driver's default again
            CUdevice device = new CUdevice();
            JCudaDriver.cuDeviceGet(device, 0);
            JCudaDriver.cuDevicePrimaryCtxSetFlags(device, CUctx_flags.CU_CTX_SCHED_AUTO);
        }
        for (int q = 0; q < 16; q++) {
            assertThat(gpu.count(q)).isEqualTo(ref.count(q)).isEqualTo(20);
            for (int r = 0; r < 20; r++) {
                assertThat(gpu.index(q, r)).isEqualTo(ref.index(q, r));
                assertThat(gpu.score(q, r)).isEqualTo(ref.score(q, r));
            }
        }
    }
}
