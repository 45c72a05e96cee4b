package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.StoreDumps;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.engine.EventWeights;
import dev.hyperrec.topology.engine.PendingEvent;
import dev.hyperrec.topology.tools.TaskStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task restarted on its surviving RocksDB stores (the processor's init rebuilds the engine from
 * them by sequential scans) continues exactly like a task that never stopped: same lists, same final
 * stores. Inconsistent stores are refused with a message naming the problem.
 */
class BatchingProcessorRestoreTest {
    private static final int ITEMS = 40;
    private static final int FLUSH_EVERY = 25;

    @TempDir
    Path dir;
    private HyperrecConfig config;
    private HyperrecRuntime runtime;
    private Serde<InteractionEvent> events;

    @BeforeEach
    void setUp() throws Exception {
        Map<String, Object> cfg = new TreeMap<>();
        cfg.put("bootstrap.servers", "unused:9092");
        cfg.put("schema.registry.url", "mock://restore-test");
        cfg.put("application.id", "restore-test");
        cfg.put("state.dir", Files.createDirectories(dir.resolve("state")).toString());
        cfg.put(HyperrecConfig.EMBEDDING_DIM, 8);
        cfg.put(HyperrecConfig.BACKEND, "cpu");
        cfg.put(HyperrecConfig.CACHE_CHECK_EVERY_EVENTS, 10);
        config = HyperrecConfig.of(cfg);
        runtime = runtime(config);
        events = runtime.serdes().serde(InteractionEvent.class, false);
    }

    private static HyperrecRuntime runtime(HyperrecConfig config) {
        HyperrecRuntime runtime = HyperrecRuntime.create(config);
        for (int i = 0; i < ITEMS; i++) {
            CatalogItem item = Fixtures.axisItem(i);
            float[] v = new float[item.getEmbedding().size()];
            for (int d = 0; d < v.length; d++) {
                v[d] = item.getEmbedding().get(d);
            }
            runtime.catalog().upsert(item.getItemId(), v);
        }
        return runtime;
    }

    @AfterEach
    void tearDown() {
        runtime.close();
    }

    @Test
    void aTaskRestartedOnItsStoresContinuesExactlyLikeOneThatNeverStopped() {
        List<InteractionEvent> stream = Fixtures.randomStream(900, 60, ITEMS, 17);
        int cut = 450;

        List<String> reference;
        Map<String, List<String>> referenceStores;
        try (TaskStores stores = TaskStores.open(config, dir.resolve("uninterrupted"), 0)) {
            BatchingProcessor p = start(stores);
            reference = feed(p, stores.context(), stream.subList(0, stream.size()));
            referenceStores = dump(stores.context());
            p.close();
        }

        Path restarted = dir.resolve("restarted");
        List<String> lists = new ArrayList<>();
        try (TaskStores stores = TaskStores.open(config, restarted, 0)) {
            BatchingProcessor p = start(stores);
            lists.addAll(feed(p, stores.context(), stream.subList(0, cut)));
            p.close();
        }
        Map<String, List<String>> after;
        try (TaskStores stores = TaskStores.open(config, restarted, 0)) {
            BatchingProcessor p = start(stores);
            lists.addAll(feed(p, stores.context(), stream.subList(cut, stream.size())));
            after = dump(stores.context());
            p.close();
        }

        assertThat(referenceStores.get(StoreNames.ID_DICTIONARY)).hasSize(60);
        assertThat(referenceStores.get(StoreNames.USER_VECTORS)).isNotEmpty();
        assertThat(reference).hasSizeGreaterThan(100);
        assertThat(lists).isEqualTo(reference);
        assertThat(after).isEqualTo(referenceStores);
    }

    @Test
    void aDictionaryWithTwoUsersAtOneIndexIsRefused() {
        try (TaskStores stores = TaskStores.open(config, dir.resolve("dup"), 0)) {
            KeyValueStore<String, Integer> dictionary = stores.context().getStateStore(StoreNames.ID_DICTIONARY);
            dictionary.put("a", 0);
            dictionary.put("b", 0);
            assertThatThrownBy(() -> start(stores)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("share index 0");
        }
    }

    @Test
    void aDictionaryWithAGapIsRefused() {
        try (TaskStores stores = TaskStores.open(config, dir.resolve("gap"), 0)) {
            KeyValueStore<String, Integer> dictionary = stores.context().getStateStore(StoreNames.ID_DICTIONARY);
            dictionary.put("a", 0);
            dictionary.put("b", 2);
            assertThatThrownBy(() -> start(stores)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not dense");
        }
    }

    @Test
    void aRowOfAUserMissingFromTheDictionaryIsRefused() {
        try (TaskStores stores = TaskStores.open(config, dir.resolve("orphan"), 0)) {
            KeyValueStore<String, Integer> dictionary = stores.context().getStateStore(StoreNames.ID_DICTIONARY);
            KeyValueStore<String, byte[]> vectors = stores.context().getStateStore(StoreNames.USER_VECTORS);
            dictionary.put("a", 0);
            vectors.put("a", Codecs.floats(new float[8], 0, 8));
            vectors.put("ghost", Codecs.floats(new float[8], 0, 8));
            assertThatThrownBy(() -> start(stores)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ghost").hasMessageContaining("not in the id dictionary");
        }
    }

    @Test
    void aRowOfTheWrongDimensionIsRefused() {
        try (TaskStores stores = TaskStores.open(config, dir.resolve("dim"), 0)) {
            KeyValueStore<String, Integer> dictionary = stores.context().getStateStore(StoreNames.ID_DICTIONARY);
            KeyValueStore<String, byte[]> vectors = stores.context().getStateStore(StoreNames.USER_VECTORS);
            dictionary.put("a", 0);
            vectors.put("a", Codecs.floats(new float[4], 0, 4));
            assertThatThrownBy(() -> start(stores)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("16 bytes, expected 32");
        }
    }

    @Test
    void sketchCountersInTheEarlierOneCellLayoutAreRefused() {
        try (TaskStores stores = TaskStores.open(config, dir.resolve("cells"), 0)) {
            var cm = config.countMin();
            KeyValueStore<String, byte[]> sketch = stores.context().getStateStore(StoreNames.SKETCH);
            KeyValueStore<Integer, byte[]> counters = stores.context().getStateStore(StoreNames.SKETCH_COUNTERS);
            sketch.put("cms", Codecs.sketch(new dev.hyperrec.operators.SketchState(cm.width(), cm.depth(), new long[0], 7, 0,
                    new long[0])));
            counters.put(3, Codecs.longs(7L)); // cell 3 → 7, as the store held it before the chunks
            assertThatThrownBy(() -> start(stores)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("sketch-counters chunk 3 holds 1 cells").hasMessageContaining("one cell per record");
        }
    }

    /**
     * Lets a minute pass on the context's clock (far more than the flush interval, and than twice any flush's duration)
     * and fires the task's punctuations, as the stream thread would: the open batch flushes at its check.
     */
    private static void waitOut(MockProcessorContext<Object, Object> ctx) {
        fire(ctx, ctx.currentSystemTimeMs() + 60_000);
    }

    /**
     * With {@code hyperrec.batch.commit.on.timed.flush} a flush on the wait bound asks Kafka Streams to commit, so its
     * lists need not wait for the commit interval; a flush at the size cap does not, nor does a check with nothing to
     * flush, nor any flush without the setting.
     */
    @Test
    void aTimedFlushAsksForACommitWhenConfigured() {
        for (boolean on : new boolean[] {true, false}) {
            HyperrecConfig c = config.with(HyperrecConfig.BATCH_COMMIT_ON_TIMED_FLUSH, on).with(HyperrecConfig.BATCH_MAX_EVENTS, 4);
            try (HyperrecRuntime rt = runtime(c); TaskStores stores = TaskStores.open(c, dir.resolve("commit-" + on), 0)) {
                MockProcessorContext<Object, Object> ctx = stores.context();
                BatchingProcessor p = new BatchingProcessor(rt);
                p.init(ctx);
                Serde<InteractionEvent> serde = rt.serdes().serde(InteractionEvent.class, false);
                List<InteractionEvent> stream = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    stream.add(Fixtures.event("e" + i, "u" + (i % 3), "i" + i, dev.hyperrec.avro.InteractionType.CLICK, 1f, i));
                }
                for (int i = 0; i < stream.size(); i++) {
                    InteractionEvent e = stream.get(i);
                    ctx.setRecordMetadata(c.topic(Topics.INTERACTIONS), 0, i);
                    p.process(new Record<>(e.getUserId().getBytes(StandardCharsets.UTF_8),
                            serde.serializer().serialize(Topics.INTERACTIONS, e), e.getTimestamp().toEpochMilli()));
                }
                assertThat(lists(ctx)).as("the size cap flushed the first four").isEqualTo(4);
                assertThat(ctx.committed()).as("a flush at the size cap leaves the commit to the interval").isFalse();
                waitOut(ctx);
                assertThat(lists(ctx)).as("the wait bound flushed the last two").isEqualTo(6);
                assertThat(ctx.committed()).as("commit requested after the timed flush, setting " + on).isEqualTo(on);
                ctx.resetCommit();
                waitOut(ctx);
                assertThat(ctx.committed()).as("nothing to flush, nothing to commit").isFalse();
                p.close();
            }
        }
    }

    /**
     * Two tasks of one stream thread share its commit pacing: a timed flush soon after the other task's requested
     * commit owes one instead of asking at once, and the owed commit is asked for at the first check of either task
     * once the interval has passed, though neither has anything left to flush.
     */
    @Test
    void anOwedCommitIsAskedForAtTheThreadsNextCheckThatMayAskForIt() {
        HyperrecConfig c = config.with(HyperrecConfig.BATCH_COMMIT_ON_TIMED_FLUSH, true);
        long interval = c.getLong(HyperrecConfig.BATCH_FLUSH_INTERVAL_MS);
        try (HyperrecRuntime rt = runtime(c); TaskStores s1 = TaskStores.open(c, dir.resolve("gate-1"), 0);
                TaskStores s2 = TaskStores.open(c, dir.resolve("gate-2"), 1)) {
            Serde<InteractionEvent> serde = rt.serdes().serde(InteractionEvent.class, false);
            List<MockProcessorContext<Object, Object>> contexts = List.of(s1.context(), s2.context());
            List<BatchingProcessor> processors = new ArrayList<>();
            long t = s1.context().currentSystemTimeMs();
            for (int task = 0; task < 2; task++) {
                MockProcessorContext<Object, Object> ctx = contexts.get(task);
                ctx.setCurrentSystemTimeMs(t);
                BatchingProcessor p = new BatchingProcessor(rt);
                p.init(ctx);
                processors.add(p);
                for (int i = 0; i < 2; i++) {
                    InteractionEvent e = Fixtures.event("t" + task + "e" + i, "u" + task + "_" + i, "i" + i,
                            dev.hyperrec.avro.InteractionType.CLICK, 1f, i);
                    ctx.setRecordMetadata(c.topic(Topics.INTERACTIONS), task, i);
                    p.process(new Record<>(e.getUserId().getBytes(StandardCharsets.UTF_8),
                            serde.serializer().serialize(Topics.INTERACTIONS, e), e.getTimestamp().toEpochMilli()));
                }
            }
            fire(contexts.get(0), t + 60_000);
            assertThat(lists(contexts.get(0))).isEqualTo(2);
            assertThat(contexts.get(0).committed()).as("the thread's first timed flush asks at once").isTrue();
            contexts.get(0).resetCommit();

            fire(contexts.get(1), t + 60_010);
            assertThat(lists(contexts.get(1))).isEqualTo(2);
            assertThat(contexts.get(1).committed()).as("10 ms after the thread's last request: owed").isFalse();

            fire(contexts.get(0), t + 60_000 + interval - 1);
            assertThat(contexts.get(0).committed()).as("still within the interval").isFalse();
            fire(contexts.get(0), t + 60_000 + interval);
            assertThat(contexts.get(0).committed()).as("the other task's check asks for the owed commit").isTrue();
            assertThat(lists(contexts.get(0))).as("with nothing of its own to flush").isEqualTo(2);
            processors.forEach(BatchingProcessor::close);
        }
    }

    /**
     * Under a backlog (records whose timestamps are long past when the task takes them) a timed flush does not ask for a
     * commit while the thread is still taking events, though the last request is more than the request interval ago: the
     * commits are {@code commit.interval.ms}'s. Once the thread has taken nothing for the request interval, the owed
     * commit is asked for. Records that waited a few ms get theirs at the flush.
     */
    @Test
    void aBacklogLeavesCommitsToTheIntervalUntilTheThreadIsIdle() {
        HyperrecConfig c = config.with(HyperrecConfig.BATCH_COMMIT_ON_TIMED_FLUSH, true)
                .with(HyperrecConfig.BATCH_COMMIT_REQUEST_INTERVAL_MS, 200);
        long interval = 200; // above the flush interval, so it is the request interval
        assertThat(c.getLong(HyperrecConfig.BATCH_FLUSH_INTERVAL_MS)).isLessThan(interval);
        for (long waitedMs : new long[] {10_000, 3}) {
            try (HyperrecRuntime rt = runtime(c); TaskStores stores = TaskStores.open(c, dir.resolve("backlog-" + waitedMs), 0)) {
                MockProcessorContext<Object, Object> ctx = stores.context();
                BatchingProcessor p = new BatchingProcessor(rt);
                p.init(ctx);
                Serde<InteractionEvent> serde = rt.serdes().serde(InteractionEvent.class, false);
                // the processor stamps accepts with the wall clock, so record timestamps and checks are set from it
                long t = System.currentTimeMillis();
                processAt(p, ctx, serde, c, 0, t - 3);
                fire(ctx, t - 10 * interval); // a check in the past: the first request, long before the next one
                assertThat(ctx.committed()).as("a fresh event's flush asks for a commit").isTrue();
                ctx.resetCommit();
                for (int i = 1; i <= 3; i++) {
                    processAt(p, ctx, serde, c, i, System.currentTimeMillis() - waitedMs);
                }
                fire(ctx, System.currentTimeMillis() + 1);
                assertThat(lists(ctx)).as("the check flushes the open batch").isEqualTo(4);
                if (waitedMs > interval) {
                    assertThat(ctx.committed()).as("events %d ms late: the commit is left to the interval", waitedMs).isFalse();
                    fire(ctx, System.currentTimeMillis() + interval + 1);
                    assertThat(ctx.committed()).as("nothing taken for the request interval: idle, the owed commit").isTrue();
                } else {
                    assertThat(ctx.committed()).as("events %d ms late: committed at the flush", waitedMs).isTrue();
                }
                p.close();
            }
        }
    }

    /**
     * Held co-occurrence increments sent at the end of their interval by a thread that takes no more events owe a commit
     * too: the model reads them read_committed, and with requested commits on, {@code commit.interval.ms} is long.
     */
    @Test
    void heldIncrementsSentAfterTheLastFlushAskForACommit() {
        long emit = 1_000;
        HyperrecConfig c = config.with(HyperrecConfig.BATCH_COMMIT_ON_TIMED_FLUSH, true)
                .with(HyperrecConfig.BATCH_COMMIT_REQUEST_INTERVAL_MS, 200)
                .with(HyperrecConfig.NEIGHBOURS_EMIT_INTERVAL_MS, emit);
        try (HyperrecRuntime rt = runtime(c); TaskStores stores = TaskStores.open(c, dir.resolve("held-commit"), 0)) {
            MockProcessorContext<Object, Object> ctx = stores.context();
            long t = System.currentTimeMillis();
            ctx.setCurrentSystemTimeMs(t);
            BatchingProcessor p = new BatchingProcessor(rt);
            p.init(ctx);
            Serde<InteractionEvent> serde = rt.serdes().serde(InteractionEvent.class, false);
            // one user clicks two items: a pair to count
            for (int i = 0; i < 2; i++) {
                InteractionEvent e = Fixtures.event("h" + i, "u1", "i" + i, dev.hyperrec.avro.InteractionType.CLICK, 1f, i);
                ctx.setRecordMetadata(c.topic(Topics.INTERACTIONS), 0, i);
                p.process(new Record<>(e.getUserId().getBytes(StandardCharsets.UTF_8),
                        serde.serializer().serialize(Topics.INTERACTIONS, e), t - 3));
            }
            fire(ctx, t + 1);
            assertThat(lists(ctx)).as("the check flushes the batch").isEqualTo(2);
            assertThat(ctx.committed()).as("the flush's lists ask for a commit").isTrue();
            assertThat(increments(ctx)).as("increments held for their interval").isEmpty();
            ctx.resetCommit();
            fire(ctx, t + emit / 2);
            assertThat(ctx.committed()).as("nothing sent, nothing owed").isFalse();
            fire(ctx, t + emit + 2);
            assertThat(increments(ctx)).as("sent once the interval has passed").isNotEmpty();
            assertThat(ctx.committed()).as("and a commit asked for them").isTrue();
            p.close();
        }
    }

    private static void processAt(BatchingProcessor p, MockProcessorContext<Object, Object> ctx, Serde<InteractionEvent> serde,
            HyperrecConfig c, int i, long recordTimestampMs) {
        InteractionEvent e = Fixtures.event("b" + i, "u" + i, "i" + i, dev.hyperrec.avro.InteractionType.CLICK, 1f, i);
        ctx.setRecordMetadata(c.topic(Topics.INTERACTIONS), 0, i);
        p.process(new Record<>(e.getUserId().getBytes(StandardCharsets.UTF_8),
                serde.serializer().serialize(Topics.INTERACTIONS, e), recordTimestampMs));
    }

    /**
     * With {@code hyperrec.neighbours.emit.interval.ms} a task sends the increments of the events it flushed, summed, once
     * the interval has passed, not with each flush. A task stopped before then sends them after its restart, from
     * {@code batch-buffer} (here restored as Kafka Streams restores the in-memory store from its changelog), without
     * applying those events again; and the model gets the same counts, and the task the same windows and state, as with
     * increments sent at every flush.
     */
    @Test
    void incrementsHeldForTheirIntervalSurviveARestartAndAddUpToTheSameCounts() {
        List<InteractionEvent> stream = Fixtures.randomStream(160, 12, ITEMS, 23);
        Map<String, Long> reference;
        Map<String, List<String>> referenceStores;
        List<String> referenceWindows;
        try (TaskStores stores = TaskStores.open(config, dir.resolve("every-flush"), 0)) {
            BatchingProcessor p = start(stores);
            List<String> lists = feed(p, stores.context(), stream);
            reference = increments(stores.context());
            referenceStores = dump(stores.context());
            referenceWindows = StoreDumps.rows(stores.context().getStateStore(StoreNames.COOCCURRENCE_WINDOWS));
            assertThat(lists).hasSizeGreaterThan(50);
            p.close();
        }
        assertThat(reference).as("increments at every flush").isNotEmpty();

        HyperrecConfig c = config.with(HyperrecConfig.NEIGHBOURS_EMIT_INTERVAL_MS, 500);
        Path held = dir.resolve("held");
        Map<Long, byte[]> buffered = new TreeMap<>();
        long listsBefore;
        try (HyperrecRuntime rt = runtime(c); TaskStores stores = TaskStores.open(c, held, 0)) {
            MockProcessorContext<Object, Object> ctx = stores.context();
            BatchingProcessor p = new BatchingProcessor(rt);
            long t0 = ctx.currentSystemTimeMs();
            p.init(ctx);
            // after 80 events the flush interval (100 ms) has passed, the increments' (500 ms) has not
            process(p, ctx, rt, c, stream, 79, t0 + 150);
            fire(ctx, t0 + 300);
            listsBefore = lists(ctx);
            assertThat(listsBefore).as("every triggering event's list went out").isEqualTo(
                    stream.stream().filter(e -> dev.hyperrec.topology.engine.EventWeights.triggers(e.getType())).count());
            assertThat(increments(ctx)).as("no increments before their interval").isEmpty();
            KeyValueStore<Long, byte[]> buffer = ctx.getStateStore(StoreNames.BATCH_BUFFER);
            try (var it = buffer.all()) {
                it.forEachRemaining(kv -> buffered.put(kv.key, kv.value));
            }
            assertThat(buffered).as("the flushed positive events wait in batch-buffer").isNotEmpty();
            p.close();
        }
        try (HyperrecRuntime rt = runtime(c); TaskStores stores = TaskStores.open(c, held, 0)) {
            MockProcessorContext<Object, Object> ctx = stores.context();
            KeyValueStore<Long, byte[]> buffer = ctx.getStateStore(StoreNames.BATCH_BUFFER);
            buffered.forEach(buffer::put); // what the changelog restores into the in-memory store
            BatchingProcessor p = new BatchingProcessor(rt);
            p.init(ctx);
            fire(ctx, ctx.currentSystemTimeMs() + 60_000);
            assertThat(lists(ctx)).as("the restarted task applies none of those events again").isZero();
            assertThat(increments(ctx)).as("summed increments after the restart").isEqualTo(reference);
            assertThat(StoreDumps.rows(ctx.getStateStore(StoreNames.COOCCURRENCE_WINDOWS))).isEqualTo(referenceWindows);
            assertThat(dump(ctx)).as("state, and an empty batch-buffer").isEqualTo(referenceStores);
            p.close();
        }
    }

    /**
     * Accepted events wait in {@code batch-buffer} one record per chunk of 64 sequence numbers (so its changelog gets a chunk
     * once a commit, through the store's cache, not a record and a tombstone per event), and the buffer is empty once
     * every event is done: flushed, and its increments sent.
     */
    @Test
    void acceptedEventsWaitInChunksAndTheBufferEmptiesOnceTheyAreDone() {
        List<InteractionEvent> stream = Fixtures.randomStream(150, 12, ITEMS, 29);
        HyperrecConfig c = config.with(HyperrecConfig.BATCH_MAX_EVENTS, 1_000);
        try (HyperrecRuntime rt = runtime(c); TaskStores stores = TaskStores.open(c, dir.resolve("chunks"), 0)) {
            MockProcessorContext<Object, Object> ctx = stores.context();
            BatchingProcessor p = new BatchingProcessor(rt);
            p.init(ctx);
            process(p, ctx, rt, c, stream, -1, 0);
            KeyValueStore<Long, byte[]> buffer = ctx.getStateStore(StoreNames.BATCH_BUFFER);
            Map<Long, byte[]> chunks = new TreeMap<>();
            try (var it = buffer.all()) {
                it.forEachRemaining(kv -> chunks.put(kv.key, kv.value));
            }
            assertThat(chunks.keySet()).as("150 open events: chunks 0, 1 and 2").containsExactly(0L, 1L, 2L);
            List<PendingEvent> waiting = new ArrayList<>();
            chunks.values().forEach(v -> waiting.addAll(BufferChunk.decode(v)));
            assertThat(waiting).extracting(PendingEvent::seq).containsExactlyElementsOf(
                    java.util.stream.LongStream.range(0, 150).boxed().toList());
            assertThat(waiting).extracting(PendingEvent::eventId).containsExactlyElementsOf(
                    stream.stream().map(InteractionEvent::getEventId).toList());
            assertThat(lists(ctx)).as("nothing flushed yet").isZero();

            fire(ctx, ctx.currentSystemTimeMs() + 60_000); // flushes, and the increments' interval has passed too
            assertThat(lists(ctx)).isPositive();
            assertThat(StoreDumps.rows(buffer)).as("every event done").isEmpty();
            p.close();
        }
    }

    /**
     * A {@code batch-buffer} written before chunks (one event a record, keyed by its sequence number, no done watermark)
     * is read after an upgrade: its flushed events' increments are sent and its open events applied, as from the chunked
     * buffer of the same moment, and it is rewritten in chunks.
     */
    @Test
    void aBufferOfOneEventARecordFromBeforeChunksRestoresLikeTheChunkedOne() throws Exception {
        List<InteractionEvent> stream = Fixtures.randomStream(160, 12, ITEMS, 31);
        HyperrecConfig c = config.with(HyperrecConfig.NEIGHBOURS_EMIT_INTERVAL_MS, 500);
        Path chunked = dir.resolve("chunked");
        Map<Long, byte[]> buffered = new TreeMap<>();
        long done;
        try (HyperrecRuntime rt = runtime(c); TaskStores stores = TaskStores.open(c, chunked, 0)) {
            MockProcessorContext<Object, Object> ctx = stores.context();
            BatchingProcessor p = new BatchingProcessor(rt);
            long t0 = ctx.currentSystemTimeMs();
            p.init(ctx);
            process(p, ctx, rt, c, stream, 99, t0 + 150); // flushes the first 100; their increments wait for their interval
            // stopped with 100 flushed events (the positive ones unsent) and 60 open ones
            KeyValueStore<Long, byte[]> buffer = ctx.getStateStore(StoreNames.BATCH_BUFFER);
            try (var it = buffer.all()) {
                it.forEachRemaining(kv -> buffered.put(kv.key, kv.value));
            }
            KeyValueStore<String, byte[]> sketch = ctx.getStateStore(StoreNames.SKETCH);
            done = Codecs.longs(sketch.get("done"))[0];
            p.close();
        }
        Path single = dir.resolve("single");
        copyTree(chunked.resolve("task-1_0"), single.resolve("task-1_0"));

        // the old layout of that moment: every event not done, one a record; the flushed ones that feed no increments
        // were deleted at their flush
        EventWeights weights = new EventWeights(c);
        Map<Long, byte[]> oneARecord = new TreeMap<>();
        for (byte[] v : buffered.values()) {
            for (PendingEvent e : BufferChunk.decode(v)) {
                boolean feeds = !e.request() && weights.weight(InteractionType.values()[e.type()], e.value()) > 0f;
                if (e.seq() >= done && (e.seq() >= 100 || feeds)) {
                    oneARecord.put(e.seq(), e.encode());
                }
            }
        }
        assertThat(oneARecord.keySet()).as("open events and unsent flushed ones").contains(100L, 159L).hasSizeLessThan(160);

        Map<String, Long> increments = new TreeMap<>();
        Map<String, List<String>> stores = new TreeMap<>();
        List<Long> lists = new ArrayList<>();
        for (Path taskDir : List.of(chunked, single)) {
            boolean old = taskDir.equals(single);
            try (HyperrecRuntime rt = runtime(c); TaskStores ts = TaskStores.open(c, taskDir, 0)) {
                MockProcessorContext<Object, Object> ctx = ts.context();
                KeyValueStore<Long, byte[]> buffer = ctx.getStateStore(StoreNames.BATCH_BUFFER);
                (old ? oneARecord : buffered).forEach(buffer::put); // what the changelog restores
                if (old) {
                    KeyValueStore<String, byte[]> sketch = ctx.getStateStore(StoreNames.SKETCH);
                    sketch.delete("done");
                }
                BatchingProcessor p = new BatchingProcessor(rt);
                p.init(ctx);
                if (old) {
                    List<Long> keys = new ArrayList<>();
                    try (var it = buffer.all()) {
                        it.forEachRemaining(kv -> {
                            keys.add(kv.key);
                            assertThat(BufferChunk.isChunk(kv.value)).as("rewritten in chunks").isTrue();
                        });
                    }
                    assertThat(keys).as("the chunks of the events not done").containsExactlyElementsOf(
                            oneARecord.keySet().stream().map(BufferChunk::of).distinct().toList());
                }
                fire(ctx, ctx.currentSystemTimeMs() + 60_000);
                lists.add(lists(ctx));
                Map<String, Long> inc = increments(ctx);
                Map<String, List<String>> dumped = dump(ctx);
                if (old) {
                    assertThat(inc).as("the same increments").isEqualTo(increments);
                    assertThat(dumped).as("the same state, and an empty buffer").isEqualTo(stores);
                } else {
                    increments.putAll(inc);
                    stores.putAll(dumped);
                }
                p.close();
            }
        }
        assertThat(increments).isNotEmpty();
        assertThat(stores.get(StoreNames.BATCH_BUFFER)).isEmpty();
        assertThat(lists.get(0)).as("the 60 open events' lists").isPositive().isEqualTo(lists.get(1));
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var paths = Files.walk(from)) {
            for (Path src : (Iterable<Path>) paths::iterator) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst);
                }
            }
        }
    }

    /** The co-occurrence increments forwarded so far, summed: "item occ" → occurrences, "item other" → pair count. */
    private static Map<String, Long> increments(MockProcessorContext<Object, Object> ctx) {
        Map<String, Long> sums = new TreeMap<>();
        for (var f : ctx.forwarded()) {
            if (!dev.hyperrec.topology.NodeNames.COOCCURRENCE_SINK.equals(f.childName().orElse(null))) {
                continue;
            }
            long item = NeighbourCodecs.key((byte[]) f.record().key());
            NeighbourCodecs.Increment inc = NeighbourCodecs.increment((byte[]) f.record().value());
            if (inc.occurrences() > 0) {
                sums.merge(item + " occ", (long) inc.occurrences(), Long::sum);
            }
            for (int i = 0; i < inc.others().length; i++) {
                sums.merge(item + " " + inc.others()[i], (long) inc.counts()[i], Long::sum);
            }
        }
        return sums;
    }

    /**
     * Processes {@code stream} as interactions of partition 0, and fires the punctuations at {@code fireAtMs} right after
     * event {@code fireAfter} (none when negative).
     */
    private static void process(BatchingProcessor p, MockProcessorContext<Object, Object> ctx, HyperrecRuntime rt,
            HyperrecConfig c, List<InteractionEvent> stream, int fireAfter, long fireAtMs) {
        Serde<InteractionEvent> serde = rt.serdes().serde(InteractionEvent.class, false);
        for (int i = 0; i < stream.size(); i++) {
            InteractionEvent e = stream.get(i);
            ctx.setRecordMetadata(c.topic(Topics.INTERACTIONS), 0, i);
            p.process(new Record<>(e.getUserId().getBytes(StandardCharsets.UTF_8),
                    serde.serializer().serialize(Topics.INTERACTIONS, e), e.getTimestamp().toEpochMilli()));
            if (i == fireAfter) {
                fire(ctx, fireAtMs);
            }
        }
    }

    /** Fires the context's punctuations at {@code now} on its clock. */
    private static void fire(MockProcessorContext<Object, Object> ctx, long now) {
        ctx.setCurrentSystemTimeMs(now);
        for (MockProcessorContext.CapturedPunctuator punctuator : ctx.scheduledPunctuators()) {
            punctuator.getPunctuator().punctuate(now);
        }
    }

    private static long lists(MockProcessorContext<Object, Object> ctx) {
        return ctx.forwarded().stream().filter(f -> f.record().value() instanceof Recommendations).count();
    }

    private BatchingProcessor start(TaskStores stores) {
        BatchingProcessor p = new BatchingProcessor(runtime);
        p.init(stores.context());
        return p;
    }

    /** Feeds events (a flush every {@value #FLUSH_EVERY}, and at the end); returns the lists, rendered. */
    private List<String> feed(BatchingProcessor p, MockProcessorContext<Object, Object> ctx, List<InteractionEvent> stream) {
        ctx.resetForwards();
        for (int i = 0; i < stream.size(); i++) {
            InteractionEvent e = stream.get(i);
            ctx.setRecordMetadata(config.topic(Topics.INTERACTIONS), 0, i);
            p.process(new Record<>(e.getUserId().getBytes(StandardCharsets.UTF_8),
                    events.serializer().serialize(Topics.INTERACTIONS, e), e.getTimestamp().toEpochMilli()));
            if ((i + 1) % FLUSH_EVERY == 0) {
                waitOut(ctx);
            }
        }
        waitOut(ctx);
        List<String> out = new ArrayList<>();
        for (var f : ctx.forwarded()) {
            if (f.record().value() instanceof Recommendations r) {
                // generatedAt is wall-clock time; everything else is state
                out.add(r.getRecommendationId() + " " + r.getItems());
            }
        }
        return out;
    }

    private static Map<String, List<String>> dump(MockProcessorContext<Object, Object> ctx) {
        Map<String, List<String>> out = new TreeMap<>();
        for (String name : List.of(StoreNames.USER_VECTORS, StoreNames.ID_DICTIONARY, StoreNames.SEEN_SETS,
                StoreNames.BANDIT, StoreNames.SKETCH, StoreNames.SKETCH_COUNTERS, StoreNames.BATCH_BUFFER)) {
            KeyValueStore<Object, Object> store = ctx.getStateStore(name);
            out.put(name, StoreDumps.rows(name, store));
        }
        return out;
    }
}
