package dev.hyperrec.schemas.serde;

import dev.hyperrec.schemas.RegistrySerdeConfig;
import dev.hyperrec.schemas.internal.BoundedBinaryDecoder;
import dev.hyperrec.schemas.internal.ConfigValues;
import dev.hyperrec.schemas.internal.RegistryClients;
import dev.hyperrec.schemas.internal.WireFormat;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import dev.hyperrec.schemas.registry.SchemaRegistryException;
import dev.hyperrec.schemas.serde.RecordDecodingException.Reason;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent's wire format (byte 0, 4-byte big-endian schema id, Avro binary). The writer schema is
 * fetched by id (cached) and resolved against the reader schema, so data written with an older or newer
 * compatible schema decodes into the current class: fields the reader lacks are skipped, fields the writer
 * lacks take the reader's defaults.
 *
 * <p>Reader schema: the target class's when one is given; otherwise, with {@code specific.avro.reader=true},
 * the generated class named by the writer schema, else the writer schema itself ({@code GenericRecord}).
 *
 * <p>A null payload decodes to null (a tombstone). Every failure is a {@link RecordDecodingException} whose
 * {@link RecordDecodingException#reason() reason} says what was wrong; payloads above
 * {@code hyperrec.max.payload.bytes} are refused before decoding, and lengths inside the payload are checked
 * against the bytes present, so hostile input cannot exhaust memory. Thread-safe once configured.
 *
 * @param <T> the decoded type
 */
public class RegistryAvroDeserializer<T> implements Deserializer<T> {

  private final Class<T> type;
  private final SchemaRegistryClient injectedClient;
  private volatile SchemaRegistryClient client;
  private volatile boolean ownsClient;
  private volatile boolean specificReader;
  private volatile int maxPayloadBytes = RegistrySerdeConfig.DEFAULT_MAX_PAYLOAD_BYTES;
  private final Map<Integer, DatumReader<T>> readersById = new ConcurrentHashMap<>();

  /** For instantiation by class name: the type follows {@code specific.avro.reader} and the writer schema. */
  public RegistryAvroDeserializer() {
    this(null, null, false);
  }

  /** Decodes into {@code type}, a generated {@link SpecificRecord} class; {@link #configure} gives the registry. */
  public RegistryAvroDeserializer(Class<T> type) {
    this(requireSpecific(type), null, false);
  }

  /** Decodes into {@code type} using {@code client} (not closed by {@link #close()}); configure is optional. */
  public RegistryAvroDeserializer(Class<T> type, SchemaRegistryClient client) {
    this(requireSpecific(type), Objects.requireNonNull(client, "client"), false);
  }

  /** Without a target class (see {@link RegistrySerdeConfig#SPECIFIC_AVRO_READER}), using {@code client}. */
  public RegistryAvroDeserializer(SchemaRegistryClient client) {
    this(null, Objects.requireNonNull(client, "client"), false);
  }

  RegistryAvroDeserializer(Class<T> type, SchemaRegistryClient client, boolean specificReader) {
    this.type = type;
    this.injectedClient = client;
    this.client = client;
    this.specificReader = specificReader;
  }

  private static <T> Class<T> requireSpecific(Class<T> type) {
    Objects.requireNonNull(type, "type");
    if (!SpecificRecord.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(type.getName() + " is not a generated Avro SpecificRecord class");
    }
    return type;
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
    this.specificReader = specificReader
        || ConfigValues.bool(configs, RegistrySerdeConfig.SPECIFIC_AVRO_READER, false);
    this.maxPayloadBytes = ConfigValues.positiveInt(configs, RegistrySerdeConfig.MAX_PAYLOAD_BYTES,
        RegistrySerdeConfig.DEFAULT_MAX_PAYLOAD_BYTES);
    closeOwnedClient();
    this.client = sharedClient;
    this.ownsClient = false;
    readersById.clear();
  }

  @Override
  public T deserialize(String topic, byte[] payload) {
    if (payload == null) {
      return null;
    }
    SchemaRegistryClient c = client;
    if (c == null) {
      throw new IllegalStateException("RegistryAvroDeserializer is not configured: call configure() with "
          + RegistrySerdeConfig.SCHEMA_REGISTRY_URL + " or construct it with a SchemaRegistryClient");
    }
    int length = payload.length;
    if (length == 0) {
      throw new RecordDecodingException(Reason.EMPTY, topic, RecordDecodingException.NO_SCHEMA_ID,
          "empty payload (a tombstone is a null value, not zero bytes)");
    }
    if (length > maxPayloadBytes) {
      throw new RecordDecodingException(Reason.OVERSIZE, topic, RecordDecodingException.NO_SCHEMA_ID,
          "payload of " + length + " bytes exceeds " + RegistrySerdeConfig.MAX_PAYLOAD_BYTES + "=" + maxPayloadBytes);
    }
    if (payload[0] != WireFormat.MAGIC_BYTE) {
      throw new RecordDecodingException(Reason.BAD_MAGIC_BYTE, topic, RecordDecodingException.NO_SCHEMA_ID,
          String.format("first byte is 0x%02x, expected 0x00 of Confluent's wire format (%d-byte payload)",
              payload[0] & 0xff, length));
    }
    if (length < WireFormat.HEADER_LENGTH) {
      throw new RecordDecodingException(Reason.TOO_SHORT, topic, RecordDecodingException.NO_SCHEMA_ID,
          "payload of " + length + " bytes is shorter than the " + WireFormat.HEADER_LENGTH + "-byte header");
    }
    int id = WireFormat.schemaId(payload);
    DatumReader<T> reader = readerFor(c, topic, id);
    BoundedBinaryDecoder decoder = new BoundedBinaryDecoder(payload, WireFormat.HEADER_LENGTH,
        length - WireFormat.HEADER_LENGTH, maxPayloadBytes);
    try {
      T value = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new RecordDecodingException(Reason.MALFORMED_AVRO, topic, id, decoder.remaining()
            + " trailing bytes after the record in a " + length + "-byte payload with writer schema id " + id);
      }
      return value;
    } catch (RecordDecodingException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new RecordDecodingException(Reason.MALFORMED_AVRO, topic, id, "cannot decode the "
          + (length - WireFormat.HEADER_LENGTH) + "-byte Avro body with writer schema id " + id + ": " + e, e);
    }
  }

  @Override
  public void close() {
    closeOwnedClient();
  }

  private void closeOwnedClient() {
    SchemaRegistryClient c = client;
    if (ownsClient && c != null) {
      ownsClient = false;
      c.close();
    }
  }

  private DatumReader<T> readerFor(SchemaRegistryClient c, String topic, int id) {
    DatumReader<T> cached = readersById.get(id);
    if (cached != null) {
      return cached;
    }
    Schema writer;
    try {
      writer = c.getById(id);
    } catch (SchemaRegistryException e) {
      Reason reason = e.isNotFound() ? Reason.UNKNOWN_SCHEMA_ID
          : e.httpStatus() / 100 == 2 ? Reason.MALFORMED_AVRO : Reason.REGISTRY_UNAVAILABLE;
      throw new RecordDecodingException(reason, topic, id, "writer schema id " + id + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new RecordDecodingException(Reason.REGISTRY_UNAVAILABLE, topic, id,
          "writer schema id " + id + ": " + e, e);
    }
    DatumReader<T> reader = newReader(topic, id, writer);
    DatumReader<T> previous = readersById.putIfAbsent(id, reader);
    return previous != null ? previous : reader;
  }

  @SuppressWarnings("unchecked")
  private DatumReader<T> newReader(String topic, int id, Schema writer) {
    Class<?> target = type;
    if (target == null && specificReader) {
      target = SpecificData.get().getClass(writer);
      if (target == null || !SpecificRecord.class.isAssignableFrom(target)) {
        throw new RecordDecodingException(Reason.MALFORMED_AVRO, topic, id, "no generated class for writer schema "
            + writer.getFullName() + " on the classpath (" + RegistrySerdeConfig.SPECIFIC_AVRO_READER + "=true)");
      }
    }
    if (target == null) {
      return (DatumReader<T>) new GenericDatumReader<Object>(writer, writer, GenericData.get());
    }
    SpecificData model = SpecificData.getForClass(target);
    Schema readerSchema = model.getSchema(target);
    // no up-front compatibility check: Avro's resolution fails only on the values that cannot be mapped (an
    // enum symbol the reader lacks), so a newer writer's other records still decode
    return (DatumReader<T>) new SpecificDatumReader<Object>(writer, readerSchema, model);
  }
}
