package dev.hyperrec.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.schemas.SampleRecords;
import dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient;
import java.io.IOException;
import java.io.InputStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Writers with older and newer schemas than the generated class: resolution through the registry id. */
class SchemaEvolutionTest {

  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private final RegistryAvroSerializer<GenericRecord> writer = new RegistryAvroSerializer<>(registry);
  private final RegistryAvroDeserializer<InteractionEvent> reader =
      new RegistryAvroDeserializer<>(InteractionEvent.class, registry);

  static Schema load(String name) throws IOException {
    try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/evolution/" + name)) {
      return new Schema.Parser().parse(in);
    }
  }

  private static GenericRecord base(Schema schema, String type) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("eventId", "ev-old");
    r.put("userId", "user-1");
    if (schema.getField("itemId") != null) {
      r.put("itemId", "item-3");
    }
    r.put("type", new GenericData.EnumSymbol(schema.getField("type").schema(), type));
    r.put("value", 3.5f);
    r.put("timestamp", SampleRecords.T0.toEpochMilli());
    return r;
  }

  @Test
  void olderWriterDecodesIntoTheCurrentClassWithDefaults() throws IOException {
    Schema v0 = load("InteractionEvent-v0.avsc");
    GenericRecord old = base(v0, "RATING");
    old.put("legacyWeight", 0.25d);

    byte[] bytes = writer.serialize("interactions", old);
    InteractionEvent event = reader.deserialize("interactions", bytes);

    assertThat(event.getEventId()).isEqualTo("ev-old");
    assertThat(event.getItemId()).isEqualTo("item-3");
    assertThat(event.getType()).isEqualTo(InteractionType.RATING);
    assertThat(event.getValue()).isEqualTo(3.5f);
    assertThat(event.getTimestamp()).isEqualTo(SampleRecords.T0);
    assertThat(event.getContext()).isNull();
    assertThat(event.getRecommendationId()).isNull();
  }

  @Test
  void newerWriterDecodesIntoTheCurrentClassDroppingUnknownFields() throws IOException {
    Schema v2 = load("InteractionEvent-v2.avsc");
    GenericRecord newer = base(v2, "CLICK");
    newer.put("recommendationId", "rec-5");
    newer.put("campaign", "spring");

    InteractionEvent event = reader.deserialize("interactions", writer.serialize("interactions", newer));

    assertThat(event.getType()).isEqualTo(InteractionType.CLICK);
    assertThat(event.getRecommendationId()).isEqualTo("rec-5");
  }

  @Test
  void aSymbolTheReaderLacksIsMalformedNotACrash() throws IOException {
    Schema v2 = load("InteractionEvent-v2.avsc");
    byte[] bytes = writer.serialize("interactions", base(v2, "SHARE"));

    RecordDecodingException e = catchThrowableOfType(RecordDecodingException.class,
        () -> reader.deserialize("interactions", bytes));

    assertThat(e.reason()).isEqualTo(RecordDecodingException.Reason.MALFORMED_AVRO);
  }

  @Test
  void anIncompatibleWriterIsMalformedAndNamesTheMissingField() throws IOException {
    Schema noItem = load("InteractionEvent-noItem.avsc");
    byte[] bytes = writer.serialize("interactions", base(noItem, "VIEW"));

    RecordDecodingException e = catchThrowableOfType(RecordDecodingException.class,
        () -> reader.deserialize("interactions", bytes));

    assertThat(e.reason()).isEqualTo(RecordDecodingException.Reason.MALFORMED_AVRO);
    assertThat(e.getMessage()).contains("itemId");
  }

  @Test
  void eachWriterVersionHasItsOwnId() throws IOException {
    int old = registry.register("interactions-value", load("InteractionEvent-v0.avsc"));
    int current = registry.register("interactions-value", InteractionEvent.getClassSchema());
    int newer = registry.register("interactions-value", load("InteractionEvent-v2.avsc"));
    assertThat(new int[] {old, current, newer}).doesNotHaveDuplicates();
    assertThat(registry.versions("interactions-value")).hasSize(3);
  }
}
