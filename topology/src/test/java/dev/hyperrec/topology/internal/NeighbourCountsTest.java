package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.TestPipeline;
import dev.hyperrec.topology.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The aggregator adds each increment record to the counts and checkpoints them to {@code cooccurrence-counts} once the
 * partition is idle for a tick: occurrence counts under the item's key, pair counts in chunks of the item's row,
 * summed over records, and a key that a record lists twice is counted twice. Before the checkpoint the store holds
 * nothing of them.
 */
class NeighbourCountsTest {
    private static final long A = ItemKeys.hash64("a");
    private static final long B = ItemKeys.hash64("b");
    private static final long C = ItemKeys.hash64("c");

    private static String pair(long item, long other) {
        return HexFormat.of().formatHex(ByteBuffer.allocate(16).putLong(item).putLong(other).array(), 0, 8) + ">"
                + HexFormat.of().formatHex(ByteBuffer.allocate(8).putLong(other).array());
    }

    private static String own(long item) {
        return HexFormat.of().formatHex(NeighbourCodecs.key(item));
    }

    @Test
    void recordsAddUpPerItemAndPairAndARepeatedKeyCountsTwice() {
        try (TestPipeline p = new TestPipeline(Map.of(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 3_600_000))) {
            TestInputTopic<byte[], byte[]> in = p.driver.createInputTopic(Topics.ITEM_COOCCURRENCE, new ByteArraySerializer(),
                    new ByteArraySerializer());
            KeyValueStore<Bytes, byte[]> store = p.driver.getKeyValueStore(StoreNames.COOCCURRENCE_COUNTS);
            in.pipeInput(NeighbourCodecs.key(A), NeighbourCodecs.increment(2, new long[] {B, C}, new int[] {1, 5}, 0, 2));
            in.pipeInput(NeighbourCodecs.key(A), NeighbourCodecs.increment(1, new long[] {B, C, B}, new int[] {3, 1, 4}, 0, 3));
            in.pipeInput(NeighbourCodecs.key(B), NeighbourCodecs.increment(0, new long[] {A}, new int[] {2}, 0, 1));
            assertThat(p.storeDump(StoreNames.COOCCURRENCE_COUNTS)).as("nothing checkpointed while records arrive").isEmpty();
            // two ticks, the second without a record since the first: the idle partition checkpoints
            p.driver.advanceWallClockTime(Duration.ofMillis(NeighbourAggregator.TICK_MS));
            p.driver.advanceWallClockTime(Duration.ofMillis(NeighbourAggregator.TICK_MS));
            Map<String, Long> counts;
            try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
                counts = CoOccurrenceCounts.decode(it);
            }
            assertThat(counts).containsOnly(
                    entry(own(A), 3L),
                    entry(pair(A, B), 1L + 3 + 4),
                    entry(pair(A, C), 5L + 1),
                    // b's record carried no occurrence: b has no count of its own
                    entry(pair(B, A), 2L));
            KeyValueStore<String, Long> progress = p.driver.getKeyValueStore(StoreNames.COOCCURRENCE_PROGRESS);
            assertThat(progress.get(NeighbourAggregator.READ)).isEqualTo(2L);
            assertThat(progress.get(NeighbourAggregator.CHECKPOINTED)).isEqualTo(3L);
        }
    }
}
