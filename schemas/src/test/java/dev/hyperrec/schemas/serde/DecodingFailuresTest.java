package dev.hyperrec.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.schemas.RegistrySerdeConfig;
import dev.hyperrec.schemas.SampleRecords;
import dev.hyperrec.schemas.registry.HttpSchemaRegistryClient;
import dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import dev.hyperrec.schemas.registry.SchemaRegistryException;
import dev.hyperrec.schemas.serde.RecordDecodingException.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecodingFailuresTest {

  private static final String TOPIC = "interactions";

  private InMemorySchemaRegistryClient registry;
  private RegistryAvroDeserializer<InteractionEvent> deserializer;
  private byte[] valid;

  @BeforeEach
  void setUp() {
    registry = new InMemorySchemaRegistryClient();
    deserializer = new RegistryAvroDeserializer<>(InteractionEvent.class, registry);
    valid = new RegistryAvroSerializer<InteractionEvent>(registry).serialize(TOPIC, SampleRecords.interaction());
  }

  private RecordDecodingException failure(RegistryAvroDeserializer<?> d, byte[] payload) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> d.deserialize(TOPIC, payload));
    assertThat(t).isInstanceOf(RecordDecodingException.class).isInstanceOf(SerializationException.class);
    RecordDecodingException e = (RecordDecodingException) t;
    assertThat(e.topic()).isEqualTo(TOPIC);
    assertThat(e.getMessage()).startsWith("[" + e.reason() + "] topic '" + TOPIC + "': ");
    return e;
  }

  private RecordDecodingException failure(byte[] payload) {
    return failure(deserializer, payload);
  }

  private static byte[] header(int id, int... body) {
    byte[] b = new byte[5 + body.length];
    b[1] = (byte) (id >>> 24);
    b[2] = (byte) (id >>> 16);
    b[3] = (byte) (id >>> 8);
    b[4] = (byte) id;
    for (int i = 0; i < body.length; i++) {
      b[5 + i] = (byte) body[i];
    }
    return b;
  }

  @Test
  void nullIsATombstone() {
    assertThat(deserializer.deserialize(TOPIC, null)).isNull();
  }

  @Test
  void validPayloadDecodes() {
    assertThat(deserializer.deserialize(TOPIC, valid)).isEqualTo(SampleRecords.interaction());
  }

  @Test
  void empty() {
    assertThat(failure(new byte[0]).reason()).isEqualTo(Reason.EMPTY);
  }

  @Test
  void badMagicByte() {
    RecordDecodingException e = failure("{\"userId\":\"u\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(e.reason()).isEqualTo(Reason.BAD_MAGIC_BYTE);
    assertThat(e.getMessage()).contains("0x7b");
    assertThat(e.schemaId()).isEqualTo(RecordDecodingException.NO_SCHEMA_ID);

    byte[] wrongMagic = valid.clone();
    wrongMagic[0] = 1;
    assertThat(failure(wrongMagic).reason()).isEqualTo(Reason.BAD_MAGIC_BYTE);
  }

  @Test
  void tooShort() {
    assertThat(failure(new byte[] {0}).reason()).isEqualTo(Reason.TOO_SHORT);
    assertThat(failure(new byte[] {0, 0, 0, 1}).reason()).isEqualTo(Reason.TOO_SHORT);
  }

  @Test
  void unknownSchemaId() {
    RecordDecodingException e = failure(header(0x7f7f7f, 2, 'e'));
    assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA_ID);
    assertThat(e.schemaId()).isEqualTo(0x7f7f7f);
    assertThat(e.getMessage()).contains("8355711");
    assertThat(e.getCause()).isInstanceOf(SchemaRegistryException.class);
  }

  @Test
  void truncatedBodyIsMalformed() {
    RecordDecodingException e = failure(Arrays.copyOf(valid, valid.length - 3));
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_AVRO);
    assertThat(e.schemaId()).isEqualTo(1);
  }

  @Test
  void trailingBytesAreMalformed() {
    byte[] longer = Arrays.copyOf(valid, valid.length + 2);
    RecordDecodingException e = failure(longer);
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_AVRO);
    assertThat(e.getMessage()).contains("2 trailing bytes");
  }

  @Test
  void badEnumAndUnionIndexesAreMalformed() {
    // eventId "e", userId "u", itemId "i", then enum index 9 (zig-zag 18)
    assertThat(failure(header(1, 2, 'e', 2, 'u', 2, 'i', 18, 0, 0, 0x80, 0x3f, 2, 0, 0)).reason())
        .isEqualTo(Reason.MALFORMED_AVRO);
    // ... valid up to the context union, whose branch index is 5 (zig-zag 10)
    assertThat(failure(header(1, 2, 'e', 2, 'u', 2, 'i', 2, 0, 0, 0x80, 0x3f, 2, 10, 0)).reason())
        .isEqualTo(Reason.MALFORMED_AVRO);
  }

  @Test
  void hostileStringLengthFailsWithoutAllocating() {
    // eventId claims 2^30 bytes (zig-zag 2^31 = varint 80 80 80 80 08) in a 10-byte payload
    RecordDecodingException e = failure(header(1, 0x80, 0x80, 0x80, 0x80, 0x08));
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_AVRO);
    assertThat(e.getMessage()).contains("1073741824");
  }

  @Test
  void hostileArrayLengthFailsWithoutAllocating() {
    int id = registry.register("catalog-value", CatalogItem.getClassSchema());
    RegistryAvroDeserializer<CatalogItem> catalog = new RegistryAvroDeserializer<>(CatalogItem.class, registry);
    // itemId "a", then an embedding block of 2^30 floats
    RecordDecodingException e = failure(catalog, header(id, 2, 'a', 0x80, 0x80, 0x80, 0x80, 0x08));
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_AVRO);
    assertThat(e.getMessage()).contains("1073741824");
  }

  @Test
  void writerSchemaOfAnotherRecordIsMalformed() {
    int id = registry.register("catalog-value", CatalogItem.getClassSchema());
    byte[] catalogBytes = new RegistryAvroSerializer<CatalogItem>(registry).serialize("catalog", SampleRecords.catalogItem());
    assertThat(catalogBytes[4]).isEqualTo((byte) id);
    RecordDecodingException e = failure(catalogBytes);
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_AVRO);
    assertThat(e.getMessage()).contains("CatalogItem").contains("InteractionEvent");
  }

  @Test
  void oversize() {
    deserializer.configure(Map.of(RegistrySerdeConfig.MAX_PAYLOAD_BYTES, "16"), false);
    RecordDecodingException e = failure(new byte[17]);
    assertThat(e.reason()).isEqualTo(Reason.OVERSIZE);
    assertThat(e.getMessage()).contains("17 bytes").contains("hyperrec.max.payload.bytes=16");
  }

  @Test
  void registryUnavailableFromAFailingClient() {
    SchemaRegistryClient down = new SchemaRegistryClient() {
      @Override
      public int register(String subject, Schema schema) {
        throw new UnsupportedOperationException();
      }

      @Override
      public int getId(String subject, Schema schema) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Schema getById(int id) {
        throw new SchemaRegistryException(503, 50003, "Error while forwarding the request to the leader");
      }
    };
    RecordDecodingException e = failure(new RegistryAvroDeserializer<>(InteractionEvent.class, down), valid);
    assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE);
    assertThat(e.reason().retriable()).isTrue();
  }

  @Test
  void registryUnavailableWhenNothingListens() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.builder("http://127.0.0.1:" + port)
        .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(2)).build()) {
      RecordDecodingException e = failure(new RegistryAvroDeserializer<>(InteractionEvent.class, client), valid);
      assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE);
      assertThat(e.schemaId()).isEqualTo(1);
    }
  }

  @Test
  void onlyRegistryUnavailableIsRetriable() {
    for (Reason r : Reason.values()) {
      assertThat(r.retriable()).as(r.name()).isEqualTo(r == Reason.REGISTRY_UNAVAILABLE);
    }
  }

  @Test
  void aFailureDoesNotPoisonTheDeserializer() {
    failure(new byte[] {1, 2, 3});
    failure(header(999));
    assertThat(deserializer.deserialize(TOPIC, valid)).isEqualTo(SampleRecords.interaction());
  }
}
