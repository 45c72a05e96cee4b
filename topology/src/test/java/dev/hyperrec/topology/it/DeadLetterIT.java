package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.DeadLetter;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bad records between good ones on a real broker and registry: DLQ with reasons, nothing good lost. */
@ExtendWith(KafkaInfra.class)
class DeadLetterIT {

    @Test
    void garbageUnknownSchemaNanAndUnknownItemGoToTheDlqAndEveryGoodEventIsProcessed(KafkaInfra.Infra infra)
            throws Exception {
        HyperrecConfig config = ItSupport.config(infra, "dlq.", Map.of(HyperrecConfig.EMBEDDING_DIM, 8,
                HyperrecConfig.BATCH_MAX_EVENTS, 16));
        String bootstrap = infra.bootstrapServers();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicSetup.ensure(admin, "dlq.", 2, (short) 1);
        }
        var serdeConfig = config.serdeConfig();
        var catalogSer = AvroSerdes.forClass(CatalogItem.class, serdeConfig, false).serializer();
        var eventSer = AvroSerdes.forClass(InteractionEvent.class, serdeConfig, false).serializer();
        Properties pp = ItSupport.producerProps(bootstrap);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 24; i++) {
                CatalogItem item = Fixtures.axisItem(i);
                p.send(new ProducerRecord<>(config.topic(Topics.CATALOG), bytes(item.getItemId()),
                        catalogSer.serialize(config.topic(Topics.CATALOG), item)));
            }
            p.flush();
        }

        List<String> goodTriggering = new ArrayList<>();
        List<String> expectedReasons = new ArrayList<>();
        try (HyperrecRuntime runtime = HyperrecRuntime.create(config)) {
            KafkaStreams streams = HyperrecApp.start(runtime);
            try {
                ItSupport.awaitRunning(streams);
                String topic = config.topic(Topics.INTERACTIONS);
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
                    for (int i = 0; i < 40; i++) {
                        String user = "user" + (i % 5);
                        InteractionEvent good = Fixtures.event("good" + i, user, "i" + (i % 24), InteractionType.CLICK, 1, i);
                        p.send(new ProducerRecord<>(topic, bytes(user), eventSer.serialize(topic, good)));
                        goodTriggering.add("evt:good" + i);
                        switch (i % 4) {
                            case 0 -> {
                                p.send(new ProducerRecord<>(topic, bytes(user), ("garbage " + i).getBytes(StandardCharsets.UTF_8)));
                                expectedReasons.add(DeadLetter.BAD_MAGIC_BYTE.name());
                            }
                            case 1 -> {
                                byte[] unknownId = ByteBuffer.allocate(12).put((byte) 0).putInt(1_999_999_000 + i)
                                        .putInt(42).putShort((short) 7).array();
                                p.send(new ProducerRecord<>(topic, bytes(user), unknownId));
                                expectedReasons.add(DeadLetter.UNKNOWN_SCHEMA_ID.name());
                            }
                            case 2 -> {
                                InteractionEvent nan = Fixtures.event("nan" + i, user, "i1", InteractionType.RATING, Float.NaN, i);
                                p.send(new ProducerRecord<>(topic, bytes(user), eventSer.serialize(topic, nan)));
                                expectedReasons.add(DeadLetter.NON_FINITE_VALUE.name());
                            }
                            default -> {
                                InteractionEvent unknown = Fixtures.event("unk" + i, user, "no-such-item", InteractionType.CLICK, 1, i);
                                p.send(new ProducerRecord<>(topic, bytes(user), eventSer.serialize(topic, unknown)));
                                expectedReasons.add(DeadLetter.UNKNOWN_ITEM.name());
                            }
                        }
                    }
                    p.flush();
                }
                var recsDe = AvroSerdes.forClass(Recommendations.class, serdeConfig, false).deserializer();
                List<ConsumerRecord<String, Recommendations>> recs = ItSupport.readUntil(bootstrap,
                        config.topic(Topics.RECOMMENDATIONS), new StringDeserializer(), recsDe,
                        l -> l.size() >= goodTriggering.size(), Duration.ofSeconds(90));
                assertThat(recs).extracting(r -> r.value().getRecommendationId())
                        .containsExactlyInAnyOrderElementsOf(goodTriggering);

                List<ConsumerRecord<byte[], byte[]>> dead = ItSupport.readUntil(bootstrap,
                        config.topic(Topics.INTERACTIONS_DLQ), new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                        l -> l.size() >= expectedReasons.size(), Duration.ofSeconds(30));
                assertThat(dead).extracting(r -> new String(r.headers().lastHeader(DeadLetter.HEADER_REASON).value(),
                        StandardCharsets.UTF_8)).containsExactlyInAnyOrderElementsOf(expectedReasons);
                assertThat(dead).allSatisfy(r -> assertThat(r.headers().lastHeader(DeadLetter.HEADER_DETAIL)).isNotNull());
                assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
            } finally {
                HyperrecApp.stop(streams, Duration.ofSeconds(30));
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
