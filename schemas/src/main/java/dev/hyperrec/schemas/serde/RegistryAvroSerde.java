package dev.hyperrec.schemas.serde;

import dev.hyperrec.schemas.internal.RegistryClients;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A {@link Serde} of a generated Avro class over Confluent's wire format: {@link RegistryAvroSerializer} and
 * {@link RegistryAvroDeserializer} sharing one registry client (and its caches). Configure it with the keys of
 * {@link dev.hyperrec.schemas.RegistrySerdeConfig} before use, unless a client was passed in.
 *
 * <p>The no-arg constructor (for {@code default.value.serde} and the like) decodes into the generated class
 * the writer schema names; subclass with a fixed type for a by-name Serde of one class:
 * {@code class InteractionEventSerde extends RegistryAvroSerde<InteractionEvent> { … super(InteractionEvent.class) }}.
 *
 * @param <T> the generated record class
 */
public class RegistryAvroSerde<T extends SpecificRecord> implements Serde<T> {

  private final SchemaRegistryClient injectedClient;
  private final RegistryAvroSerializer<T> serializer;
  private final RegistryAvroDeserializer<T> deserializer;
  private SchemaRegistryClient ownedClient;

  /** Decodes into the generated class named by each writer schema. */
  public RegistryAvroSerde() {
    this.injectedClient = null;
    this.serializer = new RegistryAvroSerializer<>();
    this.deserializer = new RegistryAvroDeserializer<>(null, null, true);
  }

  public RegistryAvroSerde(Class<T> type) {
    Objects.requireNonNull(type, "type");
    this.injectedClient = null;
    this.serializer = new RegistryAvroSerializer<>();
    this.deserializer = new RegistryAvroDeserializer<>(type);
  }

  /** Uses {@code client} (not closed by {@link #close()}); configure is optional (defaults, value side). */
  public RegistryAvroSerde(Class<T> type, SchemaRegistryClient client) {
    Objects.requireNonNull(type, "type");
    this.injectedClient = Objects.requireNonNull(client, "client");
    this.serializer = new RegistryAvroSerializer<>(client);
    this.deserializer = new RegistryAvroDeserializer<>(type, client);
  }

  @Override
  public synchronized void configure(Map<String, ?> configs, boolean isKey) {
    SchemaRegistryClient client = injectedClient;
    if (client == null) {
      closeOwnedClient();
      RegistryClients.Resolved resolved = RegistryClients.fromConfig(configs);
      client = resolved.client();
      ownedClient = resolved.owned() ? client : null;
    }
    serializer.configure(configs, isKey, client);
    deserializer.configure(configs, isKey, client);
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }

  @Override
  public synchronized void close() {
    serializer.close();
    deserializer.close();
    closeOwnedClient();
  }

  private void closeOwnedClient() {
    if (ownedClient != null) {
      SchemaRegistryClient c = ownedClient;
      ownedClient = null;
      c.close();
    }
  }
}
