package dev.hyperrec.topology.engine;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a neighbour-list lookup by item key costs on one thread: a {@code ConcurrentHashMap<Long, Entry>} (the
 * {@link NeighbourTable} before session 31) against {@link LongReadMostlyMap}, over tables of a catalog's size (62,423
 * and 1,000,000 items), keys drawn at random (90% present), so most lookups miss the CPU caches as a ranking's do. Not a
 * test (it asserts nothing): run it with the project's classpath,
 *
 * <pre>
 * java -cp "$(cat topology/target/classpath.txt):topology/target/classes:topology/target/test-classes" dev.hyperrec.topology.engine.NeighbourLookupBench
 * </pre>
 */
public final class NeighbourLookupBench {
    private NeighbourLookupBench() {
    }

    public static void main(String[] args) {
        for (int items : new int[] {62_423, 1_000_000}) {
            SplittableRandom rnd = new SplittableRandom(7);
            long[] keys = new long[items];
            ConcurrentHashMap<Long, NeighbourTable.Entry> chm = new ConcurrentHashMap<>();
            LongReadMostlyMap<NeighbourTable.Entry> map = new LongReadMostlyMap<>();
            for (int i = 0; i < items; i++) {
                keys[i] = rnd.nextLong();
                NeighbourTable.Entry e = new NeighbourTable.Entry(i, new long[] {rnd.nextLong()}, new float[] {0.5f});
                chm.put(keys[i], e);
                map.put(keys[i], e);
            }
            int lookups = 4_000_000;
            long[] probe = new long[lookups];
            for (int i = 0; i < lookups; i++) {
                probe[i] = rnd.nextInt(10) == 0 ? rnd.nextLong() : keys[rnd.nextInt(items)];
            }
            for (int round = 0; round < 4; round++) {
                long t0 = System.nanoTime();
                long sumChm = 0;
                for (long k : probe) {
                    NeighbourTable.Entry e = chm.get(k);
                    sumChm += e == null ? 0 : e.occurrences();
                }
                long t1 = System.nanoTime();
                long sumMap = 0;
                for (long k : probe) {
                    NeighbourTable.Entry e = map.get(k);
                    sumMap += e == null ? 0 : e.occurrences();
                }
                long t2 = System.nanoTime();
                if (sumChm != sumMap) {
                    throw new IllegalStateException("the maps disagree: " + sumChm + " against " + sumMap);
                }
                System.out.printf(Locale.ROOT, "neighbour lookup, %d items, round %d: ConcurrentHashMap<Long, Entry> %.1f ns,"
                        + " LongReadMostlyMap %.1f ns a lookup%n", items, round, (t1 - t0) / (double) lookups, (t2 - t1) / (double) lookups);
            }
        }
    }
}
