package dev.hyperrec.topology.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.DeadLetter;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.TestPipeline;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.engine.NeighbourTable;
import dev.hyperrec.topology.internal.NeighbourCodecs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The streaming item-to-item model (co-occurrence emitter → item-cooccurrence → aggregator →
 * item-neighbours → global store) on a TopologyTestDriver computes exactly the lists of the
 * evaluation's in-process model ({@link CoOccurrenceNeighbours} over {@link CoOccurrence}) on the
 * same events, whatever the batch size; corrupt increments are dead-lettered.
 */
class StreamingNeighboursTest {
    private static final int ITEMS = 40;
    private static final int MAX = 4;
    private static final long PUBLISH_MS = 5_000;
    private static final Map<String, Object> CONFIG = Map.of(HyperrecConfig.NEIGHBOURS_WINDOW, 5,
            HyperrecConfig.NEIGHBOURS_MAX, MAX, HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, PUBLISH_MS);

    /** Ratings 0.5 … 5 (those ≤ 2.5, the neutral point, are not positive and are not learned). */
    private static List<Event> ratings(int n, int users, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int u = rnd.nextInt(users);
            // a skewed item choice: a few popular items, a long tail
            int item = rnd.nextInt(3) == 0 ? rnd.nextInt(5) : rnd.nextInt(ITEMS);
            out.add(new Event(i, u, item, "u" + u, "i" + item, 0.5f * (1 + rnd.nextInt(10)), i * 1000L));
        }
        return out;
    }

    private static TestPipeline pipeline(int batch) {
        Map<String, Object> cfg = new java.util.HashMap<>(CONFIG);
        cfg.put(HyperrecConfig.BATCH_MAX_EVENTS, batch);
        TestPipeline p = new TestPipeline(cfg);
        for (int i = 0; i < ITEMS; i++) {
            p.catalog(Fixtures.axisItem(i));
        }
        return p;
    }

    private static List<String> publishedLists(TestPipeline p, List<Event> events) {
        for (Event e : events) {
            p.interaction(Fixtures.event("e" + e.position(), e.userId(), e.itemId(), InteractionType.RATING, e.rating(),
                    e.timestampMs()));
        }
        p.tick();
        p.driver.advanceWallClockTime(Duration.ofMillis(PUBLISH_MS));
        NeighbourTable table = p.runtime.neighbours();
        List<String> lists = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            NeighbourTable.Entry entry = table.get(ItemKeys.hash64("i" + i));
            lists.add(entry == null ? "i" + i + ": none" : render("i" + i, entry.keys(), entry.similarity(), entry.size()));
        }
        return lists;
    }

    private static String render(String item, long[] keys, float[] sim, int n) {
        StringBuilder b = new StringBuilder(item).append(':');
        for (int j = 0; j < n; j++) {
            b.append(' ').append(keys[j]).append('=').append(sim[j]);
        }
        return b.toString();
    }

    @Test
    void publishedListsEqualTheInProcessCoOccurrenceModelOnTheSameEvents() {
        List<Event> events = ratings(1500, 60, 17);
        CoOccurrenceNeighbours reference = new CoOccurrenceNeighbours(HyperrecConfig.of(CONFIG));
        events.forEach(reference::learn);
        List<String> expected = new ArrayList<>();
        long[] keys = new long[MAX];
        float[] sim = new float[MAX];
        int full = 0;
        for (int i = 0; i < ITEMS; i++) {
            long key = ItemKeys.hash64("i" + i);
            int n = reference.neighbours(key, MAX, keys, sim);
            full += n == MAX ? 1 : 0;
            expected.add(render("i" + i, keys, sim, n));
            for (int j = 0; j < n; j++) {
                assertThat(reference.similarity(key, keys[j])).isEqualTo(sim[j]);
            }
        }
        assertThat(full).as("lists cut at hyperrec.neighbours.max").isEqualTo(ITEMS);

        for (int batch : new int[] {1, 64, 512}) {
            try (TestPipeline p = pipeline(batch)) {
                assertThat(publishedLists(p, events)).as("batch %d", batch).containsExactlyElementsOf(expected);
                assertThat(p.storeDump(StoreNames.NEIGHBOURS_CHANGED)).as("nothing left to publish").isEmpty();
                NeighbourTable table = p.runtime.neighbours();
                long i0 = ItemKeys.hash64("i0");
                long first = table.get(i0).keys()[0];
                assertThat(table.similarity(i0, first)).isEqualTo(reference.similarity(i0, first)).isPositive();
            }
        }
    }

    @Test
    void listsArePublishedOncePerIntervalAndNotBeforeIt() {
        try (TestPipeline p = pipeline(1)) {
            for (int u = 0; u < 3; u++) {
                p.interaction(Fixtures.event("a" + u, "u" + u, "i1", InteractionType.CLICK, 1, 10 * u));
                p.interaction(Fixtures.event("b" + u, "u" + u, "i2", InteractionType.CLICK, 1, 10 * u + 1));
            }
            // a skip is not positive: it neither counts nor enters the window
            p.interaction(Fixtures.event("s", "u0", "i3", InteractionType.SKIP, 1, 100));
            assertThat(p.runtime.neighbours().size()).isZero();
            p.driver.advanceWallClockTime(Duration.ofMillis(PUBLISH_MS));
            NeighbourTable.Entry one = p.runtime.neighbours().get(ItemKeys.hash64("i1"));
            assertThat(one.occurrences()).isEqualTo(3);
            assertThat(one.keys()).containsExactly(ItemKeys.hash64("i2"));
            assertThat(one.similarity()).containsExactly(1f);
            assertThat(p.runtime.neighbours().get(ItemKeys.hash64("i3"))).isNull();
            assertThat(p.runtime.neighbours().size()).isEqualTo(2);
            var published = p.driver.createOutputTopic(Topics.ITEM_NEIGHBOURS, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).readRecordsToList();
            assertThat(published).as("three increments each, one list each").hasSize(2);
            p.driver.advanceWallClockTime(Duration.ofMillis(PUBLISH_MS));
            assertThat(p.driver.createOutputTopic(Topics.ITEM_NEIGHBOURS, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).readRecordsToList()).as("unchanged items are not published again").isEmpty();
        }
    }

    @Test
    void aRepeatedClickWithinTheWindowCountsOnceSoTheCosineStaysAtMostOne() {
        try (TestPipeline p = pipeline(1)) {
            // u0 clicks i1 and i2 back and forth, u1 clicks i1 once: n_i1 = 2, n_i2 = 1, c = 1
            String[] clicks = {"i1", "i2", "i1", "i2", "i1", "i2"};
            for (int t = 0; t < clicks.length; t++) {
                p.interaction(Fixtures.event("r" + t, "u0", clicks[t], InteractionType.CLICK, 1, t));
            }
            p.interaction(Fixtures.event("r-u1", "u1", "i1", InteractionType.CLICK, 1, 10));
            p.driver.advanceWallClockTime(Duration.ofMillis(PUBLISH_MS));
            NeighbourTable.Entry one = p.runtime.neighbours().get(ItemKeys.hash64("i1"));
            assertThat(one.occurrences()).isEqualTo(2);
            assertThat(one.similarity()).containsExactly((float) (1 / Math.sqrt(2)));
            assertThat(p.runtime.neighbours().get(ItemKeys.hash64("i2")).occurrences()).isEqualTo(1);

            CoOccurrenceNeighbours reference = new CoOccurrenceNeighbours(HyperrecConfig.of(CONFIG));
            for (int t = 0; t < clicks.length; t++) {
                int item = clicks[t].equals("i1") ? 1 : 2;
                reference.learn(new Event(t, 0, item, "u0", clicks[t], 5f, t));
            }
            reference.learn(new Event(clicks.length, 1, 1, "u1", "i1", 5f, 10));
            assertThat(reference.similarity(ItemKeys.hash64("i1"), ItemKeys.hash64("i2"))).isEqualTo(one.similarity()[0]);
        }
    }

    @Test
    void corruptIncrementsAreDeadLetteredWithTheReasonAndTheModelKeepsWorking() {
        try (TestPipeline p = pipeline(1)) {
            TestInputTopic<byte[], byte[]> raw = p.driver.createInputTopic(Topics.ITEM_COOCCURRENCE, new ByteArraySerializer(),
                    new ByteArraySerializer());
            raw.pipeInput(NeighbourCodecs.key(ItemKeys.hash64("i1")), "not an increment".getBytes(StandardCharsets.UTF_8));
            raw.pipeInput(new byte[] {1, 2, 3}, NeighbourCodecs.increment(1, new long[0], new int[0], 0, 0));
            byte[] truncated = NeighbourCodecs.increment(1, new long[] {5}, new int[] {1}, 0, 1);
            raw.pipeInput(NeighbourCodecs.key(ItemKeys.hash64("i1")), java.util.Arrays.copyOf(truncated, 15));
            List<TestRecord<byte[], byte[]>> dead = p.deadLetters();
            assertThat(dead).hasSize(3).allSatisfy(r -> {
                assertThat(header(r, DeadLetter.HEADER_REASON)).isEqualTo(DeadLetter.MALFORMED_COOCCURRENCE.name());
                assertThat(header(r, DeadLetter.HEADER_DETAIL)).isNotBlank();
                assertThat(header(r, DeadLetter.HEADER_TOPIC)).isEqualTo(Topics.ITEM_COOCCURRENCE);
            });
            assertThat(header(dead.get(1), DeadLetter.HEADER_DETAIL)).contains("8 bytes");
            assertThat(dead.get(0).value()).isEqualTo("not an increment".getBytes(StandardCharsets.UTF_8));
            assertThat(p.storeDump(StoreNames.COOCCURRENCE_COUNTS)).isEmpty();

            p.interaction(Fixtures.event("a", "u", "i1", InteractionType.CLICK, 1, 0));
            p.interaction(Fixtures.event("b", "u", "i2", InteractionType.CLICK, 1, 1));
            p.driver.advanceWallClockTime(Duration.ofMillis(PUBLISH_MS));
            assertThat(p.runtime.neighbours().get(ItemKeys.hash64("i1")).keys()).containsExactly(ItemKeys.hash64("i2"));
        }
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
