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
 * The Thompson kernel at scale: 100,003 candidates (many blocks, a partial last one), shapes from 1 to
 * 5000 (from the retry-prone small shapes to the squeeze-dominated large ones), against the CPU
 * reference within the contract's 1e-5, and the same draws on a second call.
 */
@Tag("gpu")
class CudaThompsonKernelsTest {

    @BeforeEach
    void device() {
        assumeTrue(CudaBackend.isUsable(), () -> "a CUDA device is usable here: " + CudaBackend.unusableReason());
    }

    @Test
    void drawsMatchTheReferenceAcrossManyBlocksAndShapes() {
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
        float[] first = new float[n];
        float[] again = new float[n];
        try (CudaBackend cuda = new CudaBackend()) {
            CudaThompsonSampler s = (CudaThompsonSampler) cuda.newThompsonSampler(99);
            s.sample(7, keys, a, b, n, first);
            s.sample(7, keys, a, b, n, again);
        }
        assertThat(again).containsExactly(first);
        for (int i = 0; i < n; i += 37) {
            assertThat(first[i]).as("candidate %d, Beta(%s, %s)", i, a[i], b[i])
                    .isCloseTo(BetaSampler.sampleFloat(99, 7, keys[i], a[i], b[i]), within(1e-5f));
        }
    }
}
