package dev.hyperrec.topology.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.it.KafkaInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The consumer example against a real broker and registry: it decodes lists written with hyperrec's
 * Serde, skips what does not decode, never sees an aborted transaction's list, and commits its offsets.
 */
@ExtendWith(KafkaInfra.class)
class ConsumeRecommendationsIT {
    private static final String PREFIX = "consumeit.";

    private static Recommendations list(String user, String id, String... items) {
        List<RecommendedItem> ranked = new ArrayList<>();
        for (int i = 0; i < items.length; i++) {
            ranked.add(RecommendedItem.newBuilder().setItemId(items[i]).setScore(1f - i * 0.1f).setRank(i + 1)
                    .setReason(i == 0 ? Reason.PERSONAL : Reason.POPULAR).build());
        }
        return Recommendations.newBuilder().setUserId(user).setRecommendationId(id).setRequestId(null).setItems(ranked)
                .setGeneratedAt(Instant.parse("2026-01-01T00:00:01Z")).setSourceEventTime(Instant.parse("2026-01-01T00:00:00Z"))
                .setModelVersion("test").build();
    }

    @Test
    void readsCommittedListsWithTheProjectSerdeAndSkipsWhatDoesNotDecode(KafkaInfra.Infra infra) throws Exception {
        String topic = PREFIX + Topics.RECOMMENDATIONS;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            TopicSetup.ensure(admin, PREFIX, 1, (short) 1);
        }
        Serializer<Recommendations> serializer = AvroSerdes.forClass(Recommendations.class,
                Map.of("schema.registry.url", infra.registryUrl()), false).serializer();
        Properties pp = dev.hyperrec.topology.Producers.ordered(infra.bootstrapServers());
        pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "consumeit-" + System.nanoTime());
        try (KafkaProducer<String, Recommendations> p = new KafkaProducer<>(pp, new StringSerializer(), serializer)) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "u9", list("u9", "evt:aborted", "i9")));
            p.flush();
            p.abortTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "u1", list("u1", "evt:e1", "i3", "i7")));
            p.send(new ProducerRecord<>(topic, "u2", list("u2", "evt:e2", "i5")));
            p.commitTransaction();
        }
        // a record that is not in the wire format, between good ones
        Properties raw = dev.hyperrec.topology.Producers.ordered(infra.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(raw, new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, "u3".getBytes(), "not avro".getBytes())).get();
        }
        pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "consumeit-b-" + System.nanoTime());
        try (KafkaProducer<String, Recommendations> p = new KafkaProducer<>(pp, new StringSerializer(), serializer)) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "u1", list("u1", "evt:e3", "i8")));
            p.commitTransaction();
        }

        List<Recommendations> seen = new ArrayList<>();
        long n = ConsumeRecommendations.consume(infra.bootstrapServers(), infra.registryUrl(), "consumeit-group", topic, 3,
                Duration.ofSeconds(30), seen::add);
        assertThat(n).isEqualTo(3);
        assertThat(seen).extracting(Recommendations::getRecommendationId).containsExactly("evt:e1", "evt:e2", "evt:e3");
        assertThat(seen.get(0).getItems()).extracting(RecommendedItem::getItemId).containsExactly("i3", "i7");
        assertThat(ConsumeRecommendations.format(seen.get(0))).isEqualTo("u1 [evt:e1] → i3(PERSONAL) i7(POPULAR)");

        // the group's offsets were committed: the same group gets nothing more
        List<Recommendations> again = new ArrayList<>();
        assertThat(ConsumeRecommendations.consume(infra.bootstrapServers(), infra.registryUrl(), "consumeit-group", topic, 1,
                Duration.ofSeconds(3), again::add)).isZero();
        assertThat(again).isEmpty();
    }
}
