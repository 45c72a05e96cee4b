package dev.hyperrec.schemas.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;

/** Derives evolved record schemas for compatibility tests. */
public final class SchemaBuilderHelper {

  private SchemaBuilderHelper() {
  }

  /** {@code schema} plus a required string field without default: not BACKWARD compatible. */
  public static Schema withRequiredField(Schema schema, String name) {
    return withField(schema, new Schema.Field(name, Schema.create(Schema.Type.STRING), "added, required", (Object) null));
  }

  /** {@code schema} plus an optional string field with default null: BACKWARD compatible. */
  public static Schema withOptionalField(Schema schema, String name) {
    Schema optional = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
    return withField(schema, new Schema.Field(name, optional, "added, optional", JsonProperties.NULL_VALUE));
  }

  private static Schema withField(Schema schema, Schema.Field added) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : schema.getFields()) {
      fields.add(new Schema.Field(f, f.schema()));
    }
    fields.add(added);
    return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }
}
