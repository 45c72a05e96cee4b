package dev.hyperrec.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.EventContext;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.RecommendationRequest;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.SocialSetting;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The schema contract the topology codes against: names, docs, nullability, logical types. */
class SchemaDocsTest {

  private static final List<Schema> ROOTS = List.of(InteractionEvent.getClassSchema(), CatalogItem.getClassSchema(),
      RecommendationRequest.getClassSchema(), Recommendations.getClassSchema());

  @Test
  void everyNamedTypeAndFieldHasADocAndTheNamespace() {
    Set<String> seen = new HashSet<>();
    Deque<Schema> todo = new ArrayDeque<>(ROOTS);
    while (!todo.isEmpty()) {
      Schema s = todo.pop();
      switch (s.getType()) {
        case RECORD -> {
          if (!seen.add(s.getFullName())) {
            continue;
          }
          assertThat(s.getNamespace()).isEqualTo("dev.hyperrec.avro");
          assertThat(s.getDoc()).as(s.getFullName()).isNotBlank();
          for (Schema.Field f : s.getFields()) {
            assertThat(f.doc()).as(s.getName() + "." + f.name()).isNotBlank();
            todo.push(f.schema());
          }
        }
        case ENUM -> {
          seen.add(s.getFullName());
          assertThat(s.getNamespace()).isEqualTo("dev.hyperrec.avro");
          assertThat(s.getDoc()).as(s.getFullName()).isNotBlank();
        }
        case UNION -> todo.addAll(s.getTypes());
        case ARRAY -> todo.push(s.getElementType());
        default -> {
        }
      }
    }
    assertThat(seen).containsExactlyInAnyOrder(
        "dev.hyperrec.avro.InteractionEvent", "dev.hyperrec.avro.CatalogItem", "dev.hyperrec.avro.RecommendationRequest",
        "dev.hyperrec.avro.Recommendations", "dev.hyperrec.avro.RecommendedItem", "dev.hyperrec.avro.EventContext",
        "dev.hyperrec.avro.InteractionType", "dev.hyperrec.avro.SocialSetting", "dev.hyperrec.avro.Reason");
  }

  @Test
  void enumSymbols() {
    assertThat(InteractionType.values()).extracting(Enum::name)
        .containsExactly("VIEW", "CLICK", "RATING", "PURCHASE", "SKIP");
    assertThat(SocialSetting.values()).extracting(Enum::name).containsExactly("SOLO", "GROUP");
    assertThat(Reason.values()).extracting(Enum::name).containsExactly("PERSONAL", "POPULAR", "EXPLORE", "SIMILAR");
  }

  @Test
  void fieldNamesInOrder() {
    assertThat(names(EventContext.getClassSchema())).containsExactly("device", "sessionId", "social");
    assertThat(names(InteractionEvent.getClassSchema())).containsExactly(
        "eventId", "userId", "itemId", "type", "value", "timestamp", "context", "recommendationId");
    assertThat(names(CatalogItem.getClassSchema())).containsExactly(
        "itemId", "embedding", "dimension", "categories", "publishedAt", "active");
    assertThat(names(RecommendationRequest.getClassSchema())).containsExactly(
        "requestId", "userId", "queryEmbedding", "context", "k", "requestedAt");
    assertThat(names(RecommendedItem.getClassSchema())).containsExactly("itemId", "score", "rank", "reason", "attention");
    assertThat(names(Recommendations.getClassSchema())).containsExactly(
        "userId", "recommendationId", "requestId", "items", "generatedAt", "sourceEventTime", "modelVersion");
  }

  @Test
  void optionalFieldsAreNullFirstUnionsDefaultingToNull() {
    List<Schema.Field> optional = List.of(
        EventContext.getClassSchema().getField("device"), EventContext.getClassSchema().getField("sessionId"),
        EventContext.getClassSchema().getField("social"), InteractionEvent.getClassSchema().getField("context"),
        InteractionEvent.getClassSchema().getField("recommendationId"),
        RecommendationRequest.getClassSchema().getField("queryEmbedding"),
        RecommendationRequest.getClassSchema().getField("context"),
        Recommendations.getClassSchema().getField("requestId"));
    for (Schema.Field f : optional) {
      assertThat(f.schema().getType()).as(f.name()).isEqualTo(Schema.Type.UNION);
      assertThat(f.schema().getTypes().get(0).getType()).as(f.name()).isEqualTo(Schema.Type.NULL);
      assertThat(f.defaultVal()).as(f.name()).isEqualTo(JsonProperties.NULL_VALUE);
    }
  }

  @Test
  void timestampsAreTimestampMillisInstants() throws NoSuchMethodException {
    String[][] fields = {
        {"InteractionEvent", "timestamp"}, {"CatalogItem", "publishedAt"}, {"RecommendationRequest", "requestedAt"},
        {"Recommendations", "generatedAt"}, {"Recommendations", "sourceEventTime"}};
    for (String[] f : fields) {
      Schema record = ROOTS.stream().filter(s -> s.getName().equals(f[0])).findFirst().orElseThrow();
      Schema type = record.getField(f[1]).schema();
      assertThat(type.getType()).isEqualTo(Schema.Type.LONG);
      assertThat(type.getLogicalType().getName()).isEqualTo("timestamp-millis");
    }
    assertThat(InteractionEvent.class.getMethod("getTimestamp").getReturnType()).isEqualTo(Instant.class);
    assertThat(Recommendations.class.getMethod("getSourceEventTime").getReturnType()).isEqualTo(Instant.class);
    assertThat(InteractionEvent.class.getMethod("getUserId").getReturnType()).isEqualTo(String.class);
  }

  private static List<String> names(Schema s) {
    return s.getFields().stream().map(Schema.Field::name).toList();
  }
}
