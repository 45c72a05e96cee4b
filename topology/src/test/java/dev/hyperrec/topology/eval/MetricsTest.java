package dev.hyperrec.topology.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void rankIsOneBasedAndZeroWhenAbsent() {
        int[] list = {5, 3, 9, 0};
        assertThat(Metrics.rank(list, 4, 5)).isEqualTo(1);
        assertThat(Metrics.rank(list, 4, 9)).isEqualTo(3);
        assertThat(Metrics.rank(list, 3, 0)).isZero(); // beyond the list's length
        assertThat(Metrics.rank(list, 4, 7)).isZero();
    }

    @Test
    void ndcgOfOneRelevantItem() {
        assertThat(Metrics.ndcg(1, 10)).isEqualTo(1.0);
        assertThat(Metrics.ndcg(2, 10)).isCloseTo(1 / (Math.log(3) / Math.log(2)), within(1e-12)); // 0.6309
        assertThat(Metrics.ndcg(3, 10)).isCloseTo(0.5, within(1e-12));
        assertThat(Metrics.ndcg(10, 10)).isCloseTo(1 / (Math.log(11) / Math.log(2)), within(1e-12));
        assertThat(Metrics.ndcg(11, 10)).isZero();
        assertThat(Metrics.ndcg(0, 10)).isZero();
    }

    @Test
    void handComputedRun() {
        // Four test events: hit at rank 1, hit at rank 3, hit at rank 15 (only @20), miss.
        Metrics m = new Metrics();
        int[] a = {1, 2, 3};
        m.record(a, 3, 1);
        m.record(new int[] {4, 5, 6}, 3, 3);
        int[] twenty = new int[20];
        for (int i = 0; i < 20; i++) {
            twenty[i] = 100 + i;
        }
        m.record(twenty, 20, 15);
        m.record(new int[] {1}, 1, 0);
        assertThat(m.tests()).isEqualTo(4);
        assertThat(m.recallAt10()).isEqualTo(2 / 4.0);
        assertThat(m.recallAt20()).isEqualTo(3 / 4.0);
        assertThat(m.ndcgAt10()).isCloseTo((1.0 + 0.5) / 4, within(1e-12));
        // top-10 items shown: 1..6 and 100..109 = 16 distinct items
        assertThat(m.coverageAt10(32)).isEqualTo(0.5);
    }

    @Test
    void wilsonIntervalMatchesTheTextbook() {
        double[] ci = BanditReplay.wilson(0.5, 100);
        assertThat(ci[0]).isCloseTo(0.4038, within(1e-4));
        assertThat(ci[1]).isCloseTo(0.5962, within(1e-4));
        double[] zero = BanditReplay.wilson(0.0, 50);
        assertThat(zero[0]).isZero();
        assertThat(zero[1]).isCloseTo(0.0714, within(1e-4));
    }

    @Test
    void topKSelectsBestFirstWithTiesByLowerIndexAndSkipsExcluded() {
        float[] score = {0.5f, 0.9f, 0.5f, 0.1f, 0.9f, 0.7f};
        int[] cand = {0, 1, 2, 3, 4, 5};
        int[] out = new int[3];
        int n = TopK.select(cand, cand.length, score, 3, i -> i == 4, out);
        assertThat(n).isEqualTo(3);
        assertThat(out).containsExactly(1, 5, 0);
    }
}
