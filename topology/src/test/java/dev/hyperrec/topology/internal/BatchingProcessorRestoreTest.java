package dev.hyperrec.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.StoreDumps;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.Topics;
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
        runtime = HyperrecRuntime.create(config);
        for (int i = 0; i < ITEMS; i++) {
            CatalogItem item = Fixtures.axisItem(i);
            float[] v = new float[item.getEmbedding().size()];
            for (int d = 0; d < v.length; d++) {
                v[d] = item.getEmbedding().get(d);
            }
            runtime.catalog().upsert(item.getItemId(), v);
        }
        events = runtime.serdes().serde(InteractionEvent.class, false);
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
                p.flush();
            }
        }
        p.flush();
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
            out.put(name, StoreDumps.rows(store));
        }
        return out;
    }
}
