package dev.hyperrec.topology.it;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.Producers;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/** Shared plumbing of the ITs: isolated configs (own topic prefix, app id, state dir) and readers. */
final class ItSupport {
    private ItSupport() {
    }

    static HyperrecConfig config(KafkaInfra.Infra infra, String prefix, Map<String, ?> overrides) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("bootstrap.servers", infra.bootstrapServers());
        cfg.put("schema.registry.url", infra.registryUrl());
        cfg.put("application.id", "it-" + prefix.replace('.', '-') + System.nanoTime());
        try {
            cfg.put("state.dir", Files.createTempDirectory("hyperrec-it-").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        cfg.put(HyperrecConfig.TOPIC_PREFIX, prefix);
        cfg.put(HyperrecConfig.BACKEND, "cpu");
        cfg.put("commit.interval.ms", "100");
        cfg.putAll(overrides);
        return HyperrecConfig.of(cfg);
    }

    /** {@code shared}'s registry with another broker (an IT's own). */
    static KafkaInfra.Infra withBroker(KafkaInfra.Infra shared, String bootstrap, String kind) {
        return new KafkaInfra.Infra() {
            @Override
            public String bootstrapServers() {
                return bootstrap;
            }

            @Override
            public String registryUrl() {
                return shared.registryUrl();
            }

            @Override
            public String brokerKind() {
                return kind;
            }
        };
    }

    /** Producer settings for publishing an IT's input ({@link Producers#ordered}: nothing lost on a fresh topic). */
    static Properties producerProps(String bootstrap) {
        return Producers.ordered(bootstrap);
    }

    /**
     * Creates {@code c}'s topics with {@code partitions} partitions and publishes the {@code items} axis items
     * ({@link Fixtures#axisItem}) to its catalog; fails when a send fails.
     */
    static void prepareAxisCatalog(String bootstrap, HyperrecConfig c, int partitions, int items) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicSetup.ensure(admin, c.get(HyperrecConfig.TOPIC_PREFIX), partitions, (short) 1);
        }
        var cs = AvroSerdes.forClass(CatalogItem.class, c.serdeConfig(), false).serializer();
        var sends = new Producers.SendFailures();
        try (var p = new KafkaProducer<>(producerProps(bootstrap), new StringSerializer(), cs)) {
            for (int i = 0; i < items; i++) {
                var item = Fixtures.axisItem(i);
                p.send(new ProducerRecord<>(c.topic(Topics.CATALOG), item.getItemId(), item), sends);
            }
        }
        sends.check(c.topic(Topics.CATALOG));
    }

    /** Publishes {@code events} to {@code c}'s interactions topic in order (one producer, keyed by user); fails when a send fails. */
    static void publishEvents(String bootstrap, HyperrecConfig c, List<InteractionEvent> events) {
        var es = AvroSerdes.forClass(InteractionEvent.class, c.serdeConfig(), false).serializer();
        var sends = new Producers.SendFailures();
        try (var p = new KafkaProducer<>(producerProps(bootstrap), new StringSerializer(), es)) {
            for (var e : events) {
                p.send(new ProducerRecord<>(c.topic(Topics.INTERACTIONS), e.getUserId(), e), sends);
            }
        }
        sends.check(c.topic(Topics.INTERACTIONS));
    }

    /**
     * Reads {@code topic} from the beginning (read_committed) until {@code done} holds or the timeout passes, and returns
     * what it read either way: a caller asserts on the result (a wait whose result is not checked cannot fail).
     */
    static <K, V> List<ConsumerRecord<K, V>> readUntil(String bootstrap, String topic, Deserializer<K> kd,
            Deserializer<V> vd, Predicate<List<ConsumerRecord<K, V>>> done, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<K, V>> out = new ArrayList<>();
        try (KafkaConsumer<K, V> c = new KafkaConsumer<>(p, kd, vd)) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(out) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * What an IT prints when the app falls short: the instance's threads and tasks, where its stream
     * threads are, the group's lag on each input partition, partitions whose last stable offset trails
     * their end (an open transaction), the broker's ongoing transactions and the dead-letter count.
     * Compact, so that it survives in the tail of a CI log. Never throws: it reports what it could not read.
     */
    static String diagnose(String bootstrap, KafkaStreams streams, HyperrecConfig c) {
        StringBuilder b = new StringBuilder();
        String app = c.streamsProperties().getProperty("application.id");
        try {
            b.append("streams ").append(streams == null ? "stopped" : streams.state());
            List<org.apache.kafka.streams.ThreadMetadata> threads = streams == null ? List.of() : List.copyOf(streams.metadataForLocalThreads());
            for (var t : threads) {
                b.append("; ").append(t.threadName().replaceFirst(".*-(StreamThread-\\d+)$", "$1")).append(' ')
                        .append(t.threadState()).append(" active=")
                        .append(t.activeTasks().stream().map(x -> x.taskId().toString()).sorted().toList());
            }
        } catch (RuntimeException e) {
            b.append("streams: ").append(e);
        }
        for (var e : Thread.getAllStackTraces().entrySet()) {
            if (e.getKey().getName().startsWith(app) && e.getKey().getName().matches(".*-StreamThread-\\d+")) {
                b.append("\n  at ").append(e.getKey().getName().replaceFirst(".*-(StreamThread-\\d+)$", "$1")).append(':');
                StackTraceElement[] st = e.getValue();
                for (int i = 0; i < Math.min(6, st.length); i++) {
                    b.append(' ').append(st[i].getClassName().replaceFirst(".*\\.", "")).append('.')
                            .append(st[i].getMethodName());
                }
            }
        }
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", bootstrap))) {
            String prefix = c.get(HyperrecConfig.TOPIC_PREFIX);
            List<String> topics = admin.listTopics().names().get(10, SECONDS).stream()
                    .filter(t -> t.startsWith(prefix) || t.startsWith(app)).sorted().toList();
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get(10, SECONDS)
                    .forEach((t, d) -> d.partitions().forEach(pi -> specs.put(new TopicPartition(t, pi.partition()),
                            OffsetSpec.latest())));
            var end = admin.listOffsets(specs).all().get(10, SECONDS);
            var stable = admin.listOffsets(specs, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(10, SECONDS);
            var committed = admin.listConsumerGroupOffsets(app).partitionsToOffsetAndMetadata()
                    .get(10, SECONDS);
            b.append("\n  offsets (end/stable/committed):");
            specs.keySet().stream().sorted(Comparator.comparing(TopicPartition::toString)).forEach(tp -> {
                long e = end.get(tp).offset();
                long l = stable.get(tp).offset();
                var off = committed.get(tp);
                if (e != l || off != null || tp.topic().endsWith(Topics.INTERACTIONS_DLQ)
                        || tp.topic().endsWith(Topics.RECOMMENDATIONS)) {
                    b.append(' ').append(tp.topic().replace(app, "~")).append('-').append(tp.partition()).append('=')
                            .append(e).append('/').append(l).append('/').append(off == null ? "-" : off.offset());
                }
            });
            var ongoing = admin.listTransactions().all().get(10, SECONDS).stream()
                    .filter(t -> t.state() == TransactionState.ONGOING)
                    .map(TransactionListing::transactionalId).toList();
            b.append("\n  ongoing transactions: ").append(ongoing.size());
            if (!ongoing.isEmpty()) {
                long now = System.currentTimeMillis();
                admin.describeTransactions(ongoing).all().get(10, SECONDS).forEach((id, d) ->
                        b.append("; ").append(id.replace(app, "~")).append(" open ")
                                .append(d.transactionStartTimeMs().isPresent() ? (now - d.transactionStartTimeMs().getAsLong()) + " ms" : "?")
                                .append(" on ").append(d.topicPartitions().size()).append(" partitions"));
            }
        } catch (Exception e) {
            b.append("\n  admin: ").append(e);
        }
        return b.toString();
    }

    static void awaitRunning(KafkaStreams streams) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("streams not RUNNING after 60 s: " + streams.state());
            }
            Thread.sleep(50);
        }
    }
}
