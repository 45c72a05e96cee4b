package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.topology.internal.IncrementLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The aggregator's read-back of {@code item-cooccurrence} after a restart ({@link IncrementLog#kafka}) against a real
 * broker: it returns exactly the committed records of the offset range, in order, skipping those of an aborted
 * transaction; and when retention has already deleted the start of the range, it starts at the log start and says so.
 */
@ExtendWith(KafkaInfra.class)
class IncrementLogIT {
    private static final String TOPIC = "increment-log-it";

    @Test
    void readsTheCommittedRecordsOfARangeAndStartsAtTheLogStartWhenRetentionDeletedItsBeginning(KafkaInfra.Infra infra)
            throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
        List<Long> offsets = new ArrayList<>(); // of the committed records a0..a4, c0..c4
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "increment-log-it");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                offsets.add(producer.send(record("a" + i)).get().offset());
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(record("b" + i)).get(); // aborted below: never read back
            }
            producer.abortTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                offsets.add(producer.send(record("c" + i)).get().offset());
            }
            producer.commitTransaction();
        }
        Map<String, Object> client = Map.of("bootstrap.servers", infra.bootstrapServers());
        IncrementLog log = IncrementLog.kafka(client, Duration.ofSeconds(30));

        // from a2 to c3: the aborted b's and the transaction markers between are skipped
        List<String> read = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        long first = log.read(TOPIC, 0, offsets.get(2), offsets.get(8), (offset, key, value) -> {
            at.add(offset);
            read.add(new String(value, StandardCharsets.UTF_8));
        });
        assertThat(first).isEqualTo(offsets.get(2));
        assertThat(read).containsExactly("a2", "a3", "a4", "c0", "c1", "c2", "c3");
        assertThat(at).containsExactlyElementsOf(offsets.subList(2, 9));

        // retention deletes up to c1: a read from a1 starts at c1's offset, the log start
        try (Admin admin = Admin.create(client)) {
            admin.deleteRecords(Map.of(new TopicPartition(TOPIC, 0), RecordsToDelete.beforeOffset(offsets.get(6))))
                    .all().get();
        }
        List<String> rest = new ArrayList<>();
        long start = log.read(TOPIC, 0, offsets.get(1), offsets.get(9),
                (offset, key, value) -> rest.add(new String(value, StandardCharsets.UTF_8)));
        assertThat(start).isEqualTo(offsets.get(6));
        assertThat(rest).containsExactly("c1", "c2", "c3", "c4");
    }

    private static ProducerRecord<byte[], byte[]> record(String value) {
        return new ProducerRecord<>(TOPIC, 0, null, value.getBytes(StandardCharsets.UTF_8));
    }
}
