package dev.hyperrec.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.RecommendationRequest;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.schemas.RegistrySerdeConfig;
import dev.hyperrec.schemas.SampleRecords;
import dev.hyperrec.schemas.serde.RecordDecodingException;
import dev.hyperrec.schemas.serde.RegistryAvroDeserializer;
import dev.hyperrec.schemas.serde.RegistryAvroSerializer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Against a real registry: Apicurio 2.6 (ccompat API) started for the run, or {@code -Dhyperrec.registry.url}. */
@ExtendWith(ApicurioRegistryExtension.class)
class ApicurioRegistryIT {

  private RegistryEndpoint registry;
  private String prefix;

  @BeforeEach
  void setUp(RegistryEndpoint registry) {
    this.registry = registry;
    this.prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  }

  private HttpSchemaRegistryClient client() {
    return HttpSchemaRegistryClient.builder(registry.url()).build();
  }

  private Map<String, Object> config() {
    return Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
  }

  private static long fingerprint(Schema s) {
    return SchemaNormalization.parsingFingerprint64(s);
  }

  @Test
  void registersUnderTopicNameStrategySubjectsAndLooksUpById() {
    String topic = prefix + "interactions";
    Schema key = Schema.create(Schema.Type.STRING);
    int valueId;
    int keyId;
    try (HttpSchemaRegistryClient writer = client()) {
      valueId = writer.register(TopicNameStrategy.valueSubject(topic), InteractionEvent.getClassSchema());
      keyId = writer.register(TopicNameStrategy.keySubject(topic), key);
      assertThat(valueId).isNotEqualTo(keyId);
    }
    try (HttpSchemaRegistryClient reader = client()) {
      Schema fetched = reader.getById(valueId);
      assertThat(fingerprint(fetched)).isEqualTo(fingerprint(InteractionEvent.getClassSchema()));
      assertThat(fetched.getField("timestamp").schema().getLogicalType().getName()).isEqualTo("timestamp-millis");
      assertThat(reader.getById(keyId).getType()).isEqualTo(Schema.Type.STRING);
      // registering again (new client, so no cache) and looking up give the same id
      assertThat(reader.register(TopicNameStrategy.valueSubject(topic), InteractionEvent.getClassSchema()))
          .isEqualTo(valueId);
      assertThat(reader.getId(TopicNameStrategy.keySubject(topic), key)).isEqualTo(keyId);
    }
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void serializerAndDeserializerRoundTripEveryRecord() {
    List<SpecificRecord> records = List.of(SampleRecords.interaction(), SampleRecords.minimalInteraction(),
        SampleRecords.catalogItem(), SampleRecords.request(), SampleRecords.recommendations());
    for (SpecificRecord record : records) {
      String topic = prefix + record.getSchema().getName();
      Class type = record.getClass();
      Serde writerSide = AvroSerdes.forClass(type, config(), false);
      Serde readerSide = AvroSerdes.forClass(type, config(), false);
      try (writerSide; readerSide) {
        byte[] bytes = writerSide.serializer().serialize(topic, record);
        assertThat(bytes[0]).isZero();
        Object back = readerSide.deserializer().deserialize(topic, bytes);
        assertThat(back).as(type.getSimpleName()).isEqualTo(record);
      }
    }
  }

  @Test
  void idsAreCachedSoTheSecondCallHitsNoNetwork() {
    String topic = prefix + "catalog";
    CountingHttpClient writerHttp = new CountingHttpClient();
    CountingHttpClient readerHttp = new CountingHttpClient();
    try (HttpSchemaRegistryClient writerClient = HttpSchemaRegistryClient.builder(registry.url())
        .httpClient(writerHttp).build();
        HttpSchemaRegistryClient readerClient = HttpSchemaRegistryClient.builder(registry.url())
            .httpClient(readerHttp).build()) {
      RegistryAvroSerializer<CatalogItem> serializer = new RegistryAvroSerializer<>(writerClient);
      RegistryAvroDeserializer<CatalogItem> deserializer =
          new RegistryAvroDeserializer<>(CatalogItem.class, readerClient);

      byte[] first = serializer.serialize(topic, SampleRecords.catalogItem());
      assertThat(writerHttp.requests()).containsExactly("POST " + path("/subjects/" + topic + "-value/versions"));
      byte[] second = serializer.serialize(topic, SampleRecords.catalogItem());
      assertThat(second).isEqualTo(first);
      assertThat(writerHttp.count()).isEqualTo(1);

      assertThat(deserializer.deserialize(topic, first)).isEqualTo(SampleRecords.catalogItem());
      int id = ((first[1] & 0xff) << 24) | ((first[2] & 0xff) << 16) | ((first[3] & 0xff) << 8) | (first[4] & 0xff);
      assertThat(readerHttp.requests()).containsExactly("GET " + path("/schemas/ids/" + id));
      for (int i = 0; i < 5; i++) {
        deserializer.deserialize(topic, second);
      }
      assertThat(readerHttp.count()).isEqualTo(1);
      // the client caches across serde instances too
      assertThat(readerClient.getById(id)).isNotNull();
      assertThat(readerHttp.count()).isEqualTo(1);
    }
  }

  private String path(String suffix) {
    return java.net.URI.create(registry.url()).getRawPath() + suffix;
  }

  @Test
  void anUnknownIdIsUnknownSchemaId() {
    RegistryAvroDeserializer<InteractionEvent> deserializer = new RegistryAvroDeserializer<>(InteractionEvent.class);
    deserializer.configure(config(), false);
    byte[] payload = {0, 0x77, 0x35, (byte) 0x94, 0x00, 2, 'e'}; // id 2_000_000_000
    RecordDecodingException e = catchThrowableOfType(RecordDecodingException.class,
        () -> deserializer.deserialize(prefix + "interactions", payload));
    assertThat(e.reason()).isEqualTo(RecordDecodingException.Reason.UNKNOWN_SCHEMA_ID);
    assertThat(e.schemaId()).isEqualTo(2_000_000_000);
    assertThat(e.getMessage()).contains("2000000000").contains("HTTP 404");
    deserializer.close();

    try (HttpSchemaRegistryClient client = client()) {
      SchemaRegistryException notFound = catchThrowableOfType(SchemaRegistryException.class,
          () -> client.getById(2_000_000_000));
      assertThat(notFound.isNotFound()).isTrue();
      assertThat(notFound.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
    }
  }

  @Test
  void backwardCompatibilityRefusesAnIncompatibleSchemaWithAClearError() {
    String subject = TopicNameStrategy.valueSubject(prefix + "requests");
    Schema v1 = RecommendationRequest.getClassSchema();
    try (HttpSchemaRegistryClient client = client()) {
      int v1Id = client.register(subject, v1);
      client.setCompatibility(subject, "BACKWARD");
      assertThat(client.getCompatibility(subject)).contains("BACKWARD");

      Schema incompatible = SchemaBuilderHelper.withRequiredField(v1, "tenant");
      SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
          () -> client.register(subject, incompatible));
      assertThat(e.isIncompatible()).as(e.getMessage()).isTrue();
      assertThat(e.httpStatus()).isEqualTo(409);
      assertThat(e.getMessage()).contains("HTTP 409").contains(subject).contains("register schema");

      int v2Id = client.register(subject, SchemaBuilderHelper.withOptionalField(v1, "tenant"));
      assertThat(v2Id).isNotEqualTo(v1Id);
    }

    // the serializer surfaces the refusal as a SerializationException naming the subject
    RegistryAvroSerializer<org.apache.avro.generic.GenericRecord> serializer = new RegistryAvroSerializer<>();
    serializer.configure(config(), false);
    org.apache.avro.generic.GenericRecord bad = new org.apache.avro.generic.GenericData.Record(
        SchemaBuilderHelper.withRequiredField(v1, "region"));
    assertThatThrownBy(() -> serializer.serialize(prefix + "requests", bad))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("under subject '" + subject + "'")
        .hasMessageContaining("HTTP 409");
    serializer.close();
  }

  @Test
  void withoutAutoRegisterAnUnregisteredSubjectFailsThenALookupSucceeds() {
    String topic = prefix + "recommendations";
    RegistryAvroSerializer<Recommendations> serializer = new RegistryAvroSerializer<>();
    serializer.configure(Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, registry.url(),
        RegistrySerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);
    assertThatThrownBy(() -> serializer.serialize(topic, SampleRecords.recommendations()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("look up schema dev.hyperrec.avro.Recommendations under subject '" + topic + "-value'");

    int id;
    try (HttpSchemaRegistryClient client = client()) {
      id = client.register(topic + "-value", Recommendations.getClassSchema());
    }
    byte[] bytes = serializer.serialize(topic, SampleRecords.recommendations());
    assertThat(bytes[4]).isEqualTo((byte) id);
    serializer.close();
  }
}
