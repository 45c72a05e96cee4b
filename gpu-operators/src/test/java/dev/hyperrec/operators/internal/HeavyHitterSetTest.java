package dev.hyperrec.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.HeavyHitter;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link HeavyHitterSet#topKeys} re-estimates only the members whose bound (cached estimate + offers since) can reach
 * the first {@code limit}; it must still return exactly the prefix of the full ranking by current estimate. A tiny
 * Count-Min (many collisions, so members' estimates also grow through other keys' events), adds interleaved with
 * top-k calls of random limits, occasional decay (halving, then {@link HeavyHitterSet#refreshAll}) and resets.
 */
class HeavyHitterSetTest {

    /** A Count-Min of {@code depth} rows with its own simple row hashes; enough to drive the set. */
    private static final class Sketch {
        final int width;
        final int depth;
        final long[] cells;
        final long[] salt;

        Sketch(int width, int depth, long seed) {
            this.width = width;
            this.depth = depth;
            this.cells = new long[width * depth];
            SplittableRandom r = new SplittableRandom(seed);
            salt = new long[depth];
            for (int i = 0; i < depth; i++) {
                salt[i] = r.nextLong() | 1;
            }
        }

        int cell(int row, long key) {
            long h = (key ^ salt[row]) * 0x9E3779B97F4A7C15L;
            return row * width + (int) Long.remainderUnsigned(h >>> 17, width);
        }

        long add(long key) {
            long est = Long.MAX_VALUE;
            for (int r = 0; r < depth; r++) {
                est = Math.min(est, ++cells[cell(r, key)]);
            }
            return est;
        }

        /** One decay step: every counter halved. */
        void halve() {
            for (int i = 0; i < cells.length; i++) {
                cells[i] >>>= 1;
            }
        }

        long estimate(long key) {
            long est = Long.MAX_VALUE;
            for (int r = 0; r < depth; r++) {
                est = Math.min(est, cells[cell(r, key)]);
            }
            return est;
        }
    }

    /** Skewed keys: a few hot ones, a long tail. */
    private static long skewedKey(SplittableRandom rnd, int keys) {
        return rnd.nextInt(4) == 0 ? rnd.nextInt(keys) : rnd.nextInt(1 + rnd.nextInt(keys));
    }

    @Property(tries = 60, seed = "31337")
    void topKeysIsAlwaysThePrefixOfTheFullRanking(@ForAll long seed,
                                                   @ForAll @IntRange(min = 1, max = 40) int capacity,
                                                   @ForAll @IntRange(min = 2, max = 64) int width) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Sketch sketch = new Sketch(width, 1 + rnd.nextInt(4), seed);
        HeavyHitterSet set = new HeavyHitterSet(capacity);
        int keys = 5 + rnd.nextInt(300);
        long[] out = new long[capacity + 5];
        int[] estimated = new int[1];
        for (int step = 0; step < 3_000; step++) {
            long key = skewedKey(rnd, keys);
            long est = sketch.add(key);
            set.offer(key, est, sketch::estimate);
            if (rnd.nextInt(400) == 0) {
                sketch.halve();
                set.refreshAll(sketch::estimate);
            }
            if (rnd.nextInt(900) == 0) {
                set.reset(set.sortedKeys(), sketch::estimate);
            }
            if (rnd.nextInt(3) == 0) {
                int limit = rnd.nextInt(capacity + 5);
                List<HeavyHitter> ranked = set.ranked(sketch::estimate);
                estimated[0] = 0;
                int n = set.topKeys(limit, out, k -> {
                    estimated[0]++;
                    return sketch.estimate(k);
                });
                assertThat(n).isEqualTo(Math.min(limit, ranked.size()));
                for (int i = 0; i < n; i++) {
                    assertThat(out[i]).as("step %d rank %d of %d", step, i, n).isEqualTo(ranked.get(i).key());
                }
                assertThat(estimated[0]).isLessThanOrEqualTo(set.size());
            }
        }
    }

    /** With a hot set much larger than the prefix asked for, most calls re-estimate only a few members. */
    @Property(tries = 5, seed = "99")
    void aShortPrefixReEstimatesFewMembers(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Sketch sketch = new Sketch(2_000, 5, seed);
        HeavyHitterSet set = new HeavyHitterSet(200);
        long[] out = new long[20];
        long estimatedTotal = 0;
        int calls = 0;
        for (int step = 0; step < 50_000; step++) {
            // Zipf-like: key j with weight about 1/(j+1)
            long key = (long) Math.floor(Math.exp(rnd.nextDouble() * Math.log(5_000))) - 1;
            set.offer(key, sketch.add(key), sketch::estimate);
            if (step >= 40_000) {
                int[] estimated = new int[1];
                set.topKeys(20, out, k -> {
                    estimated[0]++;
                    return sketch.estimate(k);
                });
                estimatedTotal += estimated[0];
                calls++;
            }
        }
        assertThat(set.size()).isEqualTo(200);
        // the full ranking would re-estimate all 200 members on every call
        assertThat((double) estimatedTotal / calls).isLessThan(100.0);
    }

    /**
     * {@link ExactHeavyHitters} (the host sketch's set) against this class, fed the same counted events over the same
     * counters: the same members, the same ranking and the same hot keys for any limit after every step, through
     * collisions (a few cells a row), decay steps and resets.
     */
    @Property(tries = 80, seed = "4242")
    void exactEstimatesGiveTheSameSetAndOrderAsLazyOnes(@ForAll long seed,
                                                        @ForAll @IntRange(min = 1, max = 40) int capacity,
                                                        @ForAll @IntRange(min = 2, max = 64) int width) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Sketch sketch = new Sketch(width, 1 + rnd.nextInt(4), seed);
        HeavyHitterSet lazy = new HeavyHitterSet(capacity);
        ExactHeavyHitters exact = new ExactHeavyHitters(capacity, sketch.cells, sketch.depth, (key, out) -> {
            for (int r = 0; r < sketch.depth; r++) {
                out[r] = sketch.cell(r, key);
            }
        });
        int keys = 5 + rnd.nextInt(300);
        long[] a = new long[capacity + 5];
        long[] b = new long[capacity + 5];
        int[] cells = new int[sketch.depth];
        int compared = 0;
        for (int step = 0; step < 3_000; step++) {
            long key = skewedKey(rnd, keys);
            long est = sketch.add(key);
            for (int r = 0; r < sketch.depth; r++) {
                cells[r] = sketch.cell(r, key);
            }
            lazy.offer(key, est, sketch::estimate);
            exact.counted(key, cells, est);
            if (rnd.nextInt(400) == 0) {
                sketch.halve();
                lazy.refreshAll(sketch::estimate);
                exact.refreshAll();
            }
            if (rnd.nextInt(900) == 0) {
                long[] members = lazy.sortedKeys();
                lazy.reset(members, sketch::estimate);
                exact.reset(members);
            }
            assertThat(exact.sortedKeys()).as("step %d", step).isEqualTo(lazy.sortedKeys());
            if (rnd.nextInt(3) == 0) {
                int limit = rnd.nextInt(capacity + 5);
                int n = lazy.topKeys(limit, a, sketch::estimate);
                assertThat(exact.topKeys(limit, b)).isEqualTo(n);
                assertThat(java.util.Arrays.copyOf(b, n)).as("step %d, limit %d", step, limit)
                        .isEqualTo(java.util.Arrays.copyOf(a, n));
                assertThat(exact.ranked()).isEqualTo(lazy.ranked(sketch::estimate));
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(800);
        assertThat(exact.size()).isEqualTo(Math.min(capacity, lazy.size())).isPositive();
    }
}
