package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.schemas.registry.HttpSchemaRegistryClient;
import dev.hyperrec.schemas.registry.SchemaRegistryException;
import dev.hyperrec.schemas.registry.TopicNameStrategy;
import dev.hyperrec.schemas.serde.RegistryAvroSerializer;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.SchemaSetup;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A producer adds an optional field to InteractionEvent while the app runs: old and new producers
 * both work, the subject is BACKWARD, and an incompatible change is refused by the real registry.
 */
@ExtendWith(KafkaInfra.class)
class SchemaEvolutionIT {

    @Test
    void anOptionalFieldCanBeAddedWhileTheAppRunsAndAnIncompatibleChangeIsRefused(KafkaInfra.Infra infra)
            throws Exception {
        HyperrecConfig config = ItSupport.config(infra, "evolve.", Map.of(HyperrecConfig.EMBEDDING_DIM, 8,
                HyperrecConfig.BATCH_MAX_EVENTS, 8));
        String bootstrap = infra.bootstrapServers();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicSetup.ensure(admin, "evolve.", 2, (short) 1);
        }
        String topic = config.topic(Topics.INTERACTIONS);
        String subject = TopicNameStrategy.valueSubject(topic);
        try (HttpSchemaRegistryClient registry = HttpSchemaRegistryClient.fromConfig(config.serdeConfig())) {
            SchemaSetup.ensure(registry, config);
            assertThat(registry.getCompatibility(subject)).hasValueSatisfying(
                    level -> assertThat(level).isEqualToIgnoringCase("BACKWARD"));

            Properties pp = ItSupport.producerProps(bootstrap);
            var catalogSer = AvroSerdes.forClass(CatalogItem.class, config.serdeConfig(), false).serializer();
            var oldSer = AvroSerdes.forClass(InteractionEvent.class, config.serdeConfig(), false).serializer();
            RegistryAvroSerializer<GenericRecord> newSer = new RegistryAvroSerializer<>();
            newSer.configure(config.serdeConfig(), false);
            Schema v2 = withOptionalField(InteractionEvent.getClassSchema(), "experiment");

            List<String> expected = new ArrayList<>();
            try (HyperrecRuntime runtime = HyperrecRuntime.create(config);
                 KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 16; i++) {
                    CatalogItem item = Fixtures.axisItem(i);
                    p.send(new ProducerRecord<>(config.topic(Topics.CATALOG), bytes(item.getItemId()),
                            catalogSer.serialize(config.topic(Topics.CATALOG), item)));
                }
                p.flush();
                KafkaStreams streams = HyperrecApp.start(runtime);
                try {
                    ItSupport.awaitRunning(streams);
                    for (int i = 0; i < 40; i++) {
                        String user = "user" + (i % 4);
                        InteractionEvent e = Fixtures.event("e" + i, user, "i" + (i % 16), InteractionType.CLICK, 1, i);
                        byte[] value;
                        if (i < 20 || i % 2 == 0) {
                            value = oldSer.serialize(topic, e);
                        } else {
                            // the new producer, deployed while the app runs, writes v2 records
                            GenericRecord r = new GenericData.Record(v2);
                            for (Schema.Field f : InteractionEvent.getClassSchema().getFields()) {
                                r.put(f.name(), GenericData.get().deepCopy(f.schema(), toGeneric(e, f)));
                            }
                            r.put("context", null);
                            r.put("experiment", "B");
                            value = newSer.serialize(topic, r);
                        }
                        p.send(new ProducerRecord<>(topic, bytes(user), value));
                        expected.add("evt:e" + i);
                    }
                    p.flush();
                    var de = AvroSerdes.forClass(Recommendations.class, config.serdeConfig(), false).deserializer();
                    var lists = ItSupport.readUntil(bootstrap, config.topic(Topics.RECOMMENDATIONS), new StringDeserializer(),
                            de, l -> l.size() >= expected.size(), Duration.ofSeconds(90));
                    assertThat(lists).extracting(r -> r.value().getRecommendationId())
                            .containsExactlyInAnyOrderElementsOf(expected);
                } finally {
                    HyperrecApp.stop(streams, Duration.ofSeconds(30));
                }
            }
            assertThat(registry.getId(subject, v2)).as("v2 is registered as a new version")
                    .isNotEqualTo(registry.getId(subject, InteractionEvent.getClassSchema()));

            // an incompatible change: the rating value becomes a string
            Schema broken = changeFieldType(InteractionEvent.getClassSchema(), "value", Schema.create(Schema.Type.STRING));
            assertThatThrownBy(() -> registry.register(subject, broken))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, ex -> assertThat(ex.isIncompatible()).isTrue());
        }
    }

    private static Object toGeneric(InteractionEvent e, Schema.Field f) {
        Object v = e.get(f.pos());
        if (v instanceof java.time.Instant t) {
            return t.toEpochMilli();
        }
        if (v instanceof Enum<?> en) {
            return new GenericData.EnumSymbol(f.schema(), en.name());
        }
        return v;
    }

    static Schema withOptionalField(Schema base, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        Schema optional = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
        fields.add(new Schema.Field(name, optional, "An experiment arm (added in v2).", JsonProperties.NULL_VALUE));
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    static Schema changeFieldType(Schema base, String name, Schema type) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            fields.add(f.name().equals(name) ? new Schema.Field(f.name(), type, f.doc()) : new Schema.Field(f, f.schema()));
        }
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
