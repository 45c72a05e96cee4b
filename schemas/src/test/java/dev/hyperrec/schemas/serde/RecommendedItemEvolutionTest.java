package dev.hyperrec.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/** RecommendedItem.attention (issue 8) was added with a default: lists written before and after it stay readable both ways. */
class RecommendedItemEvolutionTest {

    /** The Recommendations schema as it was before the field: the current one without {@code attention}. */
    static Schema withoutAttention() {
        String json = Recommendations.getClassSchema().toString();
        Schema current = new Schema.Parser().parse(json);
        Schema item = current.getField("items").schema().getElementType();
        List<Schema.Field> fields = item.getFields().stream().filter(f -> !f.name().equals("attention"))
                .map(f -> new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal())).toList();
        Schema oldItem = Schema.createRecord(item.getName(), item.getDoc(), item.getNamespace(), false, fields);
        List<Schema.Field> top = current.getFields().stream()
                .map(f -> new Schema.Field(f.name(), f.name().equals("items") ? Schema.createArray(oldItem) : f.schema(), f.doc(),
                        f.defaultVal()))
                .toList();
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, top);
    }

    @Test
    void anOldWriterDecodesIntoTheCurrentClassWithoutExplanations() throws IOException {
        Schema old = withoutAttention();
        assertThat(old.getField("items").schema().getElementType().getField("attention")).isNull();
        GenericRecord item = new GenericData.Record(old.getField("items").schema().getElementType());
        item.put("itemId", "m1");
        item.put("score", 0.5f);
        item.put("rank", 1);
        item.put("reason", new GenericData.EnumSymbol(item.getSchema().getField("reason").schema(), "SIMILAR"));
        GenericRecord rec = new GenericData.Record(old);
        rec.put("userId", "u1");
        rec.put("recommendationId", "evt:1");
        rec.put("items", List.of(item));
        rec.put("generatedAt", 1000L);
        rec.put("sourceEventTime", 900L);
        rec.put("modelVersion", "v");
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        byte[] bytes = new RegistryAvroSerializer<GenericRecord>(registry).serialize("recommendations", rec);
        Recommendations r = new RegistryAvroDeserializer<>(Recommendations.class, registry).deserialize("recommendations", bytes);
        assertThat(r.getItems()).hasSize(1);
        assertThat(r.getItems().get(0).getReason()).isEqualTo(Reason.SIMILAR);
        assertThat(r.getItems().get(0).getAttention()).isNull();
    }

    @Test
    void anOldReaderSkipsTheExplanation() throws IOException {
        Recommendations r = Recommendations.newBuilder().setUserId("u1").setRecommendationId("evt:2")
                .setItems(List.of(RecommendedItem.newBuilder().setItemId("m2").setScore(1f).setRank(1).setReason(Reason.PERSONAL)
                        .setAttention(List.of(0.25f, 0.75f)).build()))
                .setGeneratedAt(Instant.ofEpochMilli(5)).setSourceEventTime(Instant.ofEpochMilli(4)).setModelVersion("v").build();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bos, null);
        new SpecificDatumWriter<>(Recommendations.class).write(r, enc);
        enc.flush();
        GenericRecord read = new GenericDatumReader<GenericRecord>(Recommendations.getClassSchema(), withoutAttention())
                .read(null, DecoderFactory.get().binaryDecoder(bos.toByteArray(), null));
        @SuppressWarnings("unchecked")
        List<GenericRecord> items = (List<GenericRecord>) read.get("items");
        assertThat(items.get(0).get("itemId").toString()).isEqualTo("m2");
        assertThat(items.get(0).get("rank")).isEqualTo(1);
        assertThat(items.get(0).hasField("attention")).isFalse();
    }
}
