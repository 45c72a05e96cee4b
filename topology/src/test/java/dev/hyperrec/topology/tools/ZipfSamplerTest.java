package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The benchmarks' user-activity sampler: exact Zipf probabilities, and draws that follow them. */
class ZipfSamplerTest {

    @Test
    void probabilitiesAreZipfsAndSumToOne() {
        ZipfSampler z = new ZipfSampler(1000, 1.0);
        double sum = 0;
        for (int r = 0; r < z.size(); r++) {
            sum += z.probability(r);
        }
        assertThat(sum).isCloseTo(1.0, within(1e-12));
        // P(r) ∝ 1/(r+1): rank 0 is twice rank 1 and ten times rank 9; H(1000) = 7.4855
        assertThat(z.probability(0) / z.probability(1)).isCloseTo(2.0, within(1e-12));
        assertThat(z.probability(0) / z.probability(9)).isCloseTo(10.0, within(1e-12));
        assertThat(z.probability(0)).isCloseTo(1 / 7.485470860550343, within(1e-12));
    }

    @Test
    void drawsFollowTheProbabilities() {
        ZipfSampler z = new ZipfSampler(10_000, 1.0);
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 400_000;
        int[] counts = new int[z.size()];
        for (int i = 0; i < n; i++) {
            int r = z.sample(rnd);
            assertThat(r).isBetween(0, z.size() - 1);
            counts[r]++;
        }
        for (int r : new int[] {0, 1, 2, 9, 99}) {
            double p = z.probability(r);
            double sd = Math.sqrt(p * (1 - p) / n);
            assertThat(counts[r] / (double) n).as("rank %d", r).isCloseTo(p, within(5 * sd));
        }
        // the tail: ranks 1000..9999 together
        double tail = 0;
        int tailCount = 0;
        for (int r = 1000; r < z.size(); r++) {
            tail += z.probability(r);
            tailCount += counts[r];
        }
        assertThat(tailCount / (double) n).isCloseTo(tail, within(5 * Math.sqrt(tail * (1 - tail) / n)));
    }

    @Test
    void exponentZeroIsUniformAndSeedsRepeat() {
        ZipfSampler z = new ZipfSampler(4, 0.0);
        assertThat(z.probability(3)).isCloseTo(0.25, within(1e-15));
        SplittableRandom a = new SplittableRandom(5);
        SplittableRandom b = new SplittableRandom(5);
        int[] counts = new int[4];
        for (int i = 0; i < 40_000; i++) {
            int r = z.sample(a);
            assertThat(z.sample(b)).isEqualTo(r);
            counts[r]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(9_500, 10_500);
        }
    }

    @Test
    void oneRankAlwaysDrawsIt() {
        ZipfSampler z = new ZipfSampler(1, 1.2);
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) {
            assertThat(z.sample(rnd)).isZero();
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new ZipfSampler(0, 1)).hasMessageContaining("n must be >= 1, was 0");
        assertThatThrownBy(() -> new ZipfSampler(10, -0.5)).hasMessageContaining("exponent must be finite and >= 0, was -0.5");
        assertThatThrownBy(() -> new ZipfSampler(10, Double.NaN)).hasMessageContaining("was NaN");
        assertThatThrownBy(() -> new ZipfSampler(10, 1).probability(10)).hasMessageContaining("rank must be in [0, 10), was 10");
    }
}
