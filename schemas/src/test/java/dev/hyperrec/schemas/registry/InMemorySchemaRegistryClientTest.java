package dev.hyperrec.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryClientTest {

  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

  @Test
  void assignsIdsPerDistinctSchemaSharedAcrossSubjects() {
    int a = registry.register("interactions-value", InteractionEvent.getClassSchema());
    int b = registry.register("catalog-value", CatalogItem.getClassSchema());
    int c = registry.register("interactions-copy-value", InteractionEvent.getClassSchema());
    assertThat(a).isEqualTo(1);
    assertThat(b).isEqualTo(2);
    assertThat(c).isEqualTo(a);
    assertThat(registry.register("interactions-value", InteractionEvent.getClassSchema())).isEqualTo(a);
    assertThat(registry.versions("interactions-value")).hasSize(1);
    assertThat(registry.subjects()).containsExactly("interactions-value", "catalog-value", "interactions-copy-value");
    assertThat(registry.getById(b)).isEqualTo(CatalogItem.getClassSchema());
    assertThat(registry.getId("catalog-value", CatalogItem.getClassSchema())).isEqualTo(b);
  }

  @Test
  void unknownIdsAndSubjectsAreNotFound() {
    SchemaRegistryException id = catchThrowableOfType(SchemaRegistryException.class, () -> registry.getById(5));
    assertThat(id.isNotFound()).isTrue();
    assertThat(id.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
    SchemaRegistryException subject = catchThrowableOfType(SchemaRegistryException.class,
        () -> registry.getId("nope-value", CatalogItem.getClassSchema()));
    assertThat(subject.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
  }

  @Test
  void backwardRefusesANewRequiredFieldAndAcceptsAnOptionalOne() {
    Schema v1 = InteractionEvent.getClassSchema();
    registry.setCompatibility("i-value", "BACKWARD");
    registry.register("i-value", v1);

    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
        () -> registry.register("i-value", SchemaBuilderHelper.withRequiredField(v1, "region")));
    assertThat(e.isIncompatible()).isTrue();
    assertThat(e.getMessage()).contains("i-value").contains("BACKWARD").contains("region");

    int v2 = registry.register("i-value", SchemaBuilderHelper.withOptionalField(v1, "region"));
    assertThat(v2).isEqualTo(2);
    assertThat(registry.getCompatibility("i-value")).contains("BACKWARD");
    assertThat(registry.getCompatibility("other")).isEmpty();
  }

  @Test
  void forwardRefusesWhatOldReadersCannotRead() {
    Schema v1 = SchemaBuilderHelper.withRequiredField(CatalogItem.getClassSchema(), "region");
    registry.setCompatibility("c-value", "FORWARD");
    registry.register("c-value", v1);
    // dropping a field the old reader requires without default breaks old readers
    assertThatThrownBy(() -> registry.register("c-value", CatalogItem.getClassSchema()))
        .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("FORWARD");
  }

  @Test
  void transitiveChecksEveryVersionNotJustTheLatest() {
    Schema v1 = record("{\"name\":\"a\",\"type\":\"string\"}");
    Schema v2 = record("");
    Schema v3 = record("{\"name\":\"a\",\"type\":\"int\",\"default\":0}");
    for (String level : new String[] {"BACKWARD", "BACKWARD_TRANSITIVE"}) {
      String subject = "s-" + level;
      registry.setCompatibility(subject, level);
      registry.register(subject, v1);
      registry.register(subject, v2); // dropping a: v2 readers ignore it
    }
    // v3 reads v2 data (a takes its default) but not v1 data (a was a string)
    assertThat(registry.register("s-BACKWARD", v3)).isPositive();
    assertThatThrownBy(() -> registry.register("s-BACKWARD_TRANSITIVE", v3))
        .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("BACKWARD_TRANSITIVE");
  }

  private static Schema record(String field) {
    return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + field + "]}");
  }

  @Test
  void scopesAreSharedUntilDropped() {
    InMemorySchemaRegistryClient a = InMemorySchemaRegistryClient.forScope("scope-test");
    assertThat(InMemorySchemaRegistryClient.forScope("scope-test")).isSameAs(a);
    InMemorySchemaRegistryClient.dropScope("scope-test");
    assertThat(InMemorySchemaRegistryClient.forScope("scope-test")).isNotSameAs(a);
    InMemorySchemaRegistryClient.dropScope("scope-test");
  }

  @Test
  void levelsAreValidated() {
    assertThatThrownBy(() -> registry.setCompatibility("x", "MOSTLY"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MOSTLY").hasMessageContaining("FULL");
    assertThatThrownBy(() -> new InMemorySchemaRegistryClient(-1)).hasMessageContaining("-1");
  }
}
