package dev.hyperrec.topology.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.ThompsonSampler;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OBD replay's significance tests against hand-computed cases, and its two-log variant against leakage. */
class BanditReplayTest {

    @Test
    void chiSquareOfTheClickByArmTableMatchesTheHandComputedValue() {
        // p = 5/20; expected clicks 2.5 per arm; each arm contributes 2.5² / (10·0.25·0.75) = 3.3333
        assertThat(BanditReplay.chiSquare(new long[] {10, 10}, new long[] {0, 5})).isCloseTo(20.0 / 3, within(1e-9));
        // an arm without impressions is left out, equal CTRs give 0
        assertThat(BanditReplay.chiSquare(new long[] {100, 0, 100}, new long[] {5, 0, 5})).isZero();
    }

    @Test
    void twoLogsCtrTestMatchesTheHandComputedTwoByTwoTable() {
        // 10/100 against 20/100: expected 15 clicks and 85 non-clicks each; χ² = 2·25/15 + 2·25/85 = 3.9216, p = 0.0477
        Map<String, Object> m = BanditReplay.compareCtr(10, 100, 20, 100);
        assertThat((Double) m.get("chi2")).isCloseTo(50.0 / 15 + 50.0 / 85, within(1e-9));
        assertThat((Double) m.get("p")).isCloseTo(0.0477, within(1e-4));
        assertThat((Double) m.get("ctr_difference")).isCloseTo(-0.10, within(1e-12));
    }

    @Test
    void armHomogeneitySeparatesADistinctArmFromEqualOnes() {
        // arm 0 clicks 30 of 100, arms 1..3 clicks 2 of 100 each: no permutation comes near
        BanditReplay.Log distinct = log(new int[] {100, 100, 100, 100}, new int[] {30, 2, 2, 2});
        Map<String, Object> d = BanditReplay.armHomogeneity(distinct, 7, 2_000);
        assertThat((Double) d.get("p_asymptotic")).isLessThan(1e-6);
        assertThat((Double) d.get("p_permutation")).isEqualTo(1.0 / 2_001);
        assertThat(d.get("df")).isEqualTo(3);
        // the same clicks spread evenly: χ² = 0, every permutation is at least as extreme
        BanditReplay.Log even = log(new int[] {100, 100, 100, 100}, new int[] {9, 9, 9, 9});
        Map<String, Object> e = BanditReplay.armHomogeneity(even, 7, 2_000);
        assertThat((Double) e.get("chi2")).isZero();
        assertThat((Double) e.get("p_permutation")).isEqualTo(1.0);
        assertThat((Double) e.get("p_asymptotic")).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void permutationPValueOfAModerateDifferenceAgreesWithTheAsymptoticOne() {
        // 20/200 against 8/200: χ² = 5.58 on 1 df, asymptotic p = 0.018; the permutation p is close to it
        BanditReplay.Log log = log(new int[] {200, 200}, new int[] {20, 8});
        Map<String, Object> m = BanditReplay.armHomogeneity(log, 11, 20_000);
        double asymptotic = (Double) m.get("p_asymptotic");
        assertThat(asymptotic).isCloseTo(0.018, within(0.001));
        assertThat((Double) m.get("p_permutation")).isBetween(asymptotic / 2, asymptotic * 2);
    }

    @Test
    void observingTheOtherLogUsesOnlyItsEarlierRowsAndChangesWhatIsChosen() {
        int k = 4;
        int rows = 400;
        // random log: arms in turn, never clicked; times t0000-b.., the BTS log's rows sit between them
        BanditReplay.Log random = timed(rows, "b", t -> t % k, false, k);
        // BTS log: arm 2 shown and clicked at every step, at times just before each random row
        BanditReplay.Log bts = timed(rows, "a", t -> 2, true, k);
        try (OperatorBackend ops = Backends.open(BackendKind.CPU)) {
            long[] withBts = once(ops, random, bts, BanditReplay.Feedback.BOTH_LOGS);
            long[] without = once(ops, random, bts, BanditReplay.Feedback.RANDOM_LOG);
            // learning arm 2's clicks makes the sampler pick arm 2, which the random log shows every 4th row
            assertThat(withBts[0]).isGreaterThan(rows / 4 - 5);
            assertThat(withBts[0]).isNotEqualTo(without[0]);

            // the first 200 choices cannot depend on BTS rows from later than the 200th random row
            BanditReplay.Log head = cut(random, 200);
            BanditReplay.Log future = bts;
            BanditReplay.Log past = cut(bts, 200); // rows t0000-a .. t0199-a: all before t0199-b
            BanditReplay.Log rewritten = rewriteFrom(bts, 200);
            long[] a = once(ops, head, future, BanditReplay.Feedback.BOTH_LOGS);
            assertThat(once(ops, head, past, BanditReplay.Feedback.BOTH_LOGS)).containsExactly(a);
            assertThat(once(ops, head, rewritten, BanditReplay.Feedback.BOTH_LOGS)).containsExactly(a);
        }
    }

    /** {@code rows} impressions at times {@code tNNNN-<suffix>}, position 1, item {@code item(t)}, all clicked or none. */
    private static BanditReplay.Log timed(int rows, String suffix, java.util.function.IntUnaryOperator item, boolean clicked, int arms) {
        String[] times = new String[rows];
        int[] items = new int[rows];
        int[] positions = new int[rows];
        boolean[] clicks = new boolean[rows];
        for (int t = 0; t < rows; t++) {
            times[t] = String.format("t%04d-%s", t, suffix);
            items[t] = item.applyAsInt(t);
            positions[t] = 1;
            clicks[t] = clicked;
        }
        return new BanditReplay.Log(times, items, positions, clicks, arms);
    }

    private static long[] once(OperatorBackend ops, BanditReplay.Log log, BanditReplay.Log other, BanditReplay.Feedback f) {
        try (ThompsonSampler s = ops.newThompsonSampler(42)) {
            return BanditReplay.replayOnce(log, other, s, f);
        }
    }

    private static BanditReplay.Log cut(BanditReplay.Log l, int n) {
        return new BanditReplay.Log(Arrays.copyOf(l.times(), n), Arrays.copyOf(l.items(), n), Arrays.copyOf(l.positions(), n),
                Arrays.copyOf(l.clicks(), n), l.arms());
    }

    /** The same log with every row from {@code from} on replaced by an unclicked impression of arm 0. */
    private static BanditReplay.Log rewriteFrom(BanditReplay.Log l, int from) {
        int[] items = l.items().clone();
        boolean[] clicks = l.clicks().clone();
        for (int t = from; t < items.length; t++) {
            items[t] = 0;
            clicks[t] = false;
        }
        return new BanditReplay.Log(l.times(), items, l.positions(), clicks, l.arms());
    }

    /** A log with {@code n[a]} impressions of arm a, the first {@code c[a]} of them clicked, arms interleaved. */
    private static BanditReplay.Log log(int[] n, int[] c) {
        int total = Arrays.stream(n).sum();
        String[] times = new String[total];
        int[] items = new int[total];
        int[] positions = new int[total];
        boolean[] clicks = new boolean[total];
        int[] shown = new int[n.length];
        int t = 0;
        while (t < total) {
            for (int a = 0; a < n.length && t < total; a++) {
                if (shown[a] < n[a]) {
                    times[t] = String.format("t%06d", t);
                    items[t] = a;
                    positions[t] = 1;
                    clicks[t] = shown[a] < c[a];
                    shown[a]++;
                    t++;
                }
            }
        }
        return new BanditReplay.Log(times, items, positions, clicks, n.length);
    }
}
