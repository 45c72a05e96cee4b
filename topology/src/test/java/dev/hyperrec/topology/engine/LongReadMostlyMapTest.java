package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The neighbour table's map: the same answers as a HashMap, and readers never see a value under another key. */
class LongReadMostlyMapTest {

    /**
     * Random puts, replacements and removes over a small key space (so keys come back after their tombstones, and the
     * table rebuilds many times), with keys that collide in the low bits; after every step each key of the space reads
     * as in a HashMap, and the sizes agree.
     */
    @Property(tries = 60)
    void answersAsAHashMapThroughTombstonesAndRebuilds(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int keySpace) {
        SplittableRandom rnd = new SplittableRandom(seed);
        LongReadMostlyMap<String> map = new LongReadMostlyMap<>();
        Map<Long, String> reference = new HashMap<>();
        long[] keys = new long[keySpace];
        for (int i = 0; i < keySpace; i++) {
            // multiples of 2^20, negative keys and 0: the slot mixes the high bits in
            keys[i] = rnd.nextInt(4) == 0 ? (long) (i - keySpace / 2) << 20 : rnd.nextLong();
        }
        for (int step = 0; step < 2_000; step++) {
            long key = keys[rnd.nextInt(keySpace)];
            if (rnd.nextInt(3) == 0) {
                map.remove(key);
                reference.remove(key);
            } else {
                String v = key + "#" + step;
                map.put(key, v);
                reference.put(key, v);
            }
            if (step % 50 == 0 || step == 1_999) {
                for (long k : keys) {
                    assertThat(map.get(k)).as("key %d at step %d", k, step).isEqualTo(reference.get(k));
                }
                assertThat(map.size()).isEqualTo(reference.size());
            }
        }
    }

    @Test
    void absentKeysAndNullValues() {
        LongReadMostlyMap<String> map = new LongReadMostlyMap<>();
        assertThat(map.get(0)).isNull();
        assertThat(map.get(Long.MIN_VALUE)).isNull();
        map.remove(42); // nothing to remove
        assertThat(map.size()).isZero();
        map.put(0, "zero");
        assertThat(map.get(0)).isEqualTo("zero");
        assertThatThrownBy(() -> map.put(1, null)).isInstanceOf(NullPointerException.class);
        assertThat(map.size()).isEqualTo(1);
    }

    /**
     * One writer replaces, removes and adds entries (through many rebuilds) while four readers look keys up: every value a
     * reader gets is its key's (never another key's), and a key that is never removed is always found.
     */
    @Test
    void readersNeverSeeAValueUnderAnotherKeyWhileTheWriterRebuilds() throws Exception {
        LongReadMostlyMap<long[]> map = new LongReadMostlyMap<>();
        int stable = 64;
        for (long k = 0; k < stable; k++) {
            map.put(k * 7919, new long[] {k * 7919, 0});
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        CountDownLatch started = new CountDownLatch(4);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int seed = r;
            Thread t = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                started.countDown();
                long n = 0;
                while (!stop.get() && failure.get() == null) {
                    long key = rnd.nextBoolean() ? rnd.nextInt(stable) * 7919L : 1_000_000L + rnd.nextInt(20_000);
                    long[] v = map.get(key);
                    if (v != null && v[0] != key) {
                        failure.compareAndSet(null, "key " + key + " read the value of key " + v[0]);
                    }
                    if (v == null && key < 1_000_000L) {
                        failure.compareAndSet(null, "stable key " + key + " not found");
                    }
                    n++;
                }
                reads.addAndGet(n);
            });
            t.start();
            readers.add(t);
        }
        started.await();
        SplittableRandom rnd = new SplittableRandom(99);
        for (int step = 0; step < 300_000 && failure.get() == null; step++) {
            long key = 1_000_000L + rnd.nextInt(20_000);
            if (rnd.nextInt(4) == 0) {
                map.remove(key);
            } else {
                map.put(key, new long[] {key, step});
            }
            if (step % 1000 == 0) {
                long k = rnd.nextInt(stable) * 7919L;
                map.put(k, new long[] {k, step}); // a stable key replaced, never removed
            }
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join(10_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(reads.get()).as("the readers ran").isPositive();
        for (long k = 0; k < stable; k++) {
            assertThat(map.get(k * 7919)).isNotNull();
        }
    }
}
