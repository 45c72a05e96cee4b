package dev.hyperrec.schemas.serde;

import dev.hyperrec.schemas.RegistrySerdeConfig;
import dev.hyperrec.schemas.internal.ConfigValues;
import dev.hyperrec.schemas.internal.RegistryClients;
import dev.hyperrec.schemas.internal.WireFormat;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import dev.hyperrec.schemas.registry.SchemaRegistryException;
import dev.hyperrec.schemas.registry.TopicNameStrategy;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records in Confluent's wire format: byte 0, the 4-byte big-endian schema id, then the Avro
 * binary encoding. The schema is registered (or, with {@code auto.register.schemas=false}, looked up) under
 * the topic's {@link TopicNameStrategy} subject; ids are cached by the client, so steady-state serialization
 * makes no registry call. Generated ({@link SpecificRecord}) classes are written with their own data model, so
 * logical types ({@code timestamp-millis} as {@link java.time.Instant}) encode correctly; {@code GenericRecord}s
 * are written as they are. A null record serializes to null (a tombstone).
 *
 * <p>Configuration keys: see {@link RegistrySerdeConfig} ({@code schema.registry.url},
 * {@code basic.auth.user.info}, {@code auto.register.schemas}, {@code hyperrec.max.payload.bytes}, TLS and
 * timeouts). A client passed to the constructor is used instead of one built from the URL and is not closed.
 * Thread-safe once configured.
 *
 * @param <T> the record type; typically a generated class of {@code dev.hyperrec.avro}
 */
public class RegistryAvroSerializer<T extends IndexedRecord> implements Serializer<T> {

  private final SchemaRegistryClient injectedClient;
  private volatile SchemaRegistryClient client;
  private volatile boolean ownsClient;
  private volatile boolean isKey;
  private volatile boolean autoRegister = true;
  private volatile int maxPayloadBytes = RegistrySerdeConfig.DEFAULT_MAX_PAYLOAD_BYTES;
  private final Map<Class<?>, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();
  private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();

  /** For instantiation by class name; {@link #configure} must supply {@code schema.registry.url}. */
  public RegistryAvroSerializer() {
    this.injectedClient = null;
  }

  /** Uses {@code client} (not closed by {@link #close()}); usable without {@link #configure} as a value serializer. */
  public RegistryAvroSerializer(SchemaRegistryClient client) {
    this.injectedClient = Objects.requireNonNull(client, "client");
    this.client = client;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (injectedClient != null) {
      configure(configs, isKey, injectedClient);
      return;
    }
    RegistryClients.Resolved resolved = RegistryClients.fromConfig(configs);
    configure(configs, isKey, resolved.client());
    this.ownsClient = resolved.owned();
  }

  /** Configures with a client owned by the caller (a {@link RegistryAvroSerde} sharing one client). */
  void configure(Map<String, ?> configs, boolean isKey, SchemaRegistryClient sharedClient) {
    this.autoRegister = ConfigValues.bool(configs, RegistrySerdeConfig.AUTO_REGISTER_SCHEMAS, true);
    this.maxPayloadBytes = ConfigValues.positiveInt(configs, RegistrySerdeConfig.MAX_PAYLOAD_BYTES,
        RegistrySerdeConfig.DEFAULT_MAX_PAYLOAD_BYTES);
    this.isKey = isKey;
    closeOwnedClient();
    this.client = sharedClient;
    this.ownsClient = false;
  }

  @Override
  public byte[] serialize(String topic, T record) {
    if (record == null) {
      return null;
    }
    SchemaRegistryClient c = client;
    if (c == null) {
      throw new IllegalStateException("RegistryAvroSerializer is not configured: call configure() with "
          + RegistrySerdeConfig.SCHEMA_REGISTRY_URL + " or construct it with a SchemaRegistryClient");
    }
    Schema schema = record.getSchema();
    String subject = TopicNameStrategy.subject(topic, isKey);
    int id;
    try {
      id = autoRegister ? c.register(subject, schema) : c.getId(subject, schema);
    } catch (SchemaRegistryException e) {
      throw new SerializationException("Cannot " + (autoRegister ? "register" : "look up") + " schema "
          + schema.getFullName() + " under subject '" + subject + "'"
          + (autoRegister ? "" : " (" + RegistrySerdeConfig.AUTO_REGISTER_SCHEMAS + "=false)") + ": "
          + e.getMessage(), e);
    }
    byte[] bytes;
    try {
      Output out = new Output(256);
      byte[] header = new byte[WireFormat.HEADER_LENGTH];
      WireFormat.writeHeader(header, id);
      out.write(header);
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      writerFor(record).write(record, encoder);
      encoder.flush();
      bytes = out.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("Cannot serialize " + schema.getFullName() + " for topic '" + topic + "': "
          + e.getMessage(), e);
    }
    if (bytes.length > maxPayloadBytes) {
      throw new SerializationException("Serialized " + schema.getFullName() + " for topic '" + topic + "' is "
          + bytes.length + " bytes, over " + RegistrySerdeConfig.MAX_PAYLOAD_BYTES + "=" + maxPayloadBytes);
    }
    return bytes;
  }

  @Override
  public void close() {
    closeOwnedClient();
  }

  /**
   * A growable byte array without {@link java.io.ByteArrayOutputStream}'s locking: the direct encoder writes most values a
   * byte at a time, and a monitor per byte showed in the lists' profile. Confined to one serialize call.
   */
  private static final class Output extends OutputStream {
    private byte[] buf;
    private int n;

    Output(int capacity) {
      buf = new byte[capacity];
    }

    private void ensure(int more) {
      if (n + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(n + more, 2 * buf.length));
      }
    }

    @Override
    public void write(int b) {
      ensure(1);
      buf[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, n, len);
      n += len;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, n);
    }
  }

  private void closeOwnedClient() {
    SchemaRegistryClient c = client;
    if (ownsClient && c != null) {
      ownsClient = false;
      c.close();
    }
  }

  @SuppressWarnings("unchecked")
  private DatumWriter<Object> writerFor(IndexedRecord record) {
    if (record instanceof SpecificRecord) {
      return specificWriters.computeIfAbsent(record.getClass(), type -> {
        SpecificData model = SpecificData.getForClass(type);
        return (DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(record.getSchema(), model);
      });
    }
    return genericWriters.computeIfAbsent(record.getSchema(),
        s -> (DatumWriter<Object>) (DatumWriter<?>) new GenericDatumWriter<>(s, GenericData.get()));
  }
}
