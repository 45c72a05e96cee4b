package dev.hyperrec.operators.internal.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hyperrec.operators.random.BetaSampler;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The two Thompson kernels give the same draws bit for bit ({@code thompson_beta_deferred}, the
 * default, queues the slow Marsaglia–Tsang cases per block; {@code thompson_beta} runs them in lockstep),
 * over many blocks and shapes from 1 to 5000, and both match the CPU reference within the contract's 1e-5.
 */
@Tag("gpu")
class CudaThompsonKernelsTest {

    @BeforeEach
    void device() {
        assumeTrue(CudaBackend.isUsable(), () -> "a CUDA device is usable here: " + CudaBackend.unusableReason());
    }

    @Test
    void deferredAndLockstepKernelsDrawTheSameValues() {
        int n = 100_003;   // not a multiple of the block's 128 candidates
        SplittableRandom rnd = new SplittableRandom(21);
        long[] keys = new long[n];
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextLong();
            a[i] = 1 + (rnd.nextBoolean() ? rnd.nextInt(5) : rnd.nextInt(5000));
            b[i] = 1 + (rnd.nextBoolean() ? rnd.nextInt(5) : rnd.nextInt(5000));
        }
        float[] deferred = new float[n];
        float[] lockstep = new float[n];
        try (CudaBackend cuda = new CudaBackend()) {
            CudaThompsonSampler s = (CudaThompsonSampler) cuda.newThompsonSampler(99);
            s.sample(7, keys, a, b, n, deferred);
            s.deferred(false);
            s.sample(7, keys, a, b, n, lockstep);
        }
        assertThat(deferred).containsExactly(lockstep);
        for (int i = 0; i < n; i += 97) {
            assertThat(deferred[i]).isCloseTo(BetaSampler.sampleFloat(99, 7, keys[i], a[i], b[i]), within(1e-5f));
        }
    }
}
