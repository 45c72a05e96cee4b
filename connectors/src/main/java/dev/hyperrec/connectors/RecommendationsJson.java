package dev.hyperrec.connectors;

import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

/**
 * Writes {@code Recommendations} as Kafka Connect JSON with an embedded schema (the {@code {"schema":…,
 * "payload":…}} envelope of {@link JsonConverter} with {@code schemas.enable=true}), for deployments that
 * feed the JDBC sink without a schema registry (connectors/config/recommendations-jdbc-sink-json.properties).
 * The structure mirrors the Avro schema field for field, so the same row transform applies. Encoding
 * is Connect's own converter, so what this writes is exactly what the sink's converter reads.
 */
public final class RecommendationsJson implements Serializer<Recommendations> {
    public static final Schema ITEM_SCHEMA = SchemaBuilder.struct().name("dev.hyperrec.avro.RecommendedItem")
            .field("itemId", Schema.STRING_SCHEMA)
            .field("score", Schema.FLOAT32_SCHEMA)
            .field("rank", Schema.INT32_SCHEMA)
            .field("reason", Schema.STRING_SCHEMA)
            .build();
    public static final Schema SCHEMA = SchemaBuilder.struct().name("dev.hyperrec.avro.Recommendations")
            .field("userId", Schema.STRING_SCHEMA)
            .field("recommendationId", Schema.STRING_SCHEMA)
            .field("requestId", Schema.OPTIONAL_STRING_SCHEMA)
            .field("items", SchemaBuilder.array(ITEM_SCHEMA).build())
            .field("generatedAt", Timestamp.SCHEMA)
            .field("sourceEventTime", Timestamp.SCHEMA)
            .field("modelVersion", Schema.STRING_SCHEMA)
            .build();

    private final JsonConverter converter = new JsonConverter();

    public RecommendationsJson() {
        converter.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "true", "converter.type", "value"));
    }

    /** The Connect struct of one list. */
    public static Struct toStruct(Recommendations r) {
        List<Struct> items = new ArrayList<>(r.getItems().size());
        for (RecommendedItem i : r.getItems()) {
            items.add(new Struct(ITEM_SCHEMA).put("itemId", i.getItemId()).put("score", i.getScore())
                    .put("rank", i.getRank()).put("reason", i.getReason().name()));
        }
        return new Struct(SCHEMA)
                .put("userId", r.getUserId())
                .put("recommendationId", r.getRecommendationId())
                .put("requestId", r.getRequestId())
                .put("items", items)
                .put("generatedAt", Date.from(r.getGeneratedAt()))
                .put("sourceEventTime", Date.from(r.getSourceEventTime()))
                .put("modelVersion", r.getModelVersion());
    }

    @Override
    public byte[] serialize(String topic, Recommendations data) {
        return data == null ? null : converter.fromConnectData(topic, SCHEMA, toStruct(data));
    }

    @Override
    public void close() {
        converter.close();
    }
}
