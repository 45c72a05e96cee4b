package dev.hyperrec.topology.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.TestPipeline;
import dev.hyperrec.topology.metrics.PipelineMetrics.Operator;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/** The pipeline's meters on a TopologyTestDriver: what they count matches what the topology did. */
class PipelineMetricsTest {
    private static final Map<String, Object> CONFIG = Map.of(HyperrecConfig.BATCH_MAX_EVENTS, 4,
            HyperrecConfig.CACHE_CHECK_EVERY_EVENTS, 1, HyperrecConfig.SKETCH_HEAVY_HITTERS, 3,
            HyperrecConfig.RECS_K, 3, HyperrecConfig.RECS_CANDIDATES, 5, HyperrecConfig.RECS_POPULAR_CANDIDATES, 3);

    /** 10 clicks of 3 users on 6 items, flushed in batches of at most 4, and one undecodable record. */
    private static List<KeyValue<String, Recommendations>> drive(TestPipeline p) {
        for (int i = 0; i < 8; i++) {
            p.catalog(Fixtures.axisItem(i));
        }
        String[] items = {"i0", "i1", "i0", "i2", "i0", "i3", "i1", "i4", "i0", "i5"};
        for (int e = 0; e < items.length; e++) {
            p.interaction(Fixtures.event("e" + e, "u" + (e % 3), items[e], InteractionType.CLICK, 1f, e * 1000L));
        }
        p.rawInteraction("u0".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[] {7, 1, 2, 3, 4, 5});
        p.tick();
        return p.recommendations();
    }

    /**
     * With {@code hyperrec.recs.coalesce} the batches [u0 u1 u2 u0] [u1 u2 u0 u1] [u2 u0] yield no list for e0 and e4
     * (their users click again in the batch): 8 lists, 2 events counted as coalesced, and a freshness sample for all 10.
     */
    @Test
    void coalescedEventsAreCountedApartFromTheListsThatStandForThem() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Map<String, Object> config = new java.util.HashMap<>(CONFIG);
        config.put(HyperrecConfig.RECS_COALESCE, true);
        List<KeyValue<String, Recommendations>> lists;
        try (TestPipeline p = new TestPipeline(config, PipelineMetrics.of(registry))) {
            lists = drive(p);
        }
        assertThat(lists).extracting(kv -> kv.value.getRecommendationId())
                .containsExactly("evt:e1", "evt:e2", "evt:e3", "evt:e5", "evt:e6", "evt:e7", "evt:e8", "evt:e9");
        assertThat(registry.get(PipelineMetrics.RECOMMENDATIONS).counter().count()).isEqualTo(8.0);
        assertThat(registry.get(PipelineMetrics.RECOMMENDATIONS_COALESCED).counter().count()).isEqualTo(2.0);
        assertThat(registry.get(PipelineMetrics.FRESHNESS).timer().count()).isEqualTo(10);
    }

    @Test
    void countsWhatTheTopologyDid() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PipelineMetrics metrics = PipelineMetrics.of(registry);
        List<KeyValue<String, Recommendations>> lists;
        long cacheRebuilds;
        try (TestPipeline p = new TestPipeline(CONFIG, metrics)) {
            lists = drive(p);
            assertThat(p.deadLetters()).hasSize(1);
        }
        assertThat(lists).hasSize(10);

        // 10 accepted events in flushes of 4, 4 and 2 (the last one by the punctuation)
        assertThat(registry.get(PipelineMetrics.EVENTS_ACCEPTED).counter().count()).isEqualTo(10.0);
        // each accepted event: its queue time (record timestamp → acceptance) and its wait in the batch
        assertThat(registry.get(PipelineMetrics.EVENT_QUEUE).timer().count()).isEqualTo(10);
        assertThat(registry.get(PipelineMetrics.BATCH_WAIT).timer().count()).isEqualTo(10);
        assertThat(registry.get(PipelineMetrics.BATCH_SIZE).summary().count()).isEqualTo(3);
        assertThat(registry.get(PipelineMetrics.BATCH_SIZE).summary().totalAmount()).isEqualTo(10.0);
        assertThat(registry.get(PipelineMetrics.BATCH_SIZE).summary().max()).isEqualTo(4.0);
        assertThat(registry.get(PipelineMetrics.BATCH_FLUSH).timer().count()).isEqualTo(3);
        assertThat(registry.get(PipelineMetrics.BATCH_FLUSHES).tag("trigger", "size").counter().count()).isEqualTo(2.0);
        assertThat(registry.get(PipelineMetrics.BATCH_FLUSHES).tag("trigger", "wait").counter().count()).isEqualTo(1.0);
        assertThat(registry.get(PipelineMetrics.EVENTS_DEAD_LETTERED).tag("reason", "BAD_MAGIC_BYTE").counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get(PipelineMetrics.EVENTS_DEAD_LETTERED).tag("reason", "UNKNOWN_ITEM").counter().count())
                .isZero();

        // one list per click, each with a freshness sample
        assertThat(registry.get(PipelineMetrics.RECOMMENDATIONS).counter().count()).isEqualTo(10.0);
        assertThat(registry.get(PipelineMetrics.FRESHNESS).timer().count()).isEqualTo(10);

        // every flush updated, scored, sketched and sampled: one sample per operator and flush
        for (Operator op : List.of(Operator.EMBEDDING_UPDATE, Operator.SCORING, Operator.SKETCH, Operator.THOMPSON)) {
            Timer t = registry.get(PipelineMetrics.OPERATOR_LATENCY).tag("operator", op.tag()).timer();
            Timer q = registry.get(PipelineMetrics.OPERATOR_LATENCY + PipelineMetrics.QUANTILES_SUFFIX).tag("operator", op.tag()).timer();
            assertThat(q.count()).as(op.tag()).isEqualTo(3);
            assertThat(t.count()).as(op.tag()).isEqualTo(3);
            assertThat(t.totalTime(TimeUnit.NANOSECONDS)).as(op.tag()).isPositive();
        }
        // checked at every event: rebuilt at least at the first check, once per rebuild counted
        cacheRebuilds = (long) registry.get(PipelineMetrics.CACHE_REBUILDS).counter().count();
        assertThat(cacheRebuilds).isPositive();
        assertThat(registry.get(PipelineMetrics.OPERATOR_LATENCY).tag("operator", "cache_rebuild").timer().count())
                .isEqualTo(cacheRebuilds);
        double hits = registry.get(PipelineMetrics.CACHE_LOOKUPS).tag("result", "hit").counter().count();
        double misses = registry.get(PipelineMetrics.CACHE_LOOKUPS).tag("result", "miss").counter().count();
        assertThat(hits).as("recent items that are hot have a cached row").isPositive();
        assertThat(registry.get(PipelineMetrics.CACHE_HIT_RATIO).gauge().value()).isEqualTo(hits / (hits + misses));
        // the hot set is compared from the second flush on (the first sets the baseline)
        assertThat(registry.get(PipelineMetrics.HOT_SET_CHURN).summary().count()).isEqualTo(2);

        assertThat(registry.get(PipelineMetrics.BACKEND_ACTIVE).tag("backend", "cpu").tag("configured", "cpu").gauge().value())
                .isEqualTo(1.0);
        assertThat(registry.get(PipelineMetrics.BACKEND_FALLBACKS).functionCounter().count()).isZero();
        assertThat(registry.find(PipelineMetrics.DEVICE_MEMORY_FREE).gauges()).as("no device memory on the CPU").isEmpty();

        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("hyperrec_operator_latency_seconds_bucket{operator=\"scoring\"")
                .contains("hyperrec_operator_latency_quantiles_seconds{operator=\"scoring\",quantile=\"0.99\"}")
                .contains("hyperrec_freshness_seconds_count 10")
                .contains("hyperrec_freshness_quantiles_seconds{quantile=\"0.5\"}")
                .contains("hyperrec_recommendations_total 10")
                .contains("hyperrec_backend_active{backend=\"cpu\",configured=\"cpu\"} 1");
    }

    @Test
    void listsDoNotDependOnWhetherMetricsAreRecorded() {
        List<KeyValue<String, Recommendations>> with;
        List<KeyValue<String, Recommendations>> without;
        try (TestPipeline p = new TestPipeline(CONFIG, PipelineMetrics.of(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)))) {
            with = drive(p);
        }
        try (TestPipeline p = new TestPipeline(CONFIG, PipelineMetrics.disabled())) {
            without = drive(p);
        }
        assertThat(with).hasSize(without.size());
        for (int i = 0; i < with.size(); i++) {
            Recommendations a = with.get(i).value;
            Recommendations b = without.get(i).value;
            assertThat(a.getRecommendationId()).isEqualTo(b.getRecommendationId());
            assertThat(a.getItems()).isEqualTo(b.getItems());
        }
    }

    /** The model's checkpoints: counted once each, with the records they wrote and their time. */
    @Test
    void countsTheModelsCheckpoints() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        long a = dev.hyperrec.operators.ItemKeys.hash64("a");
        long b = dev.hyperrec.operators.ItemKeys.hash64("b");
        try (TestPipeline p = new TestPipeline(Map.of(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 3_600_000),
                PipelineMetrics.of(registry))) {
            var in = p.driver.createInputTopic(dev.hyperrec.topology.Topics.ITEM_COOCCURRENCE,
                    new org.apache.kafka.common.serialization.ByteArraySerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer());
            in.pipeInput(dev.hyperrec.topology.internal.NeighbourCodecs.key(a),
                    dev.hyperrec.topology.internal.NeighbourCodecs.increment(1, new long[] {b}, new int[] {1}, 0, 1));
            in.pipeInput(dev.hyperrec.topology.internal.NeighbourCodecs.key(b),
                    dev.hyperrec.topology.internal.NeighbourCodecs.increment(0, new long[] {a}, new int[] {2}, 0, 1));
            assertThat(registry.get(PipelineMetrics.NEIGHBOURS_CHECKPOINTS).counter().count()).isZero();
            // a tick with records since the last one waits; the next, idle, checkpoints; later idle ticks have nothing to do
            for (int i = 0; i < 4; i++) {
                p.driver.advanceWallClockTime(java.time.Duration.ofMillis(dev.hyperrec.topology.internal.NeighbourAggregator.TICK_MS));
            }
        }
        assertThat(registry.get(PipelineMetrics.NEIGHBOURS_CHECKPOINTS).counter().count()).isEqualTo(1.0);
        // a's occurrence count, a's row (one chunk), b's row (one chunk; b has no occurrence count)
        assertThat(registry.get(PipelineMetrics.NEIGHBOURS_CHECKPOINT_RECORDS).counter().count()).isEqualTo(3.0);
        assertThat(registry.get(PipelineMetrics.NEIGHBOURS_CHECKPOINT_TIME).timer().count()).isEqualTo(1);
        assertThat(registry.get(PipelineMetrics.NEIGHBOURS_READ_BACK).counter().count()).isZero();
    }

    /**
     * The CUDA device is asked for on CUDA only: a CPU run neither needs nor checks the CUDA device's setting (a
     * malformed {@code hyperrec.cuda.device} property is refused where a CUDA backend opens, not here).
     */
    @Test
    void aCpuBackendIsBoundWithoutAskingForTheCudaDevice() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PipelineMetrics metrics = PipelineMetrics.of(registry);
        try (dev.hyperrec.operators.OperatorBackend cpu = dev.hyperrec.operators.Backends.open(
                dev.hyperrec.operators.BackendKind.CPU)) {
            metrics.bindBackend(cpu, "cpu", b -> 0, () -> {
                throw new AssertionError("the device was asked for on the CPU backend");
            });
            assertThat(registry.get(PipelineMetrics.BACKEND_ACTIVE).tag("backend", "cpu").gauge().value()).isEqualTo(1.0);
            assertThat(registry.find(PipelineMetrics.DEVICE_MEMORY_TOTAL).gauge()).isNull();
        } finally {
            metrics.close();
        }
    }
}
