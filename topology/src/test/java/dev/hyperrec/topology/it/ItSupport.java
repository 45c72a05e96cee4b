package dev.hyperrec.topology.it;

import dev.hyperrec.topology.HyperrecConfig;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
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

    /** Reads {@code topic} from the beginning (read_committed) until {@code done} holds or the timeout passes. */
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
