package dev.hyperrec.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.RegistrySerdeConfig;
import dev.hyperrec.schemas.SampleRecords;
import dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoundTripTest {

  private static final String SCOPE = "round-trip-test";

  @AfterEach
  void dropScope() {
    InMemorySchemaRegistryClient.dropScope(SCOPE);
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void everyGeneratedRecordRoundTrips() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    for (SpecificRecord record : SampleRecords.all()) {
      Class type = record.getClass();
      try (RegistryAvroSerde serde = new RegistryAvroSerde(type, registry)) {
        byte[] bytes = serde.serializer().serialize("t", record);
        Object back = serde.deserializer().deserialize("t", bytes);
        assertThat(back).as(type.getSimpleName()).isEqualTo(record).isInstanceOf(type);
      }
    }
    assertThat(registry.subjects()).containsExactly("t-value");
    assertThat(registry.versions("t-value")).hasSize(SampleRecords.all().size() - 1); // two interactions, one schema
  }

  @Test
  void timestampsComeBackAsInstantsToTheMillisecond() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    RegistryAvroSerde<Recommendations> serde = new RegistryAvroSerde<>(Recommendations.class, registry);
    Recommendations r = SampleRecords.recommendations();
    Recommendations back = serde.deserializer().deserialize("recs", serde.serializer().serialize("recs", r));
    assertThat(back.getGeneratedAt()).isEqualTo(SampleRecords.T0.plusMillis(12));
    assertThat(back.getSourceEventTime()).isEqualTo(SampleRecords.T0);
  }

  @Test
  void separatelyConfiguredSerdesShareAMockScope() {
    Map<String, Object> config = Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE);
    RegistryAvroSerializer<CatalogItem> serializer = new RegistryAvroSerializer<>();
    serializer.configure(config, false);
    RegistryAvroDeserializer<CatalogItem> deserializer = new RegistryAvroDeserializer<>(CatalogItem.class);
    deserializer.configure(config, false);

    byte[] bytes = serializer.serialize("catalog", SampleRecords.catalogItem());

    assertThat(deserializer.deserialize("catalog", bytes)).isEqualTo(SampleRecords.catalogItem());
    assertThat(InMemorySchemaRegistryClient.forScope(SCOPE).subjects()).containsExactly("catalog-value");
    assertThat(deserializer.deserialize("catalog", null)).isNull();
    serializer.close();
    deserializer.close();
  }

  @Test
  void withoutATargetClassDecodesGenericOrSpecificAsConfigured() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    byte[] bytes = new RegistryAvroSerializer<InteractionEvent>(registry).serialize("i", SampleRecords.interaction());

    RegistryAvroDeserializer<Object> generic = new RegistryAvroDeserializer<>(registry);
    generic.configure(Map.of(), false);
    Object g = generic.deserialize("i", bytes);
    assertThat(g).isInstanceOf(GenericRecord.class).isNotInstanceOf(InteractionEvent.class);
    assertThat(((GenericRecord) g).get("userId").toString()).isEqualTo("user-7");

    RegistryAvroDeserializer<Object> specific = new RegistryAvroDeserializer<>(registry);
    specific.configure(Map.of(RegistrySerdeConfig.SPECIFIC_AVRO_READER, "true"), false);
    assertThat(specific.deserialize("i", bytes)).isEqualTo(SampleRecords.interaction());

    RegistryAvroSerde<InteractionEvent> byName = new RegistryAvroSerde<>();
    byName.configure(Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE), false);
    assertThat(byName.deserializer().deserialize("i", byName.serializer().serialize("i", SampleRecords.interaction())))
        .isEqualTo(SampleRecords.interaction());
  }

  @Test
  void genericRecordsSerializeToo() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    byte[] specificBytes = new RegistryAvroSerializer<InteractionEvent>(registry).serialize("i", SampleRecords.interaction());
    RegistryAvroDeserializer<GenericRecord> generic = new RegistryAvroDeserializer<>(registry);
    GenericRecord record = generic.deserialize("i", specificBytes);

    byte[] genericBytes = new RegistryAvroSerializer<GenericRecord>(registry).serialize("i", record);

    assertThat(genericBytes).isEqualTo(specificBytes);
  }

  @Test
  void withoutAutoRegisterTheSchemaMustExist() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    RegistryAvroSerializer<InteractionEvent> serializer = new RegistryAvroSerializer<>(registry);
    serializer.configure(Map.of(RegistrySerdeConfig.AUTO_REGISTER_SCHEMAS, false), false);

    assertThatThrownBy(() -> serializer.serialize("interactions", SampleRecords.interaction()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("look up schema dev.hyperrec.avro.InteractionEvent under subject 'interactions-value'")
        .hasMessageContaining("auto.register.schemas=false");

    int id = registry.register("interactions-value", InteractionEvent.getClassSchema());
    byte[] bytes = serializer.serialize("interactions", SampleRecords.interaction());
    assertThat(bytes[4]).isEqualTo((byte) id);
    assertThat(registry.versions("interactions-value")).hasSize(1);
  }

  @Test
  void serializerRefusesRecordsOverThePayloadCapAndInvalidRecords() {
    RegistryAvroSerializer<CatalogItem> serializer = new RegistryAvroSerializer<>(new InMemorySchemaRegistryClient());
    serializer.configure(Map.of(RegistrySerdeConfig.MAX_PAYLOAD_BYTES, 20), false);
    assertThatThrownBy(() -> serializer.serialize("catalog", SampleRecords.catalogItem()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("over hyperrec.max.payload.bytes=20");

    CatalogItem invalid = SampleRecords.catalogItem();
    invalid.setItemId(null);
    serializer.configure(Map.of(), false);
    assertThatThrownBy(() -> serializer.serialize("catalog", invalid))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("Cannot serialize dev.hyperrec.avro.CatalogItem for topic 'catalog'");
  }

  @Test
  void configurationErrorsNameTheKey() {
    assertThatThrownBy(() -> new RegistryAvroSerializer<CatalogItem>().configure(Map.of(), false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
    assertThatThrownBy(() -> new RegistryAvroSerializer<CatalogItem>().serialize("t", SampleRecords.catalogItem()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not configured");
    RegistryAvroDeserializer<CatalogItem> d = new RegistryAvroDeserializer<>(CatalogItem.class);
    assertThatThrownBy(() -> d.configure(Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "mock://x",
        RegistrySerdeConfig.MAX_PAYLOAD_BYTES, "lots"), false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("hyperrec.max.payload.bytes");
    assertThatThrownBy(() -> new RegistryAvroSerializer<CatalogItem>().configure(
        Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "ftp://registry"), false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("http");
  }
}
