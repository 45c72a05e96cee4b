package dev.hyperrec.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireFormatTest {

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  @Test
  void recommendedItemHasMagicByteBigEndianIdThenAvroBinary() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient(0x01020304);
    RegistryAvroSerializer<RecommendedItem> serializer = new RegistryAvroSerializer<>(registry);
    RecommendedItem item = RecommendedItem.newBuilder()
        .setItemId("i1").setScore(1.5f).setRank(1).setReason(Reason.SIMILAR).build();

    byte[] out = serializer.serialize("recommendations", item);

    assertThat(out).containsExactly(bytes(
        0x00, // magic byte
        0x01, 0x02, 0x03, 0x04, // schema id, big-endian
        0x04, 'i', '1', // string: zig-zag length 2, UTF-8
        0x00, 0x00, 0xC0, 0x3F, // float 1.5, little-endian IEEE 754
        0x02, // int 1, zig-zag
        0x06, // enum SIMILAR = index 3, zig-zag
        0x00)); // attention: null (union branch 0)
    assertThat(registry.subjects()).containsExactly("recommendations-value");
  }

  @Test
  void interactionEventEncodesLogicalTimestampUnionsAndNulls() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient(258); // 0x00000102
    RegistryAvroSerializer<InteractionEvent> serializer = new RegistryAvroSerializer<>(registry);
    InteractionEvent event = InteractionEvent.newBuilder()
        .setEventId("e").setUserId("u").setItemId("i").setType(InteractionType.CLICK).setValue(1f)
        .setTimestamp(Instant.ofEpochMilli(64)).setContext(null).setRecommendationId("r").build();

    byte[] out = serializer.serialize("interactions", event);

    assertThat(out).containsExactly(bytes(
        0x00, 0x00, 0x00, 0x01, 0x02,
        0x02, 'e', 0x02, 'u', 0x02, 'i',
        0x02, // CLICK = index 1
        0x00, 0x00, 0x80, 0x3F, // 1.0f
        0x80, 0x01, // timestamp 64 ms: zig-zag 128 as a two-byte varint
        0x00, // context: union branch 0 (null)
        0x02, 0x02, 'r')); // recommendationId: union branch 1 (string), then "r"
  }

  @Test
  void keySerializerUsesTheKeySubjectAndNullIsATombstone() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    RegistryAvroSerializer<RecommendedItem> serializer = new RegistryAvroSerializer<>(registry);
    serializer.configure(Map.of(), true);

    assertThat(serializer.serialize("t", null)).isNull();
    serializer.serialize("t", RecommendedItem.newBuilder()
        .setItemId("x").setScore(0f).setRank(1).setReason(Reason.POPULAR).build());

    assertThat(registry.subjects()).containsExactly("t-key");
  }

  @Test
  void theDeserializerReadsTheExactBytes() {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient(0x01020304);
    registry.register("recommendations-value", RecommendedItem.getClassSchema());
    RegistryAvroDeserializer<RecommendedItem> deserializer = new RegistryAvroDeserializer<>(RecommendedItem.class, registry);

    RecommendedItem item = deserializer.deserialize("recommendations",
        bytes(0, 1, 2, 3, 4, 0x04, 'i', '1', 0, 0, 0xC0, 0x3F, 0x02, 0x06, 0x00));

    assertThat(item).isEqualTo(RecommendedItem.newBuilder()
        .setItemId("i1").setScore(1.5f).setRank(1).setReason(Reason.SIMILAR).build());
  }
}
