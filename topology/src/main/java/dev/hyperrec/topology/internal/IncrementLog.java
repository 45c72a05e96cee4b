package dev.hyperrec.topology.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a range of one partition of {@code item-cooccurrence} again: how {@link NeighbourAggregator} rebuilds the
 * increments it had added since its last checkpoint after a crash or a task migration.
 */
public interface IncrementLog {
    /** One record read back. */
    interface Sink {
        void accept(long offset, byte[] key, byte[] value);
    }

    /**
     * Calls {@code sink} for every committed record of {@code topic}'s {@code partition} at offsets {@code [from, to]},
     * in offset order.
     *
     * @return the first offset that was actually read from: {@code from}, or the partition's log start when retention
     *     had already deleted {@code from}
     */
    long read(String topic, int partition, long from, long to, Sink sink);

    /** Reads with a plain consumer (no group, read_committed) built from the app's client settings. */
    static IncrementLog kafka(Map<String, Object> clientConfig, Duration timeout) {
        return new Kafka(clientConfig, timeout);
    }

    /** {@link #kafka}. */
    final class Kafka implements IncrementLog {
        private static final Logger LOG = LoggerFactory.getLogger(Kafka.class);
        private final Map<String, Object> config;
        private final Duration timeout;

        Kafka(Map<String, Object> clientConfig, Duration timeout) {
            this.config = new java.util.HashMap<>(clientConfig);
            this.config.remove(ConsumerConfig.GROUP_ID_CONFIG);
            this.config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            this.config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            this.config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
            this.timeout = timeout;
        }

        @Override
        public long read(String topic, int partition, long from, long to, Sink sink) {
            TopicPartition tp = new TopicPartition(topic, partition);
            long first = from;
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                c.assign(List.of(tp));
                long start = c.beginningOffsets(List.of(tp), timeout).get(tp);
                if (start > from) {
                    LOG.error("{}: the increments from offset {} to {} are needed to rebuild the counts since the last"
                            + " checkpoint, but retention has deleted them up to {}: those counts are lost", tp, from,
                            start - 1, start);
                    first = start;
                }
                c.seek(tp, first);
                long deadline = System.nanoTime() + timeout.toNanos();
                while (c.position(tp, timeout) <= to) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("reading " + tp + " [" + from + ", " + to + "] took longer than "
                                + timeout + "; stopped at " + c.position(tp));
                    }
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        if (r.offset() <= to) {
                            sink.accept(r.offset(), r.key(), r.value());
                        }
                    }
                }
            } catch (OffsetOutOfRangeException e) {
                throw new IllegalStateException("reading " + tp + " [" + from + ", " + to + "]: " + e.getMessage(), e);
            }
            return first;
        }
    }
}
