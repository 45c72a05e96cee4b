package dev.hyperrec.connectors.transforms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.connectors.RecommendationsJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.HoistField;
import org.junit.jupiter.api.Test;

/** The row transform on the structures the two converters produce (no broker, no Connect worker). */
class RecommendationsToRowTest {
    private static Recommendations sample(boolean shuffled) {
        List<RecommendedItem> items = List.of(
                new RecommendedItem("i-7", 0.9f, 1, Reason.PERSONAL, null),
                new RecommendedItem("i-3", 0.5f, 2, Reason.POPULAR, null),
                new RecommendedItem("i-9", 0.25f, 3, Reason.EXPLORE, null));
        return Recommendations.newBuilder().setUserId("u1").setRecommendationId("evt:e42").setRequestId(null)
                .setItems(shuffled ? List.of(items.get(2), items.get(0), items.get(1)) : items)
                .setGeneratedAt(Instant.ofEpochMilli(1_700_000_001_000L))
                .setSourceEventTime(Instant.ofEpochMilli(1_700_000_000_000L)).setModelVersion("m1").build();
    }

    /** What JsonConverter (schemas.enable=true) hands the transform for RecommendationsJson's bytes. */
    private static SinkRecord viaJson(Recommendations r) {
        byte[] bytes;
        try (RecommendationsJson ser = new RecommendationsJson()) {
            bytes = ser.serialize("recommendations-json", r);
        }
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"schema\"").contains("\"payload\"");
        JsonConverter conv = new JsonConverter();
        conv.configure(Map.of("schemas.enable", "true"), false);
        SchemaAndValue sv = conv.toConnectData("recommendations-json", bytes);
        return new SinkRecord("recommendations-json", 0, Schema.STRING_SCHEMA, r.getUserId(), sv.schema(), sv.value(), 17L);
    }

    @Test
    void flattensTheRankedListIntoParallelArraysInRankOrder() {
        SinkRecord out = new RecommendationsToRow<SinkRecord>().apply(viaJson(sample(true)));
        Struct row = (Struct) out.value();
        assertThat(out.valueSchema()).isEqualTo(RecommendationsToRow.ROW_SCHEMA);
        assertThat(row.getArray("item_ids")).containsExactly("i-7", "i-3", "i-9");
        assertThat(row.<Float>getArray("scores")).containsExactly(0.9f, 0.5f, 0.25f);
        assertThat(row.getArray("reasons")).containsExactly("PERSONAL", "POPULAR", "EXPLORE");
        assertThat(row.getString("recommendation_id")).isEqualTo("evt:e42");
        assertThat(row.getString("request_id")).isNull();
        assertThat(row.get("generated_at")).isEqualTo(new Date(1_700_000_001_000L));
        assertThat(row.get("source_event_time")).isEqualTo(new Date(1_700_000_000_000L));
        assertThat(row.getString("model_version")).isEqualTo("m1");
        assertThat(out.key()).isEqualTo("u1");
        assertThat(out.kafkaOffset()).isEqualTo(17L);
        row.validate();
    }

    @Test
    void acceptsEpochMillisAndIgnoresFieldsItDoesNotKnow() {
        // an Avro converter that does not map logical types hands over longs; a newer schema may add fields
        Schema item = SchemaBuilder.struct().name("RecommendedItem").field("itemId", Schema.STRING_SCHEMA)
                .field("score", Schema.FLOAT32_SCHEMA).field("rank", Schema.INT32_SCHEMA).field("reason", Schema.STRING_SCHEMA)
                .build();
        Schema value = SchemaBuilder.struct().name("Recommendations").field("userId", Schema.STRING_SCHEMA)
                .field("recommendationId", Schema.STRING_SCHEMA).field("requestId", Schema.OPTIONAL_STRING_SCHEMA)
                .field("items", SchemaBuilder.array(item).build()).field("generatedAt", Schema.INT64_SCHEMA)
                .field("sourceEventTime", Schema.INT64_SCHEMA).field("modelVersion", Schema.STRING_SCHEMA)
                .field("experiment", Schema.OPTIONAL_STRING_SCHEMA).build();
        Struct v = new Struct(value).put("userId", "u2").put("recommendationId", "req:r1").put("requestId", "r1")
                .put("items", List.of(new Struct(item).put("itemId", "a").put("score", 1f).put("rank", 1).put("reason", "SIMILAR")))
                .put("generatedAt", 5000L).put("sourceEventTime", 4000L).put("modelVersion", "m").put("experiment", "x");
        Struct row = RecommendationsToRow.toRow(v);
        assertThat(row.getString("request_id")).isEqualTo("r1");
        assertThat(row.get("generated_at")).isEqualTo(new Date(5000L));
        assertThat(row.getArray("reasons")).containsExactly("SIMILAR");
    }

    @Test
    void tombstonesPassThroughSoTheSinkCanDeleteTheRow() {
        SinkRecord tombstone = new SinkRecord("recommendations", 0, Schema.STRING_SCHEMA, "u1", null, null, 3L);
        assertThat(new RecommendationsToRow<SinkRecord>().apply(tombstone)).isSameAs(tombstone);
    }

    @Test
    void refusesSchemalessValuesAndMissingFieldsWithTheirNames() {
        SinkRecord schemaless = new SinkRecord("recommendations", 1, null, "u1", null, Map.of("userId", "u1"), 3L);
        assertThatThrownBy(() -> new RecommendationsToRow<SinkRecord>().apply(schemaless))
                .isInstanceOf(DataException.class).hasMessageContaining("schemas.enable=true");
        Schema noItems = SchemaBuilder.struct().name("Recommendations").field("recommendationId", Schema.STRING_SCHEMA).build();
        assertThatThrownBy(() -> RecommendationsToRow.toRow(new Struct(noItems).put("recommendationId", "x")))
                .isInstanceOf(DataException.class).hasMessageContaining("no field 'items'");
    }

    @Test
    void withTheKeyHoistedTheRecordIsWhatTheSinkConfigsHandDebezium() {
        // the sink configs chain transforms=row,key: the row, then HoistField$Key(field=user_id)
        SinkRecord row = new RecommendationsToRow<SinkRecord>().apply(viaJson(sample(false)));
        HoistField.Key<SinkRecord> hoist = new HoistField.Key<>();
        hoist.configure(Map.of("field", "user_id"));
        SinkRecord out = hoist.apply(row);
        assertThat(((Struct) out.key()).getString("user_id")).isEqualTo("u1");
        assertThat(out.keySchema().field("user_id").schema().type()).isEqualTo(Schema.Type.STRING);
    }
}
