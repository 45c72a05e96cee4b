package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.TestPipeline;
import dev.hyperrec.topology.Topics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * What one flushed batch sends to {@code item-cooccurrence}: per item, in ascending (signed) key order, its occurrence
 * count and its pair counts in ascending order of the other key, summed over the batch; each positive event that is new
 * to its user's window of the last {@code hyperrec.neighbours.window} positive items pairs with every item in it, both
 * ways (a positive event for an item already in the window only makes it the newest). The expectation is computed here with sorted maps, one increment at a time.
 */
class CoOccurrenceEmitterTest {
    private static final int WINDOW = 6;
    private static final int ITEMS = 30;

    @Test
    void aBatchSendsOneSummedRecordPerItemInKeyOrderWithItsPairsInKeyOrder() {
        try (TestPipeline p = new TestPipeline(Map.of(HyperrecConfig.NEIGHBOURS_WINDOW, WINDOW, HyperrecConfig.BATCH_MAX_EVENTS, 1000,
                HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 3_600_000))) {
            for (int i = 0; i < ITEMS; i++) {
                p.catalog(Fixtures.axisItem(i));
            }
            SplittableRandom rnd = new SplittableRandom(4);
            TreeMap<Long, Integer> occurrences = new TreeMap<>();
            TreeMap<Long, TreeMap<Long, Integer>> pairs = new TreeMap<>();
            Map<String, List<Long>> windows = new HashMap<>();
            for (int e = 0; e < 300; e++) {
                String user = "u" + rnd.nextInt(8);
                String item = "i" + (int) Math.min(ITEMS - 1, Math.abs(rnd.nextGaussian() * 9));
                boolean positive = rnd.nextInt(4) != 0;
                p.interaction(Fixtures.event("e" + e, user, item, positive ? InteractionType.CLICK : InteractionType.SKIP, 1, e));
                if (!positive) {
                    continue;
                }
                long key = ItemKeys.hash64(item);
                List<Long> w = windows.computeIfAbsent(user, u -> new ArrayList<>());
                if (w.remove(key)) {
                    w.add(key); // already in the window: now its newest, and nothing is counted
                    continue;
                }
                for (long other : w) {
                    pairs.computeIfAbsent(key, k -> new TreeMap<>()).merge(other, 1, Integer::sum);
                    pairs.computeIfAbsent(other, k -> new TreeMap<>()).merge(key, 1, Integer::sum);
                }
                occurrences.merge(key, 1, Integer::sum);
                w.add(key);
                if (w.size() > WINDOW) {
                    w.remove(0);
                }
            }
            p.tick();
            List<TestRecord<byte[], byte[]>> out = p.driver.createOutputTopic(Topics.ITEM_COOCCURRENCE, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).readRecordsToList();
            TreeMap<Long, Boolean> items = new TreeMap<>();
            occurrences.keySet().forEach(k -> items.put(k, true));
            pairs.keySet().forEach(k -> items.put(k, true));
            assertThat(out).hasSize(items.size());
            int r = 0;
            for (long item : items.keySet()) {
                TestRecord<byte[], byte[]> rec = out.get(r++);
                assertThat(NeighbourCodecs.key(rec.key())).isEqualTo(item);
                NeighbourCodecs.Increment inc = NeighbourCodecs.increment(rec.value());
                assertThat(inc.occurrences()).isEqualTo(occurrences.getOrDefault(item, 0));
                TreeMap<Long, Integer> expected = pairs.getOrDefault(item, new TreeMap<>());
                assertThat(inc.others()).containsExactly(expected.keySet().stream().mapToLong(Long::longValue).toArray());
                assertThat(inc.counts()).containsExactly(expected.values().stream().mapToInt(Integer::intValue).toArray());
            }
            // the batch had repeated pairs, so the sums were exercised
            assertThat(pairs.values().stream().flatMap(m -> m.values().stream()).anyMatch(c -> c > 1)).isTrue();
        }
    }

    /** The emitter's two-pass counting sort of packed rank pairs orders exactly as a comparison sort, duplicates included. */
    @Test
    void theRankPairSortOrdersAsAComparisonSort() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int distinct : new int[] {1, 2, 3, 17, 1000, 70_000}) {
            for (int n : new int[] {0, 1, 2, 5, 1000, 100_000}) {
                long[] packed = new long[n];
                for (int i = 0; i < n; i++) {
                    // skewed ranks, so runs of equal pairs occur as in a real interval
                    int a = (int) Math.min(distinct - 1, Math.abs(rnd.nextGaussian()) * distinct / 6);
                    int b = rnd.nextInt(distinct);
                    packed[i] = ((long) a << 32) | b;
                }
                long[] expected = packed.clone();
                Arrays.sort(expected);
                CoOccurrenceEmitter.sortByRanks(packed, distinct);
                assertThat(packed).as("distinct=%d n=%d", distinct, n).containsExactly(expected);
            }
        }
    }
}
