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
 *                         │  (stores: cooccurrence-counts, neighbours-changed)
 *                         └──────────────► interactions-dlq
 * </pre>
 *
 * The item-to-item part (the last three lines and the neighbours global store) is built only while
 * {@code hyperrec.neighbours.enabled} is true. Sources read raw bytes so that every decoding failure
 * is handled by the processor (dead-letter topic with the reason) instead of a deserialization
 * handler that could only log it.
 */
public final class HyperrecTopology {
    private HyperrecTopology() {
    }

    public static Topology build(HyperrecRuntime runtime) {
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
            addItemNeighbours(t, runtime);
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
        b.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.SKETCH_COUNTERS), Serdes.Integer(), Serdes.Long()));
        b.add(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.BATCH_BUFFER), Serdes.Long(), Serdes.ByteArray()));
        if (config.neighboursEnabled()) {
            b.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.COOCCURRENCE_WINDOWS), Serdes.String(),
                    Serdes.ByteArray()));
        }
        return b;
    }

    /** The streaming item-to-item model: co-occurrence windows, the item-keyed aggregation and the global lists. */
    private static void addItemNeighbours(Topology t, HyperrecRuntime runtime) {
        HyperrecConfig config = runtime.config();
        t.addSink(NodeNames.COOCCURRENCE_SINK, config.topic(Topics.ITEM_COOCCURRENCE), new ByteArraySerializer(),
                new ByteArraySerializer(), NodeNames.BATCHING_PROCESSOR);

        t.addSource(NodeNames.COOCCURRENCE_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                config.topic(Topics.ITEM_COOCCURRENCE));
        t.addProcessor(NodeNames.NEIGHBOUR_AGGREGATOR, () -> new NeighbourAggregator(runtime), NodeNames.COOCCURRENCE_SOURCE);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.COOCCURRENCE_COUNTS),
                Serdes.Bytes(), Serdes.Long()), NodeNames.NEIGHBOUR_AGGREGATOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.NEIGHBOURS_CHANGED),
                Serdes.Bytes(), Serdes.Long()), NodeNames.NEIGHBOUR_AGGREGATOR);
        t.addSink(NodeNames.NEIGHBOURS_SINK, config.topic(Topics.ITEM_NEIGHBOURS), new ByteArraySerializer(),
                new ByteArraySerializer(), NodeNames.NEIGHBOUR_AGGREGATOR);
        t.addSink(NodeNames.COOCCURRENCE_DLQ_SINK, config.topic(Topics.INTERACTIONS_DLQ), new ByteArraySerializer(),
                new ByteArraySerializer(), NodeNames.NEIGHBOUR_AGGREGATOR);

        t.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.NEIGHBOURS), Serdes.Bytes(),
                        Serdes.ByteArray()).withLoggingDisabled(),
                NodeNames.NEIGHBOURS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                config.topic(Topics.ITEM_NEIGHBOURS), NodeNames.NEIGHBOURS_PROCESSOR, () -> new NeighbourListProcessor(runtime));
    }
}
