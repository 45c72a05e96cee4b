package dev.hyperrec.topology;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.RecommendationRequest;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient;
import dev.hyperrec.topology.metrics.PipelineMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/** The whole topology on a TopologyTestDriver with an in-process registry and the CPU backend. */
public final class TestPipeline implements AutoCloseable {
    public final InMemorySchemaRegistryClient registry;
    public final HyperrecRuntime runtime;
    public final TopologyTestDriver driver;
    public final Serde<InteractionEvent> events;
    public final Serde<CatalogItem> catalogSerde;
    public final Serde<RecommendationRequest> requestSerde;
    private final TestInputTopic<String, byte[]> catalog;
    private final TestInputTopic<byte[], byte[]> interactions;
    private final TestInputTopic<byte[], byte[]> requests;
    private final TestOutputTopic<String, Recommendations> recommendations;
    private final TestOutputTopic<byte[], byte[]> dlq;
    private final long flushIntervalMs;

    public TestPipeline(Map<String, ?> overrides) {
        this(overrides, new InMemorySchemaRegistryClient());
    }

    public TestPipeline(Map<String, ?> overrides, InMemorySchemaRegistryClient registry) {
        this(overrides, registry, PipelineMetrics.disabled());
    }

    /** A pipeline whose tasks report to {@code metrics}. */
    public TestPipeline(Map<String, ?> overrides, PipelineMetrics metrics) {
        this(overrides, new InMemorySchemaRegistryClient(), metrics);
    }

    public TestPipeline(Map<String, ?> overrides, InMemorySchemaRegistryClient registry, PipelineMetrics metrics) {
        this.registry = registry;
        Map<String, Object> cfg = new TreeMap<>();
        cfg.put("bootstrap.servers", "unused:9092");
        cfg.put("schema.registry.url", "mock://unused");
        cfg.put("application.id", "hyperrec-test");
        try {
            cfg.put("state.dir", Files.createTempDirectory("hyperrec-ttd-").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        cfg.put(HyperrecConfig.EMBEDDING_DIM, 8);
        cfg.put(HyperrecConfig.BACKEND, "cpu");
        // increments with every flush: the tests on the driver follow the item-to-item model batch by batch (the held
        // increments of the default are BatchingProcessorRestoreTest's and the ITs')
        cfg.put(HyperrecConfig.NEIGHBOURS_EMIT_INTERVAL_MS, 0);
        // the driver has one partition a topic
        cfg.put(HyperrecConfig.TOPICS_PARTITIONS, 1);
        cfg.putAll(overrides);
        HyperrecConfig config = HyperrecConfig.of(cfg);
        flushIntervalMs = config.getLong(HyperrecConfig.BATCH_FLUSH_INTERVAL_MS);
        Map<String, Object> serdeCfg = config.serdeConfig();
        runtime = new HyperrecRuntime(config, Backends.open(BackendKind.CPU), new SerdeFactory() {
            @Override
            public <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey) {
                return AvroSerdes.forClass(type, registry, serdeCfg, isKey);
            }
        }, metrics);
        // on the driver's own wall clock a flush takes no time: the flush pacing depends on the test's steps alone
        runtime.durationClock(() -> 0L);
        driver = new TopologyTestDriver(HyperrecTopology.build(runtime), config.streamsProperties());
        events = runtime.serdes().serde(InteractionEvent.class, false);
        catalogSerde = runtime.serdes().serde(CatalogItem.class, false);
        requestSerde = runtime.serdes().serde(RecommendationRequest.class, false);
        catalog = driver.createInputTopic(Topics.CATALOG, new StringSerializer(), new ByteArraySerializer());
        interactions = driver.createInputTopic(Topics.INTERACTIONS, new ByteArraySerializer(), new ByteArraySerializer());
        requests = driver.createInputTopic(Topics.REQUESTS, new ByteArraySerializer(), new ByteArraySerializer());
        recommendations = driver.createOutputTopic(Topics.RECOMMENDATIONS, new StringDeserializer(),
                runtime.serdes().serde(Recommendations.class, false).deserializer());
        dlq = driver.createOutputTopic(Topics.INTERACTIONS_DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    public void catalog(CatalogItem item) {
        catalog.pipeInput(item.getItemId(), catalogSerde.serializer().serialize(Topics.CATALOG, item));
    }

    public void deleteItem(String itemId) {
        catalog.pipeInput(itemId, (byte[]) null);
    }

    public void interaction(InteractionEvent e) {
        interactions.pipeInput(e.getUserId().getBytes(StandardCharsets.UTF_8),
                events.serializer().serialize(Topics.INTERACTIONS, e), e.getTimestamp());
    }

    public void request(RecommendationRequest r) {
        requests.pipeInput(r.getUserId().getBytes(StandardCharsets.UTF_8),
                requestSerde.serializer().serialize(Topics.REQUESTS, r), r.getRequestedAt());
    }

    /** Pipes raw bytes to the interactions topic (bad-input tests). */
    public void rawInteraction(byte[] key, byte[] value) {
        interactions.pipeInput(key, value);
    }

    /** Fires the wall-clock flush punctuation. */
    public void tick() {
        driver.advanceWallClockTime(Duration.ofMillis(flushIntervalMs));
    }

    public List<KeyValue<String, Recommendations>> recommendations() {
        return recommendations.readKeyValuesToList();
    }

    public List<TestRecord<byte[], byte[]>> deadLetters() {
        return dlq.readRecordsToList();
    }

    /** A store's content, keys and values rendered comparably. */
    public List<String> storeDump(String name) {
        KeyValueStore<Object, Object> store = driver.getKeyValueStore(name);
        return StoreDumps.rows(name, store);
    }

    @Override
    public void close() {
        driver.close();
        runtime.close();
    }

    public static Path tempDir() {
        try {
            return Files.createTempDirectory("hyperrec-test-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
