package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.TestPipeline;
import dev.hyperrec.topology.Topics;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The aggregator adds each increment record to {@code cooccurrence-counts} (the record's counts are written together,
 * in one batch): occurrence counts under the item's key, pair counts under (item, other), summed over records, and a
 * key that a record lists twice is counted twice.
 */
class NeighbourCountsTest {
    private static final long A = ItemKeys.hash64("a");
    private static final long B = ItemKeys.hash64("b");
    private static final long C = ItemKeys.hash64("c");

    private static Bytes pair(long item, long other) {
        return Bytes.wrap(ByteBuffer.allocate(16).putLong(item).putLong(other).array());
    }

    @Test
    void recordsAddUpPerItemAndPairAndARepeatedKeyCountsTwice() {
        try (TestPipeline p = new TestPipeline(Map.of(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 3_600_000))) {
            TestInputTopic<byte[], byte[]> in = p.driver.createInputTopic(Topics.ITEM_COOCCURRENCE, new ByteArraySerializer(),
                    new ByteArraySerializer());
            KeyValueStore<Bytes, Long> counts = p.driver.getKeyValueStore(StoreNames.COOCCURRENCE_COUNTS);
            in.pipeInput(NeighbourCodecs.key(A), NeighbourCodecs.increment(2, new long[] {B, C}, new int[] {1, 5}, 0, 2));
            in.pipeInput(NeighbourCodecs.key(A), NeighbourCodecs.increment(1, new long[] {B, C, B}, new int[] {3, 1, 4}, 0, 3));
            in.pipeInput(NeighbourCodecs.key(B), NeighbourCodecs.increment(0, new long[] {A}, new int[] {2}, 0, 1));
            assertThat(counts.get(Bytes.wrap(NeighbourCodecs.key(A)))).isEqualTo(3L);
            assertThat(counts.get(pair(A, B))).isEqualTo(1L + 3 + 4);
            assertThat(counts.get(pair(A, C))).isEqualTo(5L + 1);
            assertThat(counts.get(pair(B, A))).isEqualTo(2L);
            // b's record carried no occurrence: b has no count of its own
            assertThat(counts.get(Bytes.wrap(NeighbourCodecs.key(B)))).isNull();
        }
    }
}
