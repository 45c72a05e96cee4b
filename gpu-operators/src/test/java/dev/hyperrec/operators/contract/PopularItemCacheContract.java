package dev.hyperrec.operators.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.PopularCacheConfig;
import dev.hyperrec.operators.PopularItemCache;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.contract.TestData.Ranked;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** {@link PopularItemCache} on a backend's scorer: rebuild policy and rows against brute force. */
public abstract class PopularItemCacheContract {

    protected abstract OperatorBackend openBackend();

    private static long key(int i) {
        return ItemKeys.hash64("i" + i);
    }

    private static long[] keys(int... items) {
        long[] out = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = key(items[i]);
        }
        return out;
    }

    @Property(tries = 20, seed = "555")
    public void rowsEqualBruteForceSimilarity(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int rowLength) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 50 + rnd.nextInt(300);
        ItemCatalog items = TestData.integerCatalog(rnd, n, 1 + rnd.nextInt(6));
        int removed = rnd.nextInt(n);
        items.remove("i" + removed);
        int[] hot = new int[1 + rnd.nextInt(12)];
        for (int i = 0; i < hot.length; i++) {
            hot[i] = rnd.nextInt(n);
        }
        long[] hotKeys = keys(hot);
        long unknown = ItemKeys.hash64("not-in-catalog");
        long[] withUnknown = java.util.Arrays.copyOf(hotKeys, hotKeys.length + 1);
        withUnknown[hotKeys.length] = unknown;
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            PopularItemCache cache = new PopularItemCache(scorer, new PopularCacheConfig(rowLength, 0.3, 1000));
            assertThat(cache.maybeRebuild(items, withUnknown, 0)).isTrue();
            for (int h : hot) {
                int[] row = cache.similar(key(h));
                if (h == removed) {
                    assertThat(row).as("inactive hot item has no row").isNull();
                    continue;
                }
                ScoreBatch q = new ScoreBatch(items.dim(), 1);
                float[] v = new float[items.dim()];
                items.copyEmbedding(h, v, 0);
                q.add(v, new int[] {h});
                List<Ranked> ref = TestData.referenceRanking(items, q, 0);
                int expected = Math.min(rowLength, ref.size());
                assertThat(row).hasSize(expected).doesNotContain(h, removed);
                for (int j = 0; j < expected; j++) {
                    assertThat(row[j]).as("hot %d rank %d", h, j).isEqualTo(ref.get(j).index());
                }
            }
            assertThat(cache.similar(unknown)).isNull();
            assertThat(cache.cachedHotKeys()).isSorted().contains(unknown);
        }
    }

    @Test
    public void rebuildsOnFirstUseDriftAndPeriodOnly() {
        ItemCatalog items = TestData.integerCatalog(new SplittableRandom(1), 40, 4);
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            PopularItemCache cache = new PopularItemCache(scorer, new PopularCacheConfig(5, 0.4, 1000));
            assertThat(cache.isBuilt()).isFalse();
            assertThat(cache.lastRebuildMs()).isEqualTo(Long.MIN_VALUE);
            assertThat(cache.maybeRebuild(items, keys(1, 2, 3, 4), 10_000)).as("first build").isTrue();
            assertThat(cache.rebuilds()).isEqualTo(1);
            assertThat(cache.lastRebuildMs()).isEqualTo(10_000);
            assertThat(cache.rowCount()).isEqualTo(4);
            // same set, reordered, duplicated: no drift, period not reached
            assertThat(cache.maybeRebuild(items, keys(4, 3, 2, 1, 1), 10_999)).isFalse();
            // {1,2,3,5} vs {1,2,3,4}: distance 2/5 = 0.4, not above the threshold
            assertThat(cache.maybeRebuild(items, keys(1, 2, 3, 5), 10_500)).isFalse();
            assertThat(cache.cachedHotKeys()).containsExactly(sorted(keys(1, 2, 3, 4)));
            // {1,2,5,6} vs {1,2,3,4}: distance 4/6 > 0.4
            assertThat(cache.maybeRebuild(items, keys(1, 2, 5, 6), 10_600)).isTrue();
            assertThat(cache.cachedHotKeys()).containsExactly(sorted(keys(1, 2, 5, 6)));
            assertThat(cache.lastRebuildMs()).isEqualTo(10_600);
            // an out-of-order (earlier) event time never triggers the period
            assertThat(cache.maybeRebuild(items, keys(1, 2, 5, 6), 5_000)).isFalse();
            assertThat(cache.maybeRebuild(items, keys(1, 2, 5, 6), 11_599)).isFalse();
            assertThat(cache.maybeRebuild(items, keys(1, 2, 5, 6), 11_600)).as("period elapsed").isTrue();
            assertThat(cache.rebuilds()).isEqualTo(3);
        }
    }

    @Test
    public void zeroThresholdRebuildsOnAnyChange() {
        ItemCatalog items = TestData.integerCatalog(new SplittableRandom(2), 20, 3);
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            PopularItemCache cache = new PopularItemCache(scorer, new PopularCacheConfig(3, 0.0, Long.MAX_VALUE));
            assertThat(cache.maybeRebuild(items, new long[0], 0)).isTrue();
            assertThat(cache.maybeRebuild(items, new long[0], Long.MAX_VALUE - 1)).isFalse();
            assertThat(cache.maybeRebuild(items, new long[0], Long.MAX_VALUE)).as("period of Long.MAX_VALUE elapsed").isTrue();
            assertThat(cache.maybeRebuild(items, keys(3), 1)).isTrue();
            assertThat(cache.maybeRebuild(items, keys(3), 2)).isFalse();
            assertThat(cache.maybeRebuild(items, keys(3, 4), 3)).isTrue();
        }
    }

    @Test
    public void countsHitsAndMissesAndReturnsCopies() {
        ItemCatalog items = TestData.integerCatalog(new SplittableRandom(3), 30, 4);
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            PopularItemCache cache = new PopularItemCache(scorer, new PopularCacheConfig(4, 0.5, 100));
            cache.maybeRebuild(items, keys(7, 8), 0);
            int[] row = cache.similar(key(7));
            assertThat(row).hasSize(4);
            row[0] = -42;
            assertThat(cache.similar(key(7))[0]).isNotEqualTo(-42);
            assertThat(cache.similar(key(9))).isNull();
            assertThat(cache.similar(key(8))).isNotNull();
            assertThat(cache.hits()).isEqualTo(3);
            assertThat(cache.misses()).isEqualTo(1);
            // a look ahead (the engine foreseeing a list's candidates) gives the same copies and counts nothing
            int[] peeked = cache.peekSimilar(key(7));
            assertThat(peeked).containsExactly(cache.similar(key(7)));
            peeked[0] = -42;
            assertThat(cache.peekSimilar(key(7))[0]).isNotEqualTo(-42);
            assertThat(cache.peekSimilar(key(9))).isNull();
            assertThat(cache.hits()).isEqualTo(4);
            assertThat(cache.misses()).isEqualTo(1);
        }
    }

    @Test
    public void restoreReproducesRowsAndTheRebuildSchedule() {
        ItemCatalog items = TestData.integerCatalog(new SplittableRandom(4), 60, 5);
        try (OperatorBackend backend = openBackend(); Scorer scorer = backend.newScorer()) {
            PopularCacheConfig config = new PopularCacheConfig(6, 0.5, 1000);
            PopularItemCache original = new PopularItemCache(scorer, config);
            original.maybeRebuild(items, keys(1, 9, 17, 33), 5_000);
            PopularItemCache restarted = new PopularItemCache(scorer, config);
            restarted.restore(items, original.cachedHotKeys(), original.lastRebuildMs());
            assertThat(restarted.rebuilds()).isZero();
            assertThat(restarted.cachedHotKeys()).containsExactly(original.cachedHotKeys());
            assertThat(restarted.lastRebuildMs()).isEqualTo(5_000);
            for (int h : new int[] {1, 9, 17, 33}) {
                assertThat(restarted.similar(key(h))).containsExactly(original.similar(key(h)));
            }
            // both decide the same afterwards: distance 2/5 is below 0.5, then the period elapses
            long[] next = keys(1, 9, 17, 34);
            assertThat(restarted.maybeRebuild(items, next, 5_500)).isEqualTo(original.maybeRebuild(items, next, 5_500)).isFalse();
            assertThat(restarted.maybeRebuild(items, next, 6_000)).isEqualTo(original.maybeRebuild(items, next, 6_000)).isTrue();
        }
    }

    private static long[] sorted(long[] a) {
        long[] s = a.clone();
        java.util.Arrays.sort(s);
        return s;
    }
}
