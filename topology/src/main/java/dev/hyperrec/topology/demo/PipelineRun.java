package dev.hyperrec.topology.demo;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.engine.EventWeights;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Runs the pipeline once on a {@link DemoData} against a cluster and a registry: creates the topics,
 * publishes the catalog, starts the topology, replays the interactions (paced, with a progress bar),
 * consumes the recommendations with a read_committed consumer and measures produce → consume
 * latency of every triggering event's list.
 */
public final class PipelineRun {
    /** What one run produced and measured. */
    public record Result(long events, int users, int usersWithRecs, long recommendations, long duplicateLists,
            double p50Ms, double p99Ms, String backend, Map<String, Recommendations> latestByUser) {

        public String demoLine() {
            return String.format(java.util.Locale.ROOT,
                    "demo: events=%d users=%d users_with_recs=%d recommendations=%d p50_ms=%.1f p99_ms=%.1f backend=%s",
                    events, users, usersWithRecs, recommendations, p50Ms, p99Ms, backend);
        }
    }

    private PipelineRun() {
    }

    /**
     * @param appConfig  the app's config (bootstrap.servers, schema.registry.url, application.id, state.dir)
     * @param ratePerSec events per second to offer; {@code <= 0} means as fast as possible
     */
    public static Result run(DemoData data, HyperrecConfig appConfig, int partitions, double ratePerSec,
            Duration timeout, PrintStream log, boolean progress) throws InterruptedException {
        String bootstrap = appConfig.get("bootstrap.servers");
        Map<String, Object> serdeConfig = appConfig.serdeConfig();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicSetup.ensure(admin, appConfig.get(HyperrecConfig.TOPIC_PREFIX), partitions, (short) 1);
        }
        try (var registry = dev.hyperrec.schemas.registry.SchemaRegistryClient.fromConfig(serdeConfig)) {
            dev.hyperrec.topology.SchemaSetup.ensure(registry, appConfig);
        }
        Serde<CatalogItem> catalogSerde = AvroSerdes.forClass(CatalogItem.class, serdeConfig, false);
        Serde<InteractionEvent> eventSerde = AvroSerdes.forClass(InteractionEvent.class, serdeConfig, false);
        Serde<Recommendations> recsSerde = AvroSerdes.forClass(Recommendations.class, serdeConfig, false);

        Properties pp = dev.hyperrec.topology.Producers.ordered(bootstrap);
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        var catalogSends = new dev.hyperrec.topology.Producers.SendFailures();
        try (KafkaProducer<String, CatalogItem> p = new KafkaProducer<>(pp, new StringSerializer(), catalogSerde.serializer())) {
            for (CatalogItem item : data.catalog()) {
                p.send(new ProducerRecord<>(appConfig.topic(Topics.CATALOG), item.getItemId(), item), catalogSends);
            }
            p.flush();
        }
        catalogSends.check(appConfig.topic(Topics.CATALOG));
        log.printf("published %d catalog items (dim %d)%n", data.catalog().size(), data.dim());

        Set<String> triggering = new HashSet<>();
        Set<String> users = new HashSet<>();
        for (InteractionEvent e : data.events()) {
            users.add(e.getUserId());
            if (EventWeights.triggers(e.getType())) {
                triggering.add("evt:" + e.getEventId());
            }
        }

        Map<String, Long> producedAt = new ConcurrentHashMap<>();
        Map<String, Long> latencyNs = new ConcurrentHashMap<>();
        Map<String, Recommendations> latest = new ConcurrentHashMap<>();
        AtomicLong lists = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<String, Recommendations> consumer = new KafkaConsumer<>(cp, new StringDeserializer(),
                recsSerde.deserializer());
        List<TopicPartition> tps = new ArrayList<>();
        consumer.partitionsFor(appConfig.topic(Topics.RECOMMENDATIONS)).forEach(pi -> tps.add(new TopicPartition(pi.topic(), pi.partition())));
        consumer.assign(tps);
        consumer.seekToEnd(tps);
        tps.forEach(consumer::position);
        Thread reader = new Thread(() -> {
            try (consumer) {
                while (!stop.get()) {
                    for (ConsumerRecord<String, Recommendations> r : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        String id = r.value().getRecommendationId();
                        if (!triggering.contains(id)) {
                            continue;
                        }
                        if (latencyNs.containsKey(id)) {
                            duplicates.incrementAndGet();
                            continue;
                        }
                        Long t0 = producedAt.get(id);
                        latencyNs.put(id, t0 == null ? 0L : now - t0);
                        latest.put(r.key(), r.value());
                        lists.incrementAndGet();
                    }
                }
            }
        }, "demo-recommendations-reader");
        reader.setDaemon(true);
        reader.start();

        try (HyperrecRuntime runtime = HyperrecRuntime.create(appConfig)) {
            KafkaStreams streams = HyperrecApp.start(runtime);
            try {
                awaitRunning(streams, Duration.ofSeconds(60));
                log.printf("topology running (backend %s); replaying %d events from %s%n", runtime.backend().name(),
                        data.events().size(), data.source());
                var eventSends = new dev.hyperrec.topology.Producers.SendFailures();
                try (KafkaProducer<String, InteractionEvent> p = new KafkaProducer<>(pp, new StringSerializer(),
                        eventSerde.serializer())) {
                    ProgressBar bar = progress ? new ProgressBarBuilder().setTaskName("replay").setInitialMax(
                            data.events().size()).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                            .continuousUpdate().setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(log)).build() : null;
                    long start = System.nanoTime();
                    int i = 0;
                    for (InteractionEvent e : data.events()) {
                        if (ratePerSec > 0) {
                            long due = start + (long) (i / ratePerSec * 1e9);
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            }
                        }
                        String recId = "evt:" + e.getEventId();
                        if (triggering.contains(recId)) {
                            producedAt.put(recId, System.nanoTime());
                        }
                        p.send(new ProducerRecord<>(appConfig.topic(Topics.INTERACTIONS), e.getUserId(), e), eventSends);
                        i++;
                        if (bar != null && (i & 255) == 0) {
                            bar.stepTo(i);
                            bar.setExtraMessage("lists " + lists.get());
                        }
                    }
                    p.flush();
                    if (bar != null) {
                        bar.stepTo(i);
                        bar.close();
                    }
                }
                eventSends.check(appConfig.topic(Topics.INTERACTIONS));
                long deadline = System.nanoTime() + timeout.toNanos();
                long last = -1;
                long lastChange = System.nanoTime();
                while (lists.get() < triggering.size() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    if (lists.get() != last) {
                        last = lists.get();
                        lastChange = System.nanoTime();
                    } else if (System.nanoTime() - lastChange > Duration.ofSeconds(60).toNanos()) {
                        log.println("no new recommendations for 60 s; stopping the wait");
                        break;
                    }
                }
            } finally {
                stop.set(true);
                reader.join(5000);
                HyperrecApp.stop(streams, Duration.ofSeconds(30));
            }
            long[] lat = latencyNs.values().stream().mapToLong(Long::longValue).sorted().toArray();
            return new Result(data.events().size(), users.size(), latest.size(), lists.get(), duplicates.get(),
                    percentileMs(lat, 0.50), percentileMs(lat, 0.99), runtime.backend().name(), new HashMap<>(latest));
        }
    }

    static double percentileMs(long[] sortedNs, double q) {
        if (sortedNs.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.ceil(q * sortedNs.length) - 1;
        return sortedNs[Math.max(0, Math.min(sortedNs.length - 1, idx))] / 1e6;
    }

    static void awaitRunning(KafkaStreams streams, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR
                    || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                throw new IllegalStateException("topology did not reach RUNNING within " + timeout + " (state "
                        + streams.state() + ")");
            }
            Thread.sleep(50);
        }
    }

}
