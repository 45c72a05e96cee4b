package dev.hyperrec.topology;

import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.topology.internal.BatchingProcessor;
import dev.hyperrec.topology.internal.CatalogProcessor;
import dev.hyperrec.topology.internal.NeighbourAggregator;
import dev.hyperrec.topology.internal.NeighbourListProcessor;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds hyperrec's Kafka Streams topology (docs/architecture.md draws it):
 *
 * <pre>
 * catalog ──► catalog-processor ──► catalog-store (global) ──► ItemCatalog (shared, on the device)
 * item-neighbours ──► neighbours-processor ──► item-neighbours-store (global) ──► NeighbourTable (shared)
 *
 * interactions ─────────┐
 * recommendation-requests ─┴► batching-processor ──► recommendations
 *                               │  (stores: user-vectors, id-dictionary, seen-sets, bandit-params,
 *                               │   sketch-state, sketch-counters, batch-buffer, cooccurrence-windows;
 *                               │   ranks with the NeighbourTable)
 *                               ├──────────────► interactions-dlq
 *                               └──────────────► item-cooccurrence (key = item)
 *
 * item-cooccurrence ──► neighbour-aggregator ──► item-neighbours (compacted, once per item per interval)
 *                         │  (stores: cooccurrence-counts, cooccurrence-progress, neighbours-changed)
 *                         └──────────────► interactions-dlq
 * </pre>
 *
 * The item-to-item part (the last three lines and the neighbours global store) is built only while
 * {@code hyperrec.neighbours.enabled} is true. With {@code hyperrec.neighbours.separate.app} (the default)
 * the app runs the aggregation (the last three lines) as a Kafka Streams instance of its own
 * ({@link #buildModel}) next to the rest ({@link #buildLists}); {@link #build} is both in one.
 * Sources read raw bytes so that every decoding failure is handled by the processor (dead-letter
 * topic with the reason) instead of a deserialization handler that could only log it.
 */
public final class HyperrecTopology {
    /** The stores of the co-occurrence aggregation's state, in the model's instance when it has its own. */
    public static final List<String> MODEL_STORES = List.of(StoreNames.COOCCURRENCE_COUNTS, StoreNames.NEIGHBOURS_CHANGED);
    /**
     * The aggregation's bookkeeping store (input offsets of the last read and of the last checkpoint): next to
     * {@link #MODEL_STORES}, but not model state (two runs over the same records read them at different offsets).
     */
    public static final String MODEL_PROGRESS_STORE = StoreNames.COOCCURRENCE_PROGRESS;

    private HyperrecTopology() {
    }

    /**
     * The whole topology in one, the lists' part and the model's: the app without
     * {@code hyperrec.neighbours.separate.app}, and the tests on one driver.
     */
    public static Topology build(HyperrecRuntime runtime) {
        return lists(runtime, true);
    }

    /**
     * The app's topology when the model runs in an instance of its own ({@link HyperrecConfig#modelInOwnApp()}):
     * everything but the co-occurrence aggregation.
     */
    public static Topology buildLists(HyperrecRuntime runtime) {
        return lists(runtime, false);
    }

    /** The model instance's topology: {@code item-cooccurrence} → aggregator → {@code item-neighbours}. */
    public static Topology buildModel(HyperrecRuntime runtime) {
        Topology t = new Topology();
        addAggregator(t, runtime);
        return t;
    }

    /**
     * The lists' part; with {@code withAggregator} also the model's, between the increments' sink and the
     * lists' global store (the node order, and so the task ids, of the topology before the split).
     */
    private static Topology lists(HyperrecRuntime runtime, boolean withAggregator) {
        HyperrecConfig config = runtime.config();
        Topology t = new Topology();
        t.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.CATALOG), Serdes.String(),
                        Serdes.ByteArray()).withLoggingDisabled(),
                NodeNames.CATALOG_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), config.topic(Topics.CATALOG),
                NodeNames.CATALOG_PROCESSOR, () -> new CatalogProcessor(runtime));

        t.addSource(NodeNames.INTERACTIONS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                config.topic(Topics.INTERACTIONS));
        t.addSource(NodeNames.REQUESTS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.topic(Topics.REQUESTS));
        t.addProcessor(NodeNames.BATCHING_PROCESSOR, () -> new BatchingProcessor(runtime),
                NodeNames.INTERACTIONS_SOURCE, NodeNames.REQUESTS_SOURCE);
        for (StoreBuilder<? extends StateStore> b : batchingStores(config)) {
            t.addStateStore(b, NodeNames.BATCHING_PROCESSOR);
        }
        t.addSink(NodeNames.RECOMMENDATIONS_SINK, config.topic(Topics.RECOMMENDATIONS), new StringSerializer(),
                runtime.serdes().serde(Recommendations.class, false).serializer(), NodeNames.BATCHING_PROCESSOR);
        t.addSink(NodeNames.DLQ_SINK, config.topic(Topics.INTERACTIONS_DLQ), new ByteArraySerializer(), new ByteArraySerializer(),
                NodeNames.BATCHING_PROCESSOR);
        if (config.neighboursEnabled()) {
            addItemNeighbours(t, runtime, withAggregator);
        }
        return t;
    }

    /**
     * The stores of one task's {@link BatchingProcessor} (with changelogs), in the topology and in
     * tools that open a task's stores outside Streams ({@code tools.RestoreBench}); the co-occurrence
     * windows only with {@code hyperrec.neighbours.enabled}.
     */
    public static List<StoreBuilder<? extends StateStore>> batchingStores(HyperrecConfig config) {
        List<StoreBuilder<? extends StateStore>> b = new ArrayList<>();
        b.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.USER_VECTORS), Serdes.String(), Serdes.ByteArray()));
        b.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.ID_DICTIONARY), Serdes.String(), Serdes.Integer()));
        b.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.SEEN_SETS), Serdes.String(), Serdes.ByteArray()));
        b.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.BANDIT), Serdes.Bytes(), Serdes.ByteArray()));
        b.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.SKETCH), Serdes.String(), Serdes.ByteArray()));
        b.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.SKETCH_COUNTERS), Serdes.Integer(), Serdes.ByteArray()));
        // cached: the open chunk is put again with every event, and its changelog gets it once a commit
        b.add(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.BATCH_BUFFER), Serdes.Long(), Serdes.ByteArray())
                .withCachingEnabled());
        if (config.neighboursEnabled()) {
            b.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.COOCCURRENCE_WINDOWS), Serdes.String(),
                    Serdes.ByteArray()));
        }
        return b;
    }

    /** The lists' side of the streaming item-to-item model: the increments out, the published lists in (global). */
    private static void addItemNeighbours(Topology t, HyperrecRuntime runtime, boolean withAggregator) {
        HyperrecConfig config = runtime.config();
        t.addSink(NodeNames.COOCCURRENCE_SINK, config.topic(Topics.ITEM_COOCCURRENCE), new ByteArraySerializer(),
                new ByteArraySerializer(), NodeNames.BATCHING_PROCESSOR);
        if (withAggregator) {
            addAggregator(t, runtime);
        }

        t.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.NEIGHBOURS), Serdes.Bytes(),
                        Serdes.ByteArray()).withLoggingDisabled(),
                NodeNames.NEIGHBOURS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                config.topic(Topics.ITEM_NEIGHBOURS), NodeNames.NEIGHBOURS_PROCESSOR, () -> new NeighbourListProcessor(runtime));
    }

    /** The item-keyed aggregation of the increments into counts and published lists. */
    private static void addAggregator(Topology t, HyperrecRuntime runtime) {
        HyperrecConfig config = runtime.config();
        t.addSource(NodeNames.COOCCURRENCE_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                config.topic(Topics.ITEM_COOCCURRENCE));
        t.addProcessor(NodeNames.NEIGHBOUR_AGGREGATOR, () -> new NeighbourAggregator(runtime), NodeNames.COOCCURRENCE_SOURCE);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.COOCCURRENCE_COUNTS),
                Serdes.Bytes(), Serdes.ByteArray()), NodeNames.NEIGHBOUR_AGGREGATOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.COOCCURRENCE_PROGRESS),
                Serdes.String(), Serdes.Long()).withCachingEnabled(), NodeNames.NEIGHBOUR_AGGREGATOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.NEIGHBOURS_CHANGED),
                Serdes.Bytes(), Serdes.Long()), NodeNames.NEIGHBOUR_AGGREGATOR);
        t.addSink(NodeNames.NEIGHBOURS_SINK, config.topic(Topics.ITEM_NEIGHBOURS), new ByteArraySerializer(),
                new ByteArraySerializer(), NodeNames.NEIGHBOUR_AGGREGATOR);
        t.addSink(NodeNames.COOCCURRENCE_DLQ_SINK, config.topic(Topics.INTERACTIONS_DLQ), new ByteArraySerializer(),
                new ByteArraySerializer(), NodeNames.NEIGHBOUR_AGGREGATOR);
    }
}
