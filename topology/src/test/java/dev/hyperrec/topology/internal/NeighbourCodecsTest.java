package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.topology.engine.CoOccurrenceCosine;
import dev.hyperrec.topology.engine.NeighbourTable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NeighbourCodecsTest {

    @Test
    void incrementsRoundTripPerChunk() {
        long[] others = {Long.MIN_VALUE, -1, 0, 7, Long.MAX_VALUE};
        int[] counts = {1, 2, 3, 4, Integer.MAX_VALUE};
        NeighbourCodecs.Increment all = NeighbourCodecs.increment(NeighbourCodecs.increment(3, others, counts, 0, 5));
        assertThat(all.occurrences()).isEqualTo(3);
        assertThat(all.others()).containsExactly(others);
        assertThat(all.counts()).containsExactly(counts);
        byte[] chunk = NeighbourCodecs.increment(0, others, counts, 2, 4);
        assertThat(chunk).hasSize(9 + 2 * 12);
        NeighbourCodecs.Increment part = NeighbourCodecs.increment(chunk);
        assertThat(part.occurrences()).isZero();
        assertThat(part.others()).containsExactly(0, 7);
        assertThat(part.counts()).containsExactly(3, 4);
    }

    @Test
    void listsWindowsAndKeysRoundTrip() {
        NeighbourTable.Entry e = new NeighbourTable.Entry(12, new long[] {5, -9}, new float[] {1f, 0.25f});
        NeighbourTable.Entry back = NeighbourCodecs.list(NeighbourCodecs.list(e));
        assertThat(back.occurrences()).isEqualTo(12);
        assertThat(back.keys()).containsExactly(5, -9);
        assertThat(back.similarity()).containsExactly(1f, 0.25f);
        assertThat(NeighbourCodecs.list(NeighbourCodecs.list(new NeighbourTable.Entry(1, new long[0], new float[0]))).size())
                .isZero();
        long[] window = {3, 1, 3, -4};
        assertThat(NeighbourCodecs.window(NeighbourCodecs.window(window, 3))).containsExactly(3, 1, 3);
        assertThat(NeighbourCodecs.key(NeighbourCodecs.key(-42L))).isEqualTo(-42L);
    }

    @Test
    void corruptBytesAreRefusedWithTheReason() {
        byte[] good = NeighbourCodecs.increment(1, new long[] {9}, new int[] {2}, 0, 1);
        byte[] version = good.clone();
        version[0] = 2;
        assertThatThrownBy(() -> NeighbourCodecs.increment(version)).hasMessageContaining("version 2");
        assertThatThrownBy(() -> NeighbourCodecs.increment(Arrays.copyOf(good, good.length - 1)))
                .hasMessageContaining("pairs=1");
        assertThatThrownBy(() -> NeighbourCodecs.increment(new byte[] {1, 0})).hasMessageContaining("at least 9");
        assertThatThrownBy(() -> NeighbourCodecs.increment(null)).hasMessageContaining("no value");
        byte[] huge = ByteBuffer.allocate(9).put((byte) 1).putInt(0).putInt(Integer.MAX_VALUE).array();
        assertThatThrownBy(() -> NeighbourCodecs.increment(huge)).hasMessageContaining("at most 4096");
        byte[] negative = ByteBuffer.allocate(21).put((byte) 1).putInt(0).putInt(1).putLong(5).putInt(-3).array();
        assertThatThrownBy(() -> NeighbourCodecs.increment(negative)).hasMessageContaining("count -3");
        byte[] badSim = ByteBuffer.allocate(25).put((byte) 1).putLong(1).putInt(1).putLong(5).putFloat(Float.NaN).array();
        assertThatThrownBy(() -> NeighbourCodecs.list(badSim)).hasMessageContaining("not finite");
        assertThatThrownBy(() -> NeighbourCodecs.window(new byte[] {1, 0, 0, 0, 2, 0})).hasMessageContaining("says 2 items");
        assertThatThrownBy(() -> NeighbourCodecs.key(new byte[7])).hasMessageContaining("8 bytes");
    }

    @Test
    void topSelectsTheMostSimilarFirstWithTiesBySmallerKey() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 200; round++) {
            int n = rnd.nextInt(60);
            int max = 1 + rnd.nextInt(20);
            long[] keys = new long[n];
            float[] sim = new float[n];
            for (int i = 0; i < n; i++) {
                keys[i] = rnd.nextLong() % 1000;
                sim[i] = rnd.nextInt(5) / 4f; // many ties
            }
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            long[] k0 = keys.clone();
            float[] s0 = sim.clone();
            Arrays.sort(order, (a, b) -> s0[a] != s0[b] ? Float.compare(s0[b], s0[a]) : Long.compare(k0[a], k0[b]));
            int m = CoOccurrenceCosine.top(keys, sim, n, max);
            assertThat(m).isEqualTo(Math.min(n, max));
            for (int i = 0; i < m; i++) {
                assertThat(keys[i]).as("round %d rank %d", round, i).isEqualTo(k0[order[i]]);
                assertThat(sim[i]).isEqualTo(s0[order[i]]);
            }
        }
    }

    @Test
    void cosineIsTheCountOverTheGeometricMeanOfOccurrences() {
        assertThat(CoOccurrenceCosine.cosine(2, 4, 1)).isEqualTo(1f);
        assertThat(CoOccurrenceCosine.cosine(3, 4, 9)).isEqualTo(0.5f);
        assertThat(CoOccurrenceCosine.cosine(0, 4, 9)).isZero();
        assertThat(CoOccurrenceCosine.cosine(1, 0, 9)).isZero();
        // an item that left a user's window and re-entered it while the other stayed: capped at 1
        assertThat(CoOccurrenceCosine.cosine(2, 2, 1)).isEqualTo(1f);
    }

    @Test
    void aUsersWindowHoldsDistinctItemsOldestFirstAndARepeatOnlyMovesToTheNewestEnd() {
        long[] window = new long[3];
        int size = 0;
        for (long item : new long[] {1, 2, 3}) {
            assertThat(CoOccurrenceCosine.touch(window, size, item)).isFalse();
            size = CoOccurrenceCosine.append(window, size, item);
        }
        assertThat(window).containsExactly(1, 2, 3);
        assertThat(CoOccurrenceCosine.touch(window, size, 1)).as("a repeat counts nothing").isTrue();
        assertThat(window).containsExactly(2, 3, 1);
        assertThat(CoOccurrenceCosine.touch(window, size, 4)).isFalse();
        size = CoOccurrenceCosine.append(window, size, 4);
        assertThat(size).isEqualTo(3);
        assertThat(window).as("the oldest leaves").containsExactly(3, 1, 4);
    }
}
