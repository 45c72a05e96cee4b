package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.TestPipeline;
import dev.hyperrec.topology.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The aggregator's publishing is bounded per punctuation ({@code hyperrec.neighbours.publish.budget}):
 * with a budget of 0 each punctuation publishes exactly one list, continuing round-robin where the
 * previous one stopped, so every changed item is published within as many intervals as there are
 * changed items, and the stream thread gets back to processing between them.
 */
class NeighbourPublishBudgetTest {
    private static final long PUBLISH_MS = 1_000;

    @Test
    void aZeroBudgetPublishesOneListPerIntervalRoundRobinUntilAllArePublished() {
        int items = 6;
        try (TestPipeline p = new TestPipeline(Map.of(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, PUBLISH_MS,
                HyperrecConfig.NEIGHBOURS_PUBLISH_BUDGET, 0.0, HyperrecConfig.BATCH_MAX_EVENTS, 1))) {
            for (int i = 0; i < items; i++) {
                p.catalog(Fixtures.axisItem(i));
            }
            // two users click every item: every item co-occurs with every other one
            for (int u = 0; u < 2; u++) {
                for (int i = 0; i < items; i++) {
                    p.interaction(Fixtures.event("e" + u + "-" + i, "u" + u, "i" + i, InteractionType.CLICK, 1, 100L * (u * items + i)));
                }
            }
            p.tick();
            var out = p.driver.createOutputTopic(Topics.ITEM_NEIGHBOURS, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            Set<Long> published = new HashSet<>();
            for (int interval = 1; interval <= items; interval++) {
                p.driver.advanceWallClockTime(Duration.ofMillis(PUBLISH_MS));
                List<TestRecord<byte[], byte[]>> lists = out.readRecordsToList();
                assertThat(lists).as("interval %d", interval).hasSize(1);
                long item = NeighbourCodecs.key(lists.get(0).key());
                assertThat(published.add(item)).as("interval %d publishes an item not yet published", interval).isTrue();
                assertThat(p.storeDump(StoreNames.NEIGHBOURS_CHANGED)).hasSize(items - interval);
            }
            Set<Long> all = new HashSet<>();
            for (int i = 0; i < items; i++) {
                all.add(ItemKeys.hash64("i" + i));
            }
            assertThat(published).isEqualTo(all);
            p.driver.advanceWallClockTime(Duration.ofMillis(PUBLISH_MS));
            assertThat(out.readRecordsToList()).as("nothing changed since").isEmpty();
        }
    }
}
