package dev.hyperrec.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * An in-process schema registry: a legitimate {@link SchemaRegistryClient} that keeps subjects, versions and
 * ids in memory, for TopologyTestDriver tests, unit tests and the demo. It behaves like Confluent's registry
 * where the Serdes can tell: a distinct schema gets the next id (the same schema under several subjects
 * shares one id), re-registering returns the existing id, unknown ids and subjects fail with HTTP-like 404
 * {@link SchemaRegistryException}s (error codes 40401/40403), and per-subject compatibility levels are
 * enforced with Avro's {@link SchemaCompatibility} (409 when refused). The global default level is
 * {@link CompatibilityLevel#NONE}, as in Apicurio.
 *
 * <p>{@link #forScope(String)} returns a JVM-wide instance per scope name; the Serdes use it for
 * {@code schema.registry.url = mock://<scope>}, so serializers and deserializers configured separately from
 * string properties share one registry. Thread-safe.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

  private static final Map<String, InMemorySchemaRegistryClient> SCOPES = new ConcurrentHashMap<>();

  private final Map<Integer, Schema> schemasById = new HashMap<>();
  private final Map<Schema, Integer> idsBySchema = new HashMap<>();
  private final Map<String, List<Schema>> versionsBySubject = new LinkedHashMap<>();
  private final Map<String, CompatibilityLevel> levels = new HashMap<>();
  private int nextId;

  /** A registry whose first id is 1. */
  public InMemorySchemaRegistryClient() {
    this(1);
  }

  /** A registry whose first id is {@code firstId} (≥ 0), e.g. to test multi-byte ids on the wire. */
  public InMemorySchemaRegistryClient(int firstId) {
    if (firstId < 0) {
      throw new IllegalArgumentException("firstId must be >= 0, got " + firstId);
    }
    this.nextId = firstId;
  }

  /** The JVM-wide registry of {@code scope}, created on first use. */
  public static InMemorySchemaRegistryClient forScope(String scope) {
    Objects.requireNonNull(scope, "scope");
    return SCOPES.computeIfAbsent(scope, s -> new InMemorySchemaRegistryClient());
  }

  /** Forgets the registry of {@code scope} (a later {@link #forScope} starts empty). */
  public static void dropScope(String scope) {
    SCOPES.remove(scope);
  }

  @Override
  public synchronized int register(String subject, Schema schema) {
    checkSubject(subject);
    Objects.requireNonNull(schema, "schema");
    List<Schema> versions = versionsBySubject.getOrDefault(subject, List.of());
    if (versions.contains(schema)) {
      return idsBySchema.get(schema);
    }
    checkCompatible(subject, schema, versions);
    Integer id = idsBySchema.get(schema);
    if (id == null) {
      if (nextId == Integer.MAX_VALUE) {
        throw new SchemaRegistryException(500, 50001, "Schema id space exhausted");
      }
      id = nextId++;
      idsBySchema.put(schema, id);
      schemasById.put(id, schema);
    }
    versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>()).add(schema);
    return id;
  }

  @Override
  public synchronized int getId(String subject, Schema schema) {
    checkSubject(subject);
    Objects.requireNonNull(schema, "schema");
    List<Schema> versions = versionsBySubject.get(subject);
    if (versions == null) {
      throw new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_NOT_FOUND,
          "Subject '" + subject + "' not found");
    }
    if (!versions.contains(schema)) {
      throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND,
          "Schema " + schema.getFullName() + " not found under subject '" + subject + "'");
    }
    return idsBySchema.get(schema);
  }

  @Override
  public synchronized Schema getById(int id) {
    Schema schema = schemasById.get(id);
    if (schema == null) {
      throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND,
          "Schema id " + id + " not found");
    }
    return schema;
  }

  @Override
  public synchronized void setCompatibility(String subject, String level) {
    checkSubject(subject);
    levels.put(subject, CompatibilityLevel.parse(level));
  }

  @Override
  public synchronized Optional<String> getCompatibility(String subject) {
    checkSubject(subject);
    return Optional.ofNullable(levels.get(subject)).map(Enum::name);
  }

  /** Subjects in registration order. */
  public synchronized List<String> subjects() {
    return List.copyOf(versionsBySubject.keySet());
  }

  /** The subject's schemas, oldest first; empty for an unknown subject. */
  public synchronized List<Schema> versions(String subject) {
    return List.copyOf(versionsBySubject.getOrDefault(subject, List.of()));
  }

  @Override
  public String toString() {
    return "InMemorySchemaRegistryClient{subjects=" + subjects() + "}";
  }

  private void checkCompatible(String subject, Schema candidate, List<Schema> versions) {
    CompatibilityLevel level = levels.getOrDefault(subject, CompatibilityLevel.NONE);
    if (level == CompatibilityLevel.NONE || versions.isEmpty()) {
      return;
    }
    List<Schema> against = level.transitive() ? versions : List.of(versions.get(versions.size() - 1));
    for (Schema existing : against) {
      if (level.checksBackward()) {
        refuseIfIncompatible(subject, level, SchemaCompatibility.checkReaderWriterCompatibility(candidate, existing));
      }
      if (level.checksForward()) {
        refuseIfIncompatible(subject, level, SchemaCompatibility.checkReaderWriterCompatibility(existing, candidate));
      }
    }
  }

  private static void refuseIfIncompatible(String subject, CompatibilityLevel level, SchemaPairCompatibility r) {
    if (r.getType() != SchemaCompatibilityType.COMPATIBLE) {
      throw new SchemaRegistryException(409, SchemaRegistryException.INCOMPATIBLE_SCHEMA,
          "Schema being registered is incompatible with an earlier schema for subject '" + subject + "' ("
              + level + "): " + r.getResult().getIncompatibilities());
    }
  }

  private static void checkSubject(String subject) {
    Objects.requireNonNull(subject, "subject");
    if (subject.isEmpty()) {
      throw new IllegalArgumentException("subject must not be empty");
    }
  }
}
