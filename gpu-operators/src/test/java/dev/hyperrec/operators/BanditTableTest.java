package dev.hyperrec.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class BanditTableTest {

    private record Entry(int segment, long key, long impressions, long clicks) {
    }

    private static List<Entry> dirty(BanditTable t) {
        List<Entry> out = new ArrayList<>();
        t.forEachDirty((s, k, i, c) -> out.add(new Entry(s, k, i, c)));
        return out;
    }

    @Test
    void countsGiveBetaPosterior() {
        BanditTable t = new BanditTable();
        for (int i = 0; i < 10; i++) {
            t.recordImpression(3, 77L);
        }
        t.recordClick(3, 77L);
        t.recordClick(3, 77L);
        assertThat(t.impressions(3, 77L)).isEqualTo(10);
        assertThat(t.clicks(3, 77L)).isEqualTo(2);
        assertThat(t.alpha(3, 77L)).isEqualTo(3.0);
        assertThat(t.beta(3, 77L)).isEqualTo(9.0);
        // other segment and unseen items: the uniform prior
        assertThat(t.alpha(4, 77L)).isEqualTo(1.0);
        assertThat(t.beta(4, 77L)).isEqualTo(1.0);
        // clicks beyond impressions clamp beta at 1
        t.recordClick(5, 1L);
        assertThat(t.beta(5, 1L)).isEqualTo(1.0);
        assertThat(t.alpha(5, 1L)).isEqualTo(2.0);
        assertThat(t.size()).isEqualTo(2);
    }

    @Test
    void fillWritesParametersForABatchOfKeys() {
        BanditTable t = new BanditTable();
        t.put(1, 10L, 5, 1);
        t.put(2, 10L, 50, 20);
        long[] keys = {10L, 11L, 10L, 99L};
        double[] a = new double[4];
        double[] b = new double[4];
        a[3] = -1;
        t.fill(1, keys, 3, a, b);
        assertThat(a).containsExactly(2.0, 1.0, 2.0, -1.0);
        assertThat(b).containsExactly(5.0, 1.0, 5.0, 0.0);
        assertThatThrownBy(() -> t.fill(1, keys, 5, a, b)).isInstanceOf(OperatorException.class);
    }

    @Test
    void dirtyEntriesAreVisitedSortedAndPutDoesNotMarkDirty() {
        BanditTable t = new BanditTable(2);
        t.put(0, 5L, 100, 3);
        t.recordImpression(2, -4L);
        t.recordImpression(1, 9L);
        t.recordClick(2, -9L);
        t.recordImpression(1, 2L);
        t.add(0, 5L, 10, 1);
        assertThat(t.dirtyCount()).isEqualTo(5);
        assertThat(dirty(t)).containsExactly(
                new Entry(0, 5L, 110, 4),
                new Entry(1, 2L, 1, 0),
                new Entry(1, 9L, 1, 0),
                new Entry(2, -9L, 0, 1),
                new Entry(2, -4L, 1, 0));
        t.clearDirty();
        assertThat(dirty(t)).isEmpty();
        t.recordClick(1, 9L);
        assertThat(dirty(t)).containsExactly(new Entry(1, 9L, 1, 1));
        List<Entry> all = new ArrayList<>();
        t.forEach((s, k, i, c) -> all.add(new Entry(s, k, i, c)));
        assertThat(all).hasSize(5).first().isEqualTo(new Entry(0, 5L, 110, 4));
        assertThatThrownBy(() -> t.put(0, 1L, -1, 0)).isInstanceOf(OperatorException.class);
        assertThatThrownBy(() -> t.add(0, 1L, 0, -1)).isInstanceOf(OperatorException.class);
    }

    /** Many entries across growth and rehashing agree with a map reference; dirty order is sorted. */
    @Property(tries = 20, seed = "4711")
    void agreesWithAMapReference(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        BanditTable t = new BanditTable(1);
        Map<String, long[]> ref = new HashMap<>();
        for (int op = 0; op < 5000; op++) {
            int seg = rnd.nextInt(4) - 1;
            long key = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(500);
            long[] c = ref.computeIfAbsent(seg + ":" + key, x -> new long[2]);
            if (rnd.nextInt(5) == 0) {
                t.recordClick(seg, key);
                c[1]++;
            } else {
                t.recordImpression(seg, key);
                c[0]++;
            }
        }
        assertThat(t.size()).isEqualTo(ref.size());
        assertThat(t.dirtyCount()).isEqualTo(ref.size());
        List<Entry> d = dirty(t);
        assertThat(d).hasSize(ref.size());
        for (int i = 0; i < d.size(); i++) {
            Entry e = d.get(i);
            long[] c = ref.get(e.segment() + ":" + e.key());
            assertThat(new long[] {e.impressions(), e.clicks()}).containsExactly(c);
            assertThat(t.alpha(e.segment(), e.key())).isEqualTo(1.0 + c[1]);
            assertThat(t.beta(e.segment(), e.key())).isEqualTo(1.0 + Math.max(0, c[0] - c[1]));
            if (i > 0) {
                Entry p = d.get(i - 1);
                assertThat(p.segment() < e.segment() || (p.segment() == e.segment() && p.key() < e.key())).isTrue();
            }
        }
    }

    @Test
    void entriesKeepTheirIndexThroughGrowthAndAreReadByIt() {
        BanditTable t = new BanditTable(2);
        for (int i = 0; i < 100; i++) {
            t.recordImpression(i % 3, 1000L - i);
        }
        t.recordClick(1, 1000L - 1);
        t.put(2, 1000L - 2, 7, 5);
        for (int e = 0; e < t.size(); e++) {
            assertThat(t.segmentAt(e)).isEqualTo(e % 3);
            assertThat(t.keyAt(e)).isEqualTo(1000L - e);
            assertThat(t.impressionsAt(e)).isEqualTo(t.impressions(e % 3, 1000L - e));
            assertThat(t.clicksAt(e)).isEqualTo(t.clicks(e % 3, 1000L - e));
        }
        assertThat(t.clicksAt(1)).isEqualTo(1);
        assertThat(t.impressionsAt(2)).isEqualTo(7);
        assertThatThrownBy(() -> t.keyAt(100)).isInstanceOf(OperatorException.class);
        assertThatThrownBy(() -> t.segmentAt(-1)).isInstanceOf(OperatorException.class);
    }
}
