package dev.hyperrec.topology.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in this JVM: KRaft, one combined broker/controller node, replication
 * factors 1 (DESIGN.md §4). Used by the demo and, through the test extension, by the ITs when no
 * external cluster or Docker is available. Idempotent {@link #close()}.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private final KafkaClusterTestKit cluster;
    private boolean closed;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /** Starts a broker with extra broker properties (e.g. {@code message.max.bytes}). */
    public static EmbeddedKafka start(Map<String, String> brokerProps) {
        long t0 = System.nanoTime();
        try {
            Path dir = Files.createTempDirectory("hyperrec-kafka-");
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(dir)
                    .build();
            KafkaClusterTestKit.Builder b = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "4")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    // a transaction's first produce to a partition whose previous transaction's marker is not written yet
                    // is retried by the broker after this backoff (20 ms by default), and the commit's flush waits for it
                    .setConfigProp(BrokerProcess.ADD_PARTITIONS_RETRY_BACKOFF, BrokerProcess.ADD_PARTITIONS_RETRY_BACKOFF_MS)
                    .setConfigProp(BrokerProcess.ADD_PARTITIONS_RETRY_MAX, BrokerProcess.ADD_PARTITIONS_RETRY_MAX_MS)
                    .setConfigProp("log.flush.interval.messages", Long.toString(Long.MAX_VALUE))
                    .setDeleteOnClose(true);
            brokerProps.forEach(b::setConfigProp);
            KafkaClusterTestKit cluster = b.build();
            // the storage formatter prints its bootstrap records to stdout; keep the demo's output readable
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                cluster.format();
            } finally {
                System.setOut(out);
            }
            cluster.startup();
            cluster.waitForReadyBrokers();
            LOG.info("embedded KRaft broker ready at {} in {} ms", cluster.bootstrapServers(),
                    (System.nanoTime() - t0) / 1_000_000);
            return new EmbeddedKafka(cluster);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the embedded broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("embedded broker failed to start: " + e, e);
        }
    }

    public String bootstrapServers() {
        if (closed) {
            throw new IllegalStateException("embedded broker is closed");
        }
        return cluster.bootstrapServers();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            cluster.close();
        } catch (Exception e) {
            LOG.warn("embedded broker did not close cleanly: {}", e.toString());
        }
    }
}
