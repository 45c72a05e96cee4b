package dev.hyperrec.connectors.transforms;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Single message transform that turns a {@code Recommendations} value (hyperrec's Avro schema, read by
 * an Avro converter, or the same structure as JSON with schemas) into one flat row per user that a
 * JDBC sink can upsert and an analyst can query:
 *
 * <pre>
 *   recommendation_id  text          request_id   text (null unless a request triggered the list)
 *   item_ids           text[]        scores       real[]       reasons  text[]     (rank order: element 1 = rank 1)
 *   generated_at       timestamp     source_event_time timestamp                  model_version text
 * </pre>
 *
 * <p>The user id is not repeated in the row: it is the record key (key = userId on the
 * {@code recommendations} topic), which the sink writes as the primary key. Why a transform at all:
 * JDBC sinks write flat structs; the list of {@code RecommendedItem} structs has no column type, and a
 * transform cannot split one record into one record per rank, so the ranked list becomes parallel
 * arrays (ordered by {@code rank}, whatever the order on the wire). connectors/sql/recommendations.sql
 * adds the view {@code recommendation_ranks} with one row per user and rank.
 *
 * <p>Tombstones (null value) pass through unchanged so that a sink with {@code delete.enabled=true}
 * deletes the user's row. Fields the transform does not know (added by a BACKWARD-compatible schema
 * change) are ignored; a value without the fields it needs fails with a {@link DataException} naming
 * the field, so the connector's error handling (fail, or a dead-letter queue) decides.
 */
public class RecommendationsToRow<R extends ConnectRecord<R>> implements Transformation<R> {
    /** Name of the row schema the transform emits. */
    public static final String ROW_SCHEMA_NAME = "dev.hyperrec.connect.RecommendationRow";

    /** The row's columns in table order (the primary key {@code user_id} comes from the record key). */
    public static final Schema ROW_SCHEMA = SchemaBuilder.struct().name(ROW_SCHEMA_NAME).version(1)
            .field("recommendation_id", Schema.STRING_SCHEMA)
            .field("request_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("item_ids", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("scores", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build())
            .field("reasons", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("generated_at", Timestamp.SCHEMA)
            .field("source_event_time", Timestamp.SCHEMA)
            .field("model_version", Schema.STRING_SCHEMA)
            .build();

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure: the row layout is the table's contract (connectors/sql/recommendations.sql)
    }

    @Override
    public R apply(R record) {
        if (record.value() == null) {
            return record;
        }
        if (!(record.value() instanceof Struct value)) {
            throw new DataException("RecommendationsToRow needs a structured value (an Avro converter, or JsonConverter"
                    + " with schemas.enable=true); got " + record.value().getClass().getName() + " on "
                    + record.topic() + "-" + record.kafkaPartition());
        }
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), ROW_SCHEMA,
                toRow(value), record.timestamp(), record.headers());
    }

    /** The row for one {@code Recommendations} struct. */
    public static Struct toRow(Struct value) {
        List<Struct> items = new ArrayList<>();
        for (Object o : required(value, "items", List.class)) {
            if (!(o instanceof Struct item)) {
                throw new DataException("Recommendations.items holds a " + (o == null ? "null" : o.getClass().getName())
                        + ", not a RecommendedItem struct");
            }
            items.add(item);
        }
        items.sort(Comparator.comparingInt(i -> ((Number) required(i, "rank", Number.class)).intValue()));
        List<String> ids = new ArrayList<>(items.size());
        List<Float> scores = new ArrayList<>(items.size());
        List<String> reasons = new ArrayList<>(items.size());
        for (Struct item : items) {
            ids.add(required(item, "itemId", String.class));
            scores.add(required(item, "score", Number.class).floatValue());
            // an Avro enum arrives as a String (Confluent/Apicurio AvroData) or as an enum-like object
            reasons.add(String.valueOf(required(item, "reason", Object.class)));
        }
        Struct row = new Struct(ROW_SCHEMA);
        row.put("recommendation_id", required(value, "recommendationId", String.class));
        row.put("request_id", optional(value, "requestId"));
        row.put("item_ids", ids);
        row.put("scores", scores);
        row.put("reasons", reasons);
        row.put("generated_at", timestamp(value, "generatedAt"));
        row.put("source_event_time", timestamp(value, "sourceEventTime"));
        row.put("model_version", required(value, "modelVersion", String.class));
        return row;
    }

    /** timestamp-millis arrives as Connect's Timestamp (a Date) from converters that map logical types, else as a long. */
    private static Date timestamp(Struct s, String name) {
        Object v = required(s, name, Object.class);
        if (v instanceof Date d) {
            return d;
        }
        if (v instanceof Number n) {
            return new Date(n.longValue());
        }
        throw new DataException("Recommendations." + name + " is a " + v.getClass().getName()
                + "; expected a timestamp (Date or epoch millis)");
    }

    private static <T> T required(Struct s, String name, Class<T> type) {
        Field f = s.schema().field(name);
        if (f == null) {
            throw new DataException(s.schema().name() + " has no field '" + name + "' (fields: "
                    + s.schema().fields().stream().map(Field::name).toList() + ")");
        }
        Object v = s.get(f);
        if (v == null) {
            throw new DataException(s.schema().name() + "." + name + " is null");
        }
        if (!type.isInstance(v)) {
            throw new DataException(s.schema().name() + "." + name + " is a " + v.getClass().getName() + ", expected "
                    + type.getSimpleName());
        }
        return type.cast(v);
    }

    private static String optional(Struct s, String name) {
        Field f = s.schema().field(name);
        Object v = f == null ? null : s.get(f);
        return v == null ? null : v.toString();
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public void close() {
    }
}
