package dev.hyperrec.operators.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.random.BetaSampler;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link ThompsonSampler}: draws follow Beta(alpha, beta), equal the reference stream of
 * {@link BetaSampler} (within {@link #drawTolerance()}), and do not depend on batch composition.
 */
public abstract class ThompsonSamplerContract {

    protected abstract OperatorBackend openBackend();

    /** Allowed difference from {@link BetaSampler#sampleFloat} (0 for the reference backend). */
    protected float drawTolerance() {
        return 1e-5f;
    }

    @ParameterizedTest
    @CsvSource({"1,1", "2,5", "30,10", "1.5,200", "1,1000", "7,7"})
    public void sampleMeansConvergeToTheBetaMean(double alpha, double beta) {
        int n = 20_000;
        long[] keys = {42L};
        double[] a = {alpha};
        double[] b = {beta};
        float[] out = new float[1];
        double sum = 0;
        double sumSq = 0;
        try (OperatorBackend backend = openBackend(); ThompsonSampler sampler = backend.newThompsonSampler(2024)) {
            for (int i = 0; i < n; i++) {
                sampler.sample(i, keys, a, b, 1, out); // one event per draw
                assertThat(out[0]).isStrictlyBetween(0f, 1f);
                sum += out[0];
                sumSq += (double) out[0] * out[0];
            }
        }
        double mean = sum / n;
        double var = sumSq / n - mean * mean;
        double s = alpha + beta;
        assertThat(mean).isCloseTo(alpha / s, within(0.01));
        double expectedVar = alpha * beta / (s * s * (s + 1));
        assertThat(var).isCloseTo(expectedVar, within(0.1 * expectedVar + 1e-5));
    }

    @Property(tries = 30, seed = "123")
    public void drawsAreIndependentOfBatchCompositionAndOrder(@ForAll long seed, @ForAll long streamKey,
                                                             @ForAll @IntRange(min = 1, max = 40) int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] keys = new long[n];
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextLong();
            a[i] = 1 + rnd.nextInt(50) + (rnd.nextBoolean() ? rnd.nextDouble() : 0);
            b[i] = 1 + rnd.nextInt(500);
        }
        try (OperatorBackend backend = openBackend(); ThompsonSampler sampler = backend.newThompsonSampler(seed)) {
            float[] all = new float[n + 3]; // longer than n: only the first n are written
            all[n] = -1f;
            sampler.sample(streamKey, keys, a, b, n, all);
            assertThat(all[n]).isEqualTo(-1f);
            long[] rk = new long[n];
            double[] ra = new double[n];
            double[] rb = new double[n];
            for (int i = 0; i < n; i++) {
                rk[i] = keys[n - 1 - i];
                ra[i] = a[n - 1 - i];
                rb[i] = b[n - 1 - i];
            }
            float[] reversed = new float[n];
            sampler.sample(streamKey, rk, ra, rb, n, reversed);
            float[] one = new float[1];
            for (int i = 0; i < n; i++) {
                assertThat(reversed[n - 1 - i]).isEqualTo(all[i]);
                sampler.sample(streamKey, new long[] {keys[i]}, new double[] {a[i]}, new double[] {b[i]}, 1, one);
                assertThat(one[0]).isEqualTo(all[i]);
                assertThat(all[i]).isCloseTo(BetaSampler.sampleFloat(seed, streamKey, keys[i], a[i], b[i]), within(drawTolerance()));
            }
        }
    }

    @Test
    public void seedsAndStreamKeysSelectDifferentStreams() {
        long[] keys = {1, 2, 3, 4, 5, 6, 7, 8};
        double[] a = new double[8];
        double[] b = new double[8];
        java.util.Arrays.fill(a, 3);
        java.util.Arrays.fill(b, 3);
        float[] s1 = new float[8];
        float[] s2 = new float[8];
        float[] s3 = new float[8];
        float[] s4 = new float[8];
        try (OperatorBackend backend = openBackend();
             ThompsonSampler x = backend.newThompsonSampler(1);
             ThompsonSampler y = backend.newThompsonSampler(2);
             ThompsonSampler x2 = backend.newThompsonSampler(1)) {
            x.sample(10, keys, a, b, 8, s1);
            x.sample(11, keys, a, b, 8, s2);
            y.sample(10, keys, a, b, 8, s3);
            x2.sample(10, keys, a, b, 8, s4);
        }
        assertThat(s4).containsExactly(s1);
        for (int i = 0; i < 8; i++) {
            assertThat(s2[i]).isNotEqualTo(s1[i]);
            assertThat(s3[i]).isNotEqualTo(s1[i]);
        }
    }

    @Test
    public void extremeParametersStayInsideTheOpenInterval() {
        float[] out = new float[4];
        try (OperatorBackend backend = openBackend(); ThompsonSampler sampler = backend.newThompsonSampler(5)) {
            for (long ev = 0; ev < 200; ev++) {
                sampler.sample(ev, new long[] {1, 2, 3, 4}, new double[] {1e9, 1, 1e6, 1}, new double[] {1, 1e9, 1, 1}, 4, out);
                for (float f : out) {
                    assertThat(f).isStrictlyBetween(0f, 1f);
                }
            }
        }
    }

    @Test
    public void rejectsInvalidParameters() {
        try (OperatorBackend backend = openBackend(); ThompsonSampler sampler = backend.newThompsonSampler(5)) {
            float[] out = new float[1];
            assertThatThrownBy(() -> sampler.sample(0, new long[] {1}, new double[] {0}, new double[] {1}, 1, out))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("alpha=0.0");
            assertThatThrownBy(() -> sampler.sample(0, new long[] {1}, new double[] {1}, new double[] {Double.NaN}, 1, out))
                    .isInstanceOf(OperatorException.class);
            assertThatThrownBy(() -> sampler.sample(0, new long[] {1}, new double[] {1}, new double[] {1}, 2, out))
                    .isInstanceOf(OperatorException.class);
        }
    }
}
