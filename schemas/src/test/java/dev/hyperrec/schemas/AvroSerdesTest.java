package dev.hyperrec.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient;
import dev.hyperrec.schemas.serde.RegistryAvroSerde;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AvroSerdesTest {

  /** Stands in for Confluent's SpecificAvroSerde: records how it was built and configured. */
  public static final class RecordingSerde<T> implements Serde<T> {
    public static int instances;
    public Map<String, Object> config;
    public Boolean isKey;
    public boolean closed;

    public RecordingSerde() {
      instances++;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
      this.config = new HashMap<>(configs);
      this.isKey = isKey;
    }

    @Override
    public void close() {
      closed = true;
    }

    @Override
    public Serializer<T> serializer() {
      return (topic, data) -> new byte[] {42};
    }

    @Override
    public Deserializer<T> deserializer() {
      return (topic, data) -> null;
    }
  }

  /** A Serde whose configure fails. */
  public static final class FailingSerde<T> implements Serde<T> {
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
      throw new ConfigException("failing on purpose");
    }

    @Override
    public Serializer<T> serializer() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Deserializer<T> deserializer() {
      throw new UnsupportedOperationException();
    }
  }

  @AfterEach
  void dropScope() {
    InMemorySchemaRegistryClient.dropScope("avro-serdes-test");
  }

  @Test
  void theNamedSerdeClassIsInstantiatedAndConfigured() {
    Map<String, Object> config = new HashMap<>();
    config.put(RegistrySerdeConfig.SERDE_CLASS, RecordingSerde.class.getName());
    config.put(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "http://registry:8081");
    config.put(RegistrySerdeConfig.BASIC_AUTH_USER_INFO, "u:p");
    int before = RecordingSerde.instances;

    Serde<InteractionEvent> serde = AvroSerdes.forClass(InteractionEvent.class, config, true);

    assertThat(serde).isInstanceOf(RecordingSerde.class);
    assertThat(RecordingSerde.instances).isEqualTo(before + 1);
    RecordingSerde<?> recording = (RecordingSerde<?>) serde;
    assertThat(recording.isKey).isTrue();
    assertThat(recording.config).containsAllEntriesOf(config)
        .containsEntry(RegistrySerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO");
    assertThat(serde.serializer().serialize("t", null)).containsExactly(42);
    assertThat(config).doesNotContainKey(RegistrySerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE);
  }

  @Test
  void anExplicitCredentialsSourceIsKeptAndAClassValueWorks() {
    Serde<InteractionEvent> serde = AvroSerdes.forClass(InteractionEvent.class, Map.of(
        RegistrySerdeConfig.SERDE_CLASS, RecordingSerde.class,
        RegistrySerdeConfig.BASIC_AUTH_USER_INFO, "u:p",
        RegistrySerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "URL"), false);
    assertThat(((RecordingSerde<?>) serde).config)
        .containsEntry(RegistrySerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "URL");
    assertThat(((RecordingSerde<?>) serde).isKey).isFalse();
  }

  @Test
  void badSerdeClassesFailWithTheKeyAndClassName() {
    assertThatThrownBy(() -> AvroSerdes.forClass(InteractionEvent.class,
        Map.of(RegistrySerdeConfig.SERDE_CLASS, "io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde"), false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("hyperrec.serde.class")
        .hasMessageContaining("io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde")
        .hasMessageContaining("not found");
    assertThatThrownBy(() -> AvroSerdes.forClass(InteractionEvent.class,
        Map.of(RegistrySerdeConfig.SERDE_CLASS, StringSerializer.class.getName()), false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not an implementation of");
    assertThatThrownBy(() -> AvroSerdes.forClass(InteractionEvent.class,
        Map.of(RegistrySerdeConfig.SERDE_CLASS, FailingSerde.class.getName()), false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("failing on purpose");
  }

  @Test
  void withoutASerdeClassItIsTheRegistrySerde() {
    Serde<InteractionEvent> serde = AvroSerdes.forClass(InteractionEvent.class,
        Map.of(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "mock://avro-serdes-test"), false);
    assertThat(serde).isInstanceOf(RegistryAvroSerde.class);
    byte[] bytes = serde.serializer().serialize("interactions", SampleRecords.interaction());
    assertThat(serde.deserializer().deserialize("interactions", bytes)).isEqualTo(SampleRecords.interaction());
    assertThat(InMemorySchemaRegistryClient.forScope("avro-serdes-test").subjects()).containsExactly("interactions-value");
    serde.close();
  }

  @Test
  void anInjectedClientIsUsedForKeysToo() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    Serde<InteractionEvent> serde = AvroSerdes.forClass(InteractionEvent.class, registry,
        Map.of(RegistrySerdeConfig.SERDE_CLASS, RecordingSerde.class.getName()), true);
    assertThat(serde).isInstanceOf(RegistryAvroSerde.class);
    byte[] bytes = serde.serializer().serialize("interactions", SampleRecords.interaction());
    assertThat(registry.subjects()).containsExactly("interactions-key");
    assertThat(serde.deserializer().deserialize("interactions", bytes)).isEqualTo(SampleRecords.interaction());
  }
}
