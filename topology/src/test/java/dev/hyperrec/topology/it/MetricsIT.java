package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import org.apache.kafka.clients.admin.Admin;
import dev.hyperrec.topology.metrics.MetricsServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The app as {@code hyperrec run} starts it ({@link HyperrecApp#launch}) on a real broker and
 * registry: events go in, and both endpoints are scraped over HTTP. The scrape must carry every
 * operator's latency histogram and p50/p95/p99, the freshness of every list, the backend gauges and
 * Kafka Streams' own metrics, with values that agree with what was sent.
 */
@ExtendWith(KafkaInfra.class)
class MetricsIT {
    private static final int EVENTS = 300;
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void scrapeCarriesOperatorLatenciesFreshnessAndBackendGaugesAndHealthIsUp(KafkaInfra.Infra infra) throws Exception {
        HyperrecConfig config = ItSupport.config(infra, "metricsit.", Map.of(HyperrecConfig.EMBEDDING_DIM, 8,
                HyperrecConfig.BATCH_MAX_EVENTS, 32, HyperrecConfig.CACHE_CHECK_EVERY_EVENTS, 20,
                HyperrecConfig.TOPICS_CREATE, "true", HyperrecConfig.TOPICS_PARTITIONS, 2,
                HyperrecConfig.METRICS_PORT, 0));
        // the catalog goes first: the global store restores it before any task processes a click
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            TopicSetup.ensure(admin, config.get(HyperrecConfig.TOPIC_PREFIX), 2, (short) 1);
        }
        publishCatalog(infra, config);
        try (HyperrecApp.Running app = HyperrecApp.launch(config)) {
            MetricsServer server = app.server();
            assertThat(server.address().getAddress().isLoopbackAddress()).as("binds loopback by default").isTrue();
            awaitHealthy(server);

            long firstSend = System.currentTimeMillis();
            publishClicks(infra, config);
            Map<String, Double> m = awaitSample(server, "hyperrec_recommendations_total", EVENTS);
            long sinceFirstSendMs = System.currentTimeMillis() - firstSend;

            // events and lists: every click was accepted and yielded one list with one freshness sample
            assertThat(m.get("hyperrec_events_accepted_total")).isEqualTo(EVENTS);
            assertThat(m.get("hyperrec_batch_size_events_sum")).isEqualTo(EVENTS);
            assertThat(m.get("hyperrec_batch_size_events_max")).isBetween(1.0, 32.0);
            assertThat(m.get("hyperrec_freshness_seconds_count")).isEqualTo(EVENTS);
            assertThat(m.get("hyperrec_freshness_seconds_bucket{le=\"+Inf\"}")).isEqualTo(EVENTS);
            // freshness is bounded by how long ago the first event was sent (clocks are the same here)
            double p50 = m.get("hyperrec_freshness_quantiles_seconds{quantile=\"0.5\"}");
            double p99 = m.get("hyperrec_freshness_quantiles_seconds{quantile=\"0.99\"}");
            assertThat(p50).isGreaterThan(0).isLessThanOrEqualTo(p99);
            assertThat(m.get("hyperrec_freshness_seconds_max")).isGreaterThanOrEqualTo(p50)
                    .isLessThanOrEqualTo(sinceFirstSendMs / 1000.0 + 0.001);

            // per-operator latency: histogram buckets, count, sum and p50 <= p95 <= p99 for each operator
            for (String op : List.of("embedding_update", "scoring", "sketch", "thompson", "cache_rebuild")) {
                String tag = "operator=\"" + op + "\"";
                double count = m.get("hyperrec_operator_latency_seconds_count{" + tag + "}");
                assertThat(count).as(op).isPositive();
                assertThat(m.get("hyperrec_operator_latency_seconds_bucket{" + tag + ",le=\"+Inf\"}")).as(op).isEqualTo(count);
                assertThat(m.get("hyperrec_operator_latency_seconds_sum{" + tag + "}")).as(op).isPositive();
                double q50 = m.get("hyperrec_operator_latency_quantiles_seconds{" + tag + ",quantile=\"0.5\"}");
                double q95 = m.get("hyperrec_operator_latency_quantiles_seconds{" + tag + ",quantile=\"0.95\"}");
                double q99 = m.get("hyperrec_operator_latency_quantiles_seconds{" + tag + ",quantile=\"0.99\"}");
                assertThat(q50).as(op).isPositive().isLessThanOrEqualTo(q95);
                assertThat(q95).as(op).isLessThanOrEqualTo(q99);
            }
            // updates, scoring, sketch and sampling run in every flush that had clicks
            double flushes = m.get("hyperrec_batch_size_events_count");
            assertThat(m.get("hyperrec_operator_latency_seconds_count{operator=\"scoring\"}")).isEqualTo(flushes);
            assertThat(m.get("hyperrec_operator_latency_seconds_count{operator=\"cache_rebuild\"}"))
                    .isEqualTo(m.get("hyperrec_cache_rebuilds_total"));

            // backend: the CPU backend as configured, no fallbacks, no device memory gauges
            assertThat(m.get("hyperrec_backend_active{backend=\"cpu\",configured=\"cpu\"}")).isEqualTo(1.0);
            assertThat(m.get("hyperrec_backend_fallbacks_total")).isZero();
            assertThat(m.keySet()).noneMatch(k -> k.startsWith("hyperrec_device_memory"));
            assertThat(m.get("hyperrec_stream_thread_failures_total")).isZero();

            // cache lookups and the ratio agree
            double hits = m.get("hyperrec_cache_lookups_total{result=\"hit\"}");
            double misses = m.get("hyperrec_cache_lookups_total{result=\"miss\"}");
            assertThat(hits + misses).isPositive();
            assertThat(m.get("hyperrec_cache_hit_ratio")).isCloseTo(hits / (hits + misses), org.assertj.core.data.Offset.offset(1e-9));

            // Kafka Streams' own metrics (Micrometer's KafkaStreamsMetrics) and the JVM's
            assertThat(m.keySet()).anyMatch(k -> k.startsWith("kafka_stream_thread_process_total"));
            assertThat(m.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"));
            double processed = m.entrySet().stream().filter(e -> e.getKey().startsWith("kafka_stream_thread_process_total"))
                    .mapToDouble(Map.Entry::getValue).sum();
            assertThat(processed).as("records the stream threads processed").isGreaterThanOrEqualTo(EVENTS);
            // the commit counters PipelineBench reports per phase: the lists reached a read_committed reader, so the
            // threads committed transactions, and their producers spent time in flush and in the end of a transaction
            Map<String, Double> commits = dev.hyperrec.topology.tools.PipelineBench.commitTotals(app.streams());
            assertThat(commits).containsOnlyKeys(dev.hyperrec.topology.tools.PipelineBench.COMMIT_TOTALS);
            assertThat(commits.get("commit-total")).as("commits").isPositive();
            assertThat(commits.get("flush-time-ns-total")).as("producer flush ns").isPositive();
            assertThat(commits.get("txn-commit-time-ns-total")).as("commitTransaction ns").isPositive();
            assertThat(commits.get("txn-send-offsets-time-ns-total")).as("sendOffsetsToTransaction ns").isPositive();

            HttpResponse<String> health = get(server, MetricsServer.HEALTH_PATH);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"state\":\"RUNNING\"")
                    .contains("\"backend\":\"cpu\"").containsPattern("\"stateForMs\":\\d+,");

            // the item-to-item model's own instance reports through the same registry, and /health turns DOWN
            // (with its state) when it stops under a running app
            KafkaStreams model = HyperrecApp.model(app.streams());
            assertThat(model).as("the model runs in an instance of its own by default").isNotNull();
            String modelThread = config.modelStreamsProperties().getProperty("application.id") + "-";
            assertThat(m.keySet()).as("a stream-thread meter of the model's instance")
                    .anyMatch(k -> k.startsWith("kafka_stream_thread_process_total") && k.contains(modelThread));
            model.close(Duration.ofSeconds(30));
            HttpResponse<String> down = get(server, MetricsServer.HEALTH_PATH);
            assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
            assertThat(down.body()).contains("\"status\":\"DOWN\"").contains("\"state\":\"NOT_RUNNING\"");
        }
    }

    private static void publishCatalog(KafkaInfra.Infra infra, HyperrecConfig c) {
        Properties pp = ItSupport.producerProps(infra.bootstrapServers());
        try (KafkaProducer<String, CatalogItem> p = new KafkaProducer<>(pp, new StringSerializer(),
                AvroSerdes.forClass(CatalogItem.class, c.serdeConfig(), false).serializer())) {
            for (int i = 0; i < 24; i++) {
                CatalogItem item = Fixtures.axisItem(i);
                p.send(new ProducerRecord<>(c.topic(Topics.CATALOG), item.getItemId(), item));
            }
        }
    }

    private static void publishClicks(KafkaInfra.Infra infra, HyperrecConfig c) {
        Properties pp = ItSupport.producerProps(infra.bootstrapServers());
        try (KafkaProducer<String, InteractionEvent> p = new KafkaProducer<>(pp, new StringSerializer(),
                AvroSerdes.forClass(InteractionEvent.class, c.serdeConfig(), false).serializer())) {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
            for (int i = 0; i < EVENTS; i++) {
                // a skewed item choice, so that the hot set and the cache have something to hold
                int item = Math.min(rnd.nextInt(24), rnd.nextInt(24));
                InteractionEvent e = Fixtures.event("m" + i, "u" + rnd.nextInt(40), "i" + item, InteractionType.CLICK, 1f, i * 1000L);
                p.send(new ProducerRecord<>(c.topic(Topics.INTERACTIONS), e.getUserId(), e));
                if (i % 50 == 49) {
                    p.flush();
                    sleep(100); // several flushes, not one batch
                }
            }
        }
    }

    private void awaitHealthy(MetricsServer server) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> r = get(server, MetricsServer.HEALTH_PATH);
        while (r.statusCode() != 200) {
            assertThat(r.statusCode()).as("not yet running: %s", r.body()).isEqualTo(503);
            assertThat(r.body()).contains("\"status\":\"DOWN\"");
            assertThat(System.nanoTime()).as("healthy within 60 s: %s", r.body()).isLessThan(deadline);
            Thread.sleep(100);
            r = get(server, MetricsServer.HEALTH_PATH);
        }
    }

    /** Scrapes until {@code name} reaches {@code atLeast}; returns the last scrape as series → value. */
    private Map<String, Double> awaitSample(MetricsServer server, String name, double atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> r = get(server, MetricsServer.METRICS_PATH);
            assertThat(r.statusCode()).isEqualTo(200);
            Map<String, Double> m = parse(r.body());
            if (m.getOrDefault(name, 0.0) >= atLeast) {
                // a last commit interval: nothing more may arrive
                Thread.sleep(300);
                return parse(get(server, MetricsServer.METRICS_PATH).body());
            }
            assertThat(System.nanoTime()).as("%s reaches %s within 60 s (now %s)", name, atLeast, m.get(name))
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private HttpResponse<String> get(MetricsServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(server.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Prometheus text format 0.0.4 samples: {@code name{labels}} → value. */
    static Map<String, Double> parse(String body) {
        Map<String, Double> m = new HashMap<>();
        for (String line : body.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher x = SAMPLE.matcher(line);
            if (x.matches()) {
                String value = x.group(3);
                m.put(x.group(1) + (x.group(2) == null ? "" : x.group(2)),
                        value.equals("+Inf") ? Double.POSITIVE_INFINITY : value.equals("NaN") ? Double.NaN : Double.parseDouble(value));
            }
        }
        return m;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
