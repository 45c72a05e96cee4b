package dev.hyperrec.operators.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.HeavyHitter;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.SketchState;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link PopularitySketch}: integer state identical to an independent reference
 * (BigInteger hashing, naive heavy-hitter scan), the Count-Min bounds, decay, hot set, snapshots.
 */
public abstract class PopularitySketchContract {

    protected abstract OperatorBackend openBackend();

    /** A seeded stream of keys (Zipf over {@code universe} random 64-bit keys) and event times. */
    record Stream(long[] keys, long[] times, long[] universe) {
        static Stream zipf(long seed, int universe, double s, int n, long halfLife, boolean jitterBack) {
            SplittableRandom rnd = new SplittableRandom(seed);
            long[] u = new long[universe];
            for (int i = 0; i < universe; i++) {
                u[i] = rnd.nextLong();
            }
            TestData.Zipf z = new TestData.Zipf(universe, s);
            long[] keys = new long[n];
            long[] times = new long[n];
            long t = rnd.nextLong(0, 1_000_000_000L);
            for (int i = 0; i < n; i++) {
                keys[i] = u[z.sample(rnd)];
                if (halfLife > 0) {
                    double p = rnd.nextDouble();
                    if (p < 0.01) {
                        t += halfLife * (1 + rnd.nextInt(3)); // jump one to three epochs
                    } else if (p < 0.02 && jitterBack) {
                        times[i] = t - rnd.nextLong(3 * halfLife); // late event: counts in the current epoch
                        continue;
                    } else {
                        t += rnd.nextLong(halfLife / 50 + 1);
                    }
                }
                times[i] = t;
            }
            return new Stream(keys, times, u);
        }
    }

    /** An independent Count-Min reference: BigInteger row hashes, per-cell counters, naive hot set. */
    static final class ReferenceSketch {
        private static final BigInteger P = BigInteger.ONE.shiftLeft(61).subtract(BigInteger.ONE);
        private final int width;
        private final int depth;
        private final long halfLife;
        private final int capacity;
        private final BigInteger[] a;
        private final BigInteger[] b;
        private final long[] counters;
        private final List<Long> members = new ArrayList<>();
        private long total;
        private long epoch;

        ReferenceSketch(CountMinConfig c) {
            width = (int) Math.ceil(Math.E / c.epsilon());
            depth = (int) Math.ceil(Math.log(1 / c.delta()));
            halfLife = c.halfLifeMs();
            capacity = c.heavyHitters();
            a = new BigInteger[depth];
            b = new BigInteger[depth];
            long state = c.seed();
            for (int i = 0; i < depth; i++) {
                state += 0x9E3779B97F4A7C15L;
                a[i] = unsigned(splitMix(state)).mod(P.subtract(BigInteger.ONE)).add(BigInteger.ONE);
                state += 0x9E3779B97F4A7C15L;
                b[i] = unsigned(splitMix(state)).mod(P);
            }
            counters = new long[width * depth];
        }

        private static long splitMix(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }

        private static BigInteger unsigned(long v) {
            return new BigInteger(Long.toUnsignedString(v));
        }

        int bucket(int row, long key) {
            return a[row].multiply(unsigned(key).mod(P)).add(b[row]).mod(P).mod(BigInteger.valueOf(width)).intValueExact();
        }

        void add(long key, long time) {
            if (halfLife > 0) {
                long e = Math.floorDiv(time, halfLife);
                if (e > epoch) {
                    long shift = Math.min(63, e - epoch);
                    for (int i = 0; i < counters.length; i++) {
                        counters[i] >>= shift;
                    }
                    total >>= shift;
                    epoch = e;
                }
            }
            for (int r = 0; r < depth; r++) {
                counters[r * width + bucket(r, key)]++;
            }
            total++;
            long est = estimate(key);
            if (members.contains(key)) {
                return;
            }
            if (members.size() < capacity) {
                members.add(key);
                return;
            }
            Long smallest = null;
            long smallestEst = 0;
            for (Long m : members) {
                long me = estimate(m);
                if (smallest == null || me < smallestEst || (me == smallestEst && m > smallest)) {
                    smallest = m;
                    smallestEst = me;
                }
            }
            if (est > smallestEst) {
                members.remove(smallest);
                members.add(key);
            }
        }

        long estimate(long key) {
            long est = Long.MAX_VALUE;
            for (int r = 0; r < depth; r++) {
                est = Math.min(est, counters[r * width + bucket(r, key)]);
            }
            return est;
        }

        List<HeavyHitter> ranked() {
            List<HeavyHitter> out = new ArrayList<>();
            for (long m : members) {
                out.add(new HeavyHitter(m, estimate(m)));
            }
            out.sort(Comparator.comparingLong(HeavyHitter::estimate).reversed().thenComparingLong(HeavyHitter::key));
            return out;
        }

        long[] sortedMembers() {
            return members.stream().mapToLong(Long::longValue).sorted().toArray();
        }
    }

    /** The exact per-key counts decayed like the sketch (floor-halving per epoch crossed). */
    static final class ExactDecayed {
        final Map<Long, Long> counts = new HashMap<>();
        final long halfLife;
        long epoch;
        long total;

        ExactDecayed(long halfLife) {
            this.halfLife = halfLife;
        }

        void add(long key, long time) {
            if (halfLife > 0) {
                long e = Math.floorDiv(time, halfLife);
                if (e > epoch) {
                    long shift = Math.min(63, e - epoch);
                    counts.replaceAll((k, v) -> v >> shift);
                    total >>= shift;
                    epoch = e;
                }
            }
            counts.merge(key, 1L, Long::sum);
            total++;
        }
    }

    @Property(tries = 25, seed = "1337")
    public void integerStateEqualsIndependentReference(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        CountMinConfig config = new CountMinConfig(
                new double[] {0.05, 0.01, 0.003}[rnd.nextInt(3)],
                new double[] {0.2, 0.05, 0.001}[rnd.nextInt(3)],
                new long[] {0, 1000, 60_000}[rnd.nextInt(3)],
                new int[] {1, 4, 16}[rnd.nextInt(3)],
                rnd.nextLong());
        Stream s = Stream.zipf(rnd.nextLong(), 200, 1.1, 1500, config.halfLifeMs(), true);
        ReferenceSketch ref = new ReferenceSketch(config);
        try (OperatorBackend backend = openBackend(); PopularitySketch sketch = backend.newPopularitySketch(config)) {
            int half = s.keys().length / 2;
            sketch.add(s.keys(), s.times(), half);
            for (int i = 0; i < half; i++) {
                ref.add(s.keys()[i], s.times()[i]);
            }
            assertMatches(sketch, ref);
            long[] restKeys = Arrays.copyOfRange(s.keys(), half, s.keys().length);
            long[] restTimes = Arrays.copyOfRange(s.times(), half, s.keys().length);
            sketch.add(restKeys, restTimes, restKeys.length);
            for (int i = 0; i < restKeys.length; i++) {
                ref.add(restKeys[i], restTimes[i]);
            }
            assertMatches(sketch, ref);
        }
    }

    private static void assertMatches(PopularitySketch sketch, ReferenceSketch ref) {
        SketchState st = sketch.snapshot();
        assertThat(st.width()).isEqualTo(ref.width);
        assertThat(st.depth()).isEqualTo(ref.depth);
        assertThat(st.counters()).containsExactly(ref.counters);
        assertThat(st.total()).isEqualTo(ref.total);
        assertThat(sketch.total()).isEqualTo(ref.total);
        assertThat(st.epoch()).isEqualTo(ref.epoch);
        long[] heavy = st.heavyKeys().clone();
        Arrays.sort(heavy);
        assertThat(heavy).containsExactly(ref.sortedMembers());
        assertThat(sketch.heavyHitters()).containsExactlyElementsOf(ref.ranked());
    }

    @Property(tries = 12, seed = "99")
    public void neverUnderestimatesAndWithinEpsilonNAtDelta(@ForAll long seed, @ForAll @IntRange(min = 0, max = 3) int variant) {
        double epsilon = variant % 2 == 0 ? 0.01 : 0.004;
        double delta = variant < 2 ? 0.05 : 0.01;
        CountMinConfig config = new CountMinConfig(epsilon, delta, 0, 10, seed);
        Stream s = Stream.zipf(seed ^ 0x5555, 5000, 1.05, 20_000, 0, false);
        Map<Long, Long> truth = new HashMap<>();
        for (long k : s.keys()) {
            truth.merge(k, 1L, Long::sum);
        }
        try (OperatorBackend backend = openBackend(); PopularitySketch sketch = backend.newPopularitySketch(config)) {
            sketch.add(s.keys(), s.times(), s.keys().length);
            long n = sketch.total();
            assertThat(n).isEqualTo(20_000);
            long[] est = new long[s.universe().length];
            sketch.estimate(s.universe(), s.universe().length, est);
            int violations = 0;
            for (int i = 0; i < est.length; i++) {
                long t = truth.getOrDefault(s.universe()[i], 0L);
                assertThat(est[i]).as("estimate of item %d", i).isGreaterThanOrEqualTo(t);
                assertThat(est[i]).isEqualTo(sketch.estimate(s.universe()[i]));
                if (est[i] - t > epsilon * n) {
                    violations++;
                }
            }
            // P(error > eps N) <= delta per item; allow sampling slack over 5000 items
            assertThat((double) violations / est.length).isLessThanOrEqualTo(delta + 0.01);
        }
    }

    @Property(tries = 12, seed = "2718")
    public void decayedEstimatesNeverFallBelowExactFloorHalvedCounts(@ForAll long seed) {
        long halfLife = 10_000;
        CountMinConfig config = new CountMinConfig(0.02, 0.05, halfLife, 8, seed);
        Stream s = Stream.zipf(seed, 300, 1.2, 6000, halfLife, true);
        ExactDecayed exact = new ExactDecayed(halfLife);
        try (OperatorBackend backend = openBackend(); PopularitySketch sketch = backend.newPopularitySketch(config)) {
            for (int i = 0; i < s.keys().length; i += 500) {
                int n = Math.min(500, s.keys().length - i);
                sketch.add(Arrays.copyOfRange(s.keys(), i, i + n), Arrays.copyOfRange(s.times(), i, i + n), n);
                for (int j = i; j < i + n; j++) {
                    exact.add(s.keys()[j], s.times()[j]);
                }
                for (Map.Entry<Long, Long> e : exact.counts.entrySet()) {
                    assertThat(sketch.estimate(e.getKey())).isGreaterThanOrEqualTo(e.getValue());
                }
                assertThat(sketch.total()).isEqualTo(exact.total);
                assertThat(sketch.snapshot().epoch()).isEqualTo(exact.epoch);
            }
            assertThat(exact.epoch).as("the stream crosses epochs").isGreaterThan(Math.floorDiv(s.times()[0], halfLife));
        }
    }

    @Property(tries = 6, seed = "31")
    public void heavyHittersContainTheTrueTopItems(@ForAll long seed) {
        CountMinConfig config = new CountMinConfig(0.001, 0.01, 0, 32, seed);
        Stream s = Stream.zipf(seed + 1, 10_000, 1.2, 50_000, 0, false);
        Map<Long, Long> truth = new HashMap<>();
        for (long k : s.keys()) {
            truth.merge(k, 1L, Long::sum);
        }
        List<Long> top = new ArrayList<>(truth.keySet());
        top.sort((x, y) -> Long.compare(truth.get(y), truth.get(x)));
        try (OperatorBackend backend = openBackend(); PopularitySketch sketch = backend.newPopularitySketch(config)) {
            sketch.add(s.keys(), s.times(), s.keys().length);
            List<HeavyHitter> hh = sketch.heavyHitters();
            assertThat(hh).hasSize(32);
            Set<Long> hot = new HashSet<>();
            for (int i = 0; i < hh.size(); i++) {
                hot.add(hh.get(i).key());
                assertThat(hh.get(i).estimate()).isEqualTo(sketch.estimate(hh.get(i).key()));
                if (i > 0) {
                    HeavyHitter p = hh.get(i - 1);
                    HeavyHitter c = hh.get(i);
                    assertThat(p.estimate() > c.estimate() || (p.estimate() == c.estimate() && p.key() < c.key())).isTrue();
                }
            }
            assertThat(hot).containsAll(top.subList(0, 10));
            assertThat(hh.get(0).key()).isEqualTo(top.get(0));
        }
    }

    @Property(tries = 8, seed = "4242")
    public void hotKeysArePrefixesOfTheRanking(@ForAll long seed, @ForAll @IntRange(min = 0, max = 40) int limit) {
        CountMinConfig config = new CountMinConfig(0.01, 0.01, 0, 32, seed);
        Stream s = Stream.zipf(seed + 7, 500, 1.1, 5_000, 0, false);
        try (OperatorBackend backend = openBackend(); PopularitySketch sketch = backend.newPopularitySketch(config)) {
            sketch.add(s.keys(), s.times(), s.keys().length);
            List<HeavyHitter> hh = sketch.heavyHitters();
            long[] out = new long[limit];
            int n = sketch.hotKeys(limit, out);
            assertThat(n).isEqualTo(Math.min(limit, hh.size()));
            for (int i = 0; i < n; i++) {
                assertThat(out[i]).as("rank %d", i).isEqualTo(hh.get(i).key());
            }
        }
    }

    @Property(tries = 10, seed = "8080")
    public void snapshotRestoreRoundTripsAndContinuesIdentically(@ForAll long seed) {
        CountMinConfig config = new CountMinConfig(0.01, 0.02, 5000, 12, seed);
        Stream s = Stream.zipf(seed, 500, 1.1, 4000, 5000, true);
        int cut = 1 + new SplittableRandom(seed).nextInt(3999);
        try (OperatorBackend backend = openBackend();
             PopularitySketch a = backend.newPopularitySketch(config);
             PopularitySketch b = backend.newPopularitySketch(config)) {
            a.add(s.keys(), s.times(), cut);
            SketchState state = a.snapshot();
            b.restore(state);
            assertThat(b.snapshot()).isEqualTo(state);
            assertThat(b.heavyHitters()).isEqualTo(a.heavyHitters());
            assertThat(b.total()).isEqualTo(a.total());
            long[] restKeys = Arrays.copyOfRange(s.keys(), cut, s.keys().length);
            long[] restTimes = Arrays.copyOfRange(s.times(), cut, s.keys().length);
            a.add(restKeys, restTimes, restKeys.length);
            b.add(restKeys, restTimes, restKeys.length);
            assertThat(b.snapshot()).isEqualTo(a.snapshot());
            assertThat(b.heavyHitters()).isEqualTo(a.heavyHitters());
        }
    }

    @Property(tries = 10, seed = "64")
    public void stateDoesNotDependOnHowTheStreamIsChunked(@ForAll long seed, @ForAll @IntRange(min = 1, max = 700) int chunk) {
        CountMinConfig config = new CountMinConfig(0.02, 0.05, 2000, 6, seed);
        Stream s = Stream.zipf(seed, 200, 1.0, 3000, 2000, true);
        try (OperatorBackend backend = openBackend();
             PopularitySketch whole = backend.newPopularitySketch(config);
             PopularitySketch chunked = backend.newPopularitySketch(config)) {
            whole.add(s.keys(), s.times(), s.keys().length);
            for (int i = 0; i < s.keys().length; i += chunk) {
                int n = Math.min(chunk, s.keys().length - i);
                chunked.add(Arrays.copyOfRange(s.keys(), i, i + n), Arrays.copyOfRange(s.times(), i, i + n), n);
            }
            assertThat(chunked.snapshot()).isEqualTo(whole.snapshot());
            assertThat(chunked.heavyHitters()).isEqualTo(whole.heavyHitters());
        }
    }

    @Test
    public void noDecayWithZeroHalfLifeAndLongJumpsClearTheSketch() {
        try (OperatorBackend backend = openBackend()) {
            PopularitySketch plain = backend.newPopularitySketch(new CountMinConfig(0.01, 0.01, 0, 4, 1));
            plain.add(new long[] {7, 7, 8}, new long[] {0, 1L << 60, Long.MAX_VALUE}, 3);
            assertThat(plain.total()).isEqualTo(3);
            assertThat(plain.estimate(7)).isGreaterThanOrEqualTo(2);
            assertThat(plain.snapshot().epoch()).isZero();

            PopularitySketch decayed = backend.newPopularitySketch(new CountMinConfig(0.01, 0.01, 1000, 4, 1));
            decayed.add(new long[] {7, 7, 7, 7}, new long[] {0, 10, 20, 30}, 4);
            assertThat(decayed.estimate(7)).isEqualTo(4);
            decayed.add(new long[] {8}, new long[] {1500}, 1); // one epoch: 4 -> 2
            assertThat(decayed.estimate(7)).isEqualTo(2);
            assertThat(decayed.total()).isEqualTo(3);
            decayed.add(new long[] {8}, new long[] {900}, 1); // late: counts in the current epoch
            assertThat(decayed.total()).isEqualTo(4);
            assertThat(decayed.snapshot().epoch()).isEqualTo(1);
            decayed.add(new long[] {9}, new long[] {Long.MAX_VALUE}, 1); // > 63 epochs: everything shifts out
            assertThat(decayed.estimate(7)).isZero();
            assertThat(decayed.total()).isEqualTo(1);
            assertThat(decayed.heavyHitters()).extracting(HeavyHitter::estimate).contains(1L, 0L);
        }
    }

    @Test
    public void restoreValidatesShapeAndContent() {
        CountMinConfig config = new CountMinConfig(0.1, 0.1, 0, 2, 3);
        try (OperatorBackend backend = openBackend(); PopularitySketch sketch = backend.newPopularitySketch(config)) {
            int w = config.width();
            int d = config.depth();
            assertThatThrownBy(() -> sketch.restore(new SketchState(w + 1, d, new long[(w + 1) * d], 0, 0, new long[0])))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("" + (w + 1));
            assertThatThrownBy(() -> sketch.restore(new SketchState(w, d + 1, new long[w * (d + 1)], 0, 0, new long[0])))
                    .isInstanceOf(OperatorException.class);
            assertThatThrownBy(() -> sketch.restore(new SketchState(w, d, new long[w * d - 1], 0, 0, new long[0])))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("counters");
            assertThatThrownBy(() -> sketch.restore(new SketchState(w, d, new long[w * d], 0, 0, new long[] {1, 2, 3})))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("capacity");
            assertThatThrownBy(() -> sketch.restore(new SketchState(w, d, new long[w * d], 0, 0, new long[] {4, 4})))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("twice");
            sketch.add(new long[] {5}, new long[] {0}, 1);
            SketchState before = sketch.snapshot();
            assertThatThrownBy(() -> sketch.restore(new SketchState(w, d, new long[w * d], -1, 0, new long[0])))
                    .isInstanceOf(OperatorException.class);
            assertThat(sketch.snapshot()).as("a rejected restore changes nothing").isEqualTo(before);
            assertThatThrownBy(() -> sketch.add(new long[1], new long[1], 2)).isInstanceOf(OperatorException.class);
        }
    }
}
