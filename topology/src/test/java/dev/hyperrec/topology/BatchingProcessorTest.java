package dev.hyperrec.topology;

import static dev.hyperrec.topology.Fixtures.axisItem;
import static dev.hyperrec.topology.Fixtures.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class BatchingProcessorTest {

    private static TestPipeline pipeline(int batch) {
        return pipeline(batch, Map.of());
    }

    private static TestPipeline pipeline(int batch, Map<String, Object> more) {
        Map<String, Object> cfg = new java.util.HashMap<>(Map.of(HyperrecConfig.BATCH_MAX_EVENTS, batch,
                HyperrecConfig.RECS_K, 5, HyperrecConfig.RECS_CANDIDATES, 20, HyperrecConfig.CACHE_CHECK_EVERY_EVENTS, 7));
        cfg.putAll(more);
        TestPipeline p = new TestPipeline(cfg);
        for (int i = 0; i < 40; i++) {
            p.catalog(axisItem(i));
        }
        return p;
    }

    /**
     * Timed flushes are at least an interval apart, counted from the start of the last flush, not on a fixed beat: an
     * event that finds the task idle goes out at the next check, one right after a flush waits out the interval.
     */
    @Test
    void timedFlushesAreAnIntervalApartAndAnIdleTaskFlushesAtTheNextCheck() {
        try (TestPipeline p = pipeline(512, Map.of(HyperrecConfig.BATCH_FLUSH_INTERVAL_MS, 100))) {
            long check = p.runtime.config().batchCheckMs();
            p.interaction(event("a0", "u1", "i1", InteractionType.CLICK, 1, 0));
            advance(p, check);
            assertThat(p.recommendations()).as("no flush yet: the first event goes out at the next check")
                    .extracting(kv -> kv.key).containsExactly("u1");

            p.interaction(event("a1", "u2", "i2", InteractionType.CLICK, 1, 1));
            advance(p, 60);
            p.interaction(event("a2", "u3", "i3", InteractionType.CLICK, 1, 2));
            advance(p, 30);
            assertThat(p.recommendations()).as("90 ms after the last flush").isEmpty();
            advance(p, 10);
            assertThat(p.recommendations()).as("an interval after the last flush: both go out")
                    .extracting(kv -> kv.key).containsExactly("u2", "u3");

            advance(p, 250);
            p.interaction(event("b0", "u4", "i4", InteractionType.CLICK, 1, 3));
            advance(p, check);
            assertThat(p.recommendations()).as("idle for longer than an interval: the next check flushes")
                    .extracting(kv -> kv.key).containsExactly("u4");
        }
    }

    /**
     * Timed flushes take at most half a task's time: after a flush that took 150 ms (on the runtime's duration clock),
     * the next timed flush waits 300 ms from that flush's start, not the 100 ms interval, so that under a backlog the
     * batch grows instead of being cut short; the size cap still flushes at once.
     */
    @Test
    void aLongFlushDefersTheNextTimedFlushToTwiceItsDuration() {
        try (TestPipeline p = pipeline(3, Map.of(HyperrecConfig.BATCH_FLUSH_INTERVAL_MS, 100))) {
            java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
            p.runtime.durationClock(() -> calls.getAndIncrement() * 150_000_000L); // each flush reads it twice: 150 ms
            long check = p.runtime.config().batchCheckMs();
            p.interaction(event("a0", "u1", "i1", InteractionType.CLICK, 1, 0));
            advance(p, check);
            assertThat(p.recommendations()).hasSize(1);
            p.interaction(event("a1", "u2", "i2", InteractionType.CLICK, 1, 1));
            advance(p, 290);
            assertThat(p.recommendations()).as("290 ms after a 150 ms flush began").isEmpty();
            advance(p, 10);
            assertThat(p.recommendations()).as("300 ms: twice its duration").extracting(kv -> kv.key).containsExactly("u2");
            for (int i = 0; i < 3; i++) {
                p.interaction(event("c" + i, "u" + (5 + i), "i" + i, InteractionType.CLICK, 1, 2 + i));
            }
            assertThat(p.recommendations()).as("the size cap does not wait").hasSize(3);
        }
    }

    /** Advances the driver's wall clock in steps of the check period (a tenth of the bound), firing each check. */
    private static void advance(TestPipeline p, long ms) {
        long step = p.runtime.config().batchCheckMs();
        for (long done = 0; done < ms; done += step) {
            p.driver.advanceWallClockTime(java.time.Duration.ofMillis(Math.min(step, ms - done)));
        }
    }

    @Test
    void theSketchCountersAreStoredInChunksWithEveryCountedEvent() {
        try (TestPipeline p = pipeline(16)) {
            var cm = p.runtime.config().countMin();
            int cells = cm.width() * cm.depth();
            int chunks = (cells + dev.hyperrec.topology.internal.BatchingProcessor.SKETCH_CHUNK_CELLS - 1)
                    / dev.hyperrec.topology.internal.BatchingProcessor.SKETCH_CHUNK_CELLS;
            SplittableRandom rnd = new SplittableRandom(9);
            int n = 200;
            for (int e = 0; e < n; e++) {
                p.interaction(event("c" + e, "u" + rnd.nextInt(7), "i" + rnd.nextInt(40), InteractionType.CLICK, 1, e));
            }
            p.tick();
            org.apache.kafka.streams.state.KeyValueStore<Integer, byte[]> store = p.driver.getKeyValueStore(StoreNames.SKETCH_COUNTERS);
            long sum = 0;
            int records = 0;
            try (var it = store.all()) {
                while (it.hasNext()) {
                    var kv = it.next();
                    assertThat(kv.key).isBetween(0, chunks - 1);
                    int expected = Math.min(dev.hyperrec.topology.internal.BatchingProcessor.SKETCH_CHUNK_CELLS,
                            cells - kv.key * dev.hyperrec.topology.internal.BatchingProcessor.SKETCH_CHUNK_CELLS);
                    assertThat(kv.value).hasSize(8 * expected);
                    for (long c : dev.hyperrec.topology.internal.Codecs.longs(kv.value)) {
                        sum += c;
                    }
                    records++;
                }
            }
            // each event added one to one cell of every row (no decay within the test's event times)
            assertThat(sum).isEqualTo((long) cm.depth() * n);
            assertThat(records).isPositive().isLessThanOrEqualTo(chunks);
        }
    }

    @Test
    void everyTriggeringEventYieldsExactlyOneListFromTheStateRightAfterIt() {
        try (TestPipeline p = pipeline(1)) {
            p.interaction(event("e1", "alice", "i0", InteractionType.CLICK, 1, 0));
            p.interaction(event("e2", "alice", "i8", InteractionType.VIEW, 1, 10));
            p.interaction(event("e3", "alice", "i16", InteractionType.RATING, 5, 20));
            List<KeyValue<String, Recommendations>> out = p.recommendations();
            assertThat(out).extracting(kv -> kv.value.getRecommendationId()).containsExactly("evt:e1", "evt:e3");
            Recommendations last = out.get(1).value;
            assertThat(last.getUserId()).isEqualTo("alice");
            assertThat(last.getItems()).hasSize(5);
            // seen items are excluded; the user likes axis 0, so axis-0 items lead
            List<String> ids = last.getItems().stream().map(RecommendedItem::getItemId).toList();
            assertThat(ids).doesNotContain("i0", "i8", "i16");
            assertThat(ids.get(0)).isIn("i24", "i32");
            assertThat(last.getItems().get(0).getReason()).isEqualTo(Reason.PERSONAL);
            assertThat(last.getItems()).extracting(RecommendedItem::getRank).containsExactly(1, 2, 3, 4, 5);
            assertThat(last.getSourceEventTime()).isEqualTo(Fixtures.T0.plusMillis(20));
            assertThat(p.deadLetters()).isEmpty();
        }
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicWithReasonsAndGoodOnesAreProcessed() {
        try (TestPipeline p = pipeline(4)) {
            p.interaction(event("g1", "bob", "i1", InteractionType.CLICK, 1, 0));
            p.rawInteraction("bob".getBytes(StandardCharsets.UTF_8), new byte[] {7, 7, 7, 7, 7, 7, 7});
            p.rawInteraction("bob".getBytes(StandardCharsets.UTF_8),
                    ByteBuffer.allocate(9).put((byte) 0).putInt(987_654).putInt(0).array());
            p.interaction(event("nan", "bob", "i1", InteractionType.RATING, Float.NaN, 1));
            p.interaction(event("unknown", "bob", "no-such-item", InteractionType.CLICK, 1, 2));
            byte[] good = p.events.serializer().serialize(Topics.INTERACTIONS, event("nokey", "bob", "i2", InteractionType.CLICK, 1, 3));
            p.rawInteraction(null, good);
            p.rawInteraction("mallory".getBytes(StandardCharsets.UTF_8), good);
            p.interaction(event("g2", "bob", "i2", InteractionType.PURCHASE, 1, 4));
            p.interaction(event("g3", "carol", "i3", InteractionType.RATING, 4, 5));
            p.tick();

            List<TestRecord<byte[], byte[]>> dead = p.deadLetters();
            assertThat(dead).extracting(r -> header(r, DeadLetter.HEADER_REASON)).containsExactly(
                    "BAD_MAGIC_BYTE", "UNKNOWN_SCHEMA_ID", "NON_FINITE_VALUE", "UNKNOWN_ITEM", "MISSING_KEY", "KEY_MISMATCH");
            assertThat(dead).allSatisfy(r -> {
                assertThat(header(r, DeadLetter.HEADER_DETAIL)).isNotBlank();
                assertThat(header(r, DeadLetter.HEADER_TOPIC)).isEqualTo(Topics.INTERACTIONS);
            });
            assertThat(dead.get(0).value()).containsExactly(7, 7, 7, 7, 7, 7, 7);
            assertThat(p.recommendations()).extracting(kv -> kv.value.getRecommendationId())
                    .containsExactly("evt:g1", "evt:g2", "evt:g3");
        }
    }

    @Test
    void requestsFuseTheQueryWithTheUserAndHonourK() {
        try (TestPipeline p = pipeline(1)) {
            p.interaction(event("e1", "dave", "i0", InteractionType.CLICK, 1, 0));
            float[] q = new float[8];
            q[3] = 1f;
            p.request(Fixtures.request("r1", "dave", q, 3, 10));
            p.request(Fixtures.request("bad", "dave", new float[] {1f, 2f}, 3, 11));
            List<KeyValue<String, Recommendations>> out = p.recommendations();
            Recommendations r = out.get(out.size() - 1).value;
            assertThat(r.getRecommendationId()).isEqualTo("req:r1");
            assertThat(r.getRequestId()).isEqualTo("r1");
            assertThat(r.getItems()).hasSize(3);
            // 0.7 of the query points along axis 3: axis-3 items lead
            assertThat(r.getItems().get(0).getItemId()).isIn("i3", "i11", "i19", "i27", "i35");
            assertThat(p.deadLetters()).extracting(d -> header(d, DeadLetter.HEADER_REASON)).containsExactly("DIMENSION_MISMATCH");
        }
    }

    @Test
    void aColdStartRequestWithNothingToRecommendStillGetsExactlyOneEmptyList() {
        try (TestPipeline p = pipeline(1)) {
            p.request(Fixtures.request("cold", "newcomer", null, 5, 0));
            List<KeyValue<String, Recommendations>> out = p.recommendations();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).value.getRecommendationId()).isEqualTo("req:cold");
            assertThat(out.get(0).value.getItems()).isEmpty();
            // once something is popular, the same cold user gets popular items
            p.interaction(event("e1", "someone", "i4", InteractionType.VIEW, 1, 1));
            p.request(Fixtures.request("cold2", "newcomer", null, 5, 2));
            Recommendations r = p.recommendations().get(0).value;
            assertThat(r.getItems()).extracting(RecommendedItem::getItemId).contains("i4");
            assertThat(r.getItems().get(0).getReason()).isIn(Reason.POPULAR, Reason.EXPLORE, Reason.SIMILAR);
        }
    }

    /**
     * Lists depend on when the item-to-item model's lists arrive (docs/architecture.md), so none is
     * published during these replays (publish interval beyond their wall-clock span): the lists must be
     * identical, and so must every store, the model's windows and counts included.
     */
    @Test
    void sameInputWithDifferentBatchSizesAndPunctuationGivesIdenticalStateAndLists() {
        List<InteractionEvent> input = Fixtures.randomStream(600, 25, 40, 11);
        Snapshot reference = replay(input, 1, Integer.MAX_VALUE);
        assertThat(reference.lists).hasSizeGreaterThan(300);
        for (int[] variant : new int[][] {{7, 13}, {64, 50}, {512, 1000}, {1000, Integer.MAX_VALUE}}) {
            Snapshot other = replay(input, variant[0], variant[1]);
            assertThat(other.lists).as("lists with batch %d, tick every %d", variant[0], variant[1])
                    .containsExactlyElementsOf(reference.lists);
            assertThat(other.stores).as("stores with batch %d, tick every %d", variant[0], variant[1])
                    .isEqualTo(reference.stores);
        }
    }

    @Test
    void catalogDeletesRemoveItemsFromLists() {
        try (TestPipeline p = pipeline(1)) {
            p.interaction(event("e1", "erin", "i0", InteractionType.CLICK, 1, 0));
            String top = p.recommendations().get(0).value.getItems().get(0).getItemId();
            p.deleteItem(top);
            p.interaction(event("e2", "erin", "i1", InteractionType.VIEW, 1, 1));
            p.interaction(event("e3", "erin", "i0", InteractionType.CLICK, 1, 2));
            Recommendations after = p.recommendations().get(0).value;
            assertThat(after.getItems()).extracting(RecommendedItem::getItemId).doesNotContain(top);
            p.interaction(event("e4", "erin", top, InteractionType.CLICK, 1, 3));
            assertThat(header(p.deadLetters().get(0), DeadLetter.HEADER_REASON)).isEqualTo("UNKNOWN_ITEM");
        }
    }

    private record Snapshot(List<String> lists, Map<String, List<String>> stores) {
    }

    private static Snapshot replay(List<InteractionEvent> input, int batch, int tickEvery) {
        try (TestPipeline p = pipeline(batch, Map.of(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 3_600_000))) {
            int i = 0;
            for (InteractionEvent e : input) {
                p.interaction(e);
                if (++i % tickEvery == 0) {
                    p.tick();
                }
            }
            p.tick();
            // the model's counts reach their store at a checkpoint: two ticks of the aggregator, idle in between
            p.driver.advanceWallClockTime(java.time.Duration.ofMillis(2 * dev.hyperrec.topology.internal.NeighbourAggregator.TICK_MS));
            p.driver.advanceWallClockTime(java.time.Duration.ofMillis(2 * dev.hyperrec.topology.internal.NeighbourAggregator.TICK_MS));
            List<String> lists = p.recommendations().stream().map(kv -> render(kv.value)).collect(Collectors.toList());
            Map<String, List<String>> stores = new java.util.TreeMap<>();
            for (String s : List.of(StoreNames.USER_VECTORS, StoreNames.ID_DICTIONARY, StoreNames.SEEN_SETS,
                    StoreNames.BANDIT, StoreNames.SKETCH, StoreNames.SKETCH_COUNTERS, StoreNames.BATCH_BUFFER,
                    StoreNames.COOCCURRENCE_WINDOWS, StoreNames.COOCCURRENCE_COUNTS, StoreNames.NEIGHBOURS_CHANGED)) {
                stores.put(s, p.storeDump(s));
            }
            return new Snapshot(lists, stores);
        }
    }

    /** A list without its wall-clock generation time. */
    static String render(Recommendations r) {
        StringBuilder b = new StringBuilder(r.getUserId()).append('|').append(r.getRecommendationId()).append('|');
        for (RecommendedItem it : r.getItems()) {
            b.append(it.getItemId()).append(':').append(it.getScore()).append(':').append(it.getReason()).append(',');
        }
        return b.append('|').append(r.getSourceEventTime()).toString();
    }

    static String header(TestRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
