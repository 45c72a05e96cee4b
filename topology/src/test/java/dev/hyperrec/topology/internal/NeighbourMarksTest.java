package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.TestPipeline;
import dev.hyperrec.topology.Topics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The aggregator's change marks ({@code neighbours-changed}): an increment marks its item with 1; a list published
 * while a neighbour's occurrence count is unknown counts up the mark and is published again, at most
 * {@link NeighbourAggregator#MAX_PUBLICATIONS} times; a new increment for the item starts the count again. The mark is
 * written (a changelogged write) only when it changes, so increments for an item already marked 1 leave it as it is.
 */
class NeighbourMarksTest {
    private static final long PUBLISH_MS = 1_000;
    private static final long A = ItemKeys.hash64("a");
    private static final long B = ItemKeys.hash64("b");

    @Test
    void anIncompleteListIsRepublishedUpToTheLimitAndANewIncrementStartsTheCountAgain() {
        try (TestPipeline p = new TestPipeline(Map.of(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, PUBLISH_MS))) {
            TestInputTopic<byte[], byte[]> in = p.driver.createInputTopic(Topics.ITEM_COOCCURRENCE, new ByteArraySerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> lists = p.driver.createOutputTopic(Topics.ITEM_NEIGHBOURS, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            KeyValueStore<Bytes, Long> marks = p.driver.getKeyValueStore(StoreNames.NEIGHBOURS_CHANGED);
            Bytes a = Bytes.wrap(NeighbourCodecs.key(A));
            // a co-occurred with b, whose own occurrence count never arrives: a's list is incomplete
            byte[] increment = NeighbourCodecs.increment(1, new long[] {B}, new int[] {1}, 0, 1);
            in.pipeInput(NeighbourCodecs.key(A), increment);
            in.pipeInput(NeighbourCodecs.key(A), increment);
            assertThat(marks.get(a)).isEqualTo(1L);

            p.driver.advanceWallClockTime(Duration.ofMillis(PUBLISH_MS));
            assertThat(lists.readRecordsToList()).hasSize(1);
            assertThat(marks.get(a)).as("published once, incomplete").isEqualTo(2L);

            // a new increment restarts the count
            in.pipeInput(NeighbourCodecs.key(A), increment);
            assertThat(marks.get(a)).isEqualTo(1L);
            int published = 0;
            for (int i = 0; i < NeighbourAggregator.MAX_PUBLICATIONS + 2; i++) {
                p.driver.advanceWallClockTime(Duration.ofMillis(PUBLISH_MS));
                published += lists.readRecordsToList().size();
            }
            assertThat(published).isEqualTo(NeighbourAggregator.MAX_PUBLICATIONS);
            assertThat(marks.get(a)).as("given up until a changes again").isNull();
            // checkpointed while idle: a's count and a's row (one chunk, the pair (a, b))
            assertThat(p.storeDump(StoreNames.COOCCURRENCE_COUNTS)).hasSize(2);
        }
    }
}
