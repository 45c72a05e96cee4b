package dev.hyperrec.schemas.registry;

import java.io.Closeable;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * The part of Confluent's Schema Registry API that the Serdes need. Implementations are thread-safe and
 * cache: registering or looking up the same schema under the same subject, or fetching the same id, talks to
 * the registry once. Failures throw {@link SchemaRegistryException}.
 *
 * <p>Implementations: {@link HttpSchemaRegistryClient} (REST; Confluent Schema Registry, Apicurio ccompat)
 * and {@link InMemorySchemaRegistryClient} (in-process, for tests and the demo).
 */
public interface SchemaRegistryClient extends Closeable {

  /**
   * Registers {@code schema} under {@code subject} (a no-op returning the existing id when the subject has it)
   * and returns the schema's id.
   *
   * @throws SchemaRegistryException e.g. {@link SchemaRegistryException#isIncompatible()} when the subject's
   *                                 compatibility rule refuses it
   */
  int register(String subject, Schema schema);

  /**
   * Returns the id of {@code schema} under {@code subject} without registering it.
   *
   * @throws SchemaRegistryException {@link SchemaRegistryException#isNotFound()} when the subject lacks it
   */
  int getId(String subject, Schema schema);

  /**
   * Returns the schema with the given id.
   *
   * @throws SchemaRegistryException {@link SchemaRegistryException#isNotFound()} for an unknown id
   */
  Schema getById(int id);

  /** Sets the subject's compatibility level, e.g. {@code BACKWARD} (see {@link CompatibilityLevel}). */
  default void setCompatibility(String subject, String level) {
    throw new UnsupportedOperationException(getClass().getName() + " does not manage compatibility levels");
  }

  /** The subject's own compatibility level; empty when the subject has none (the global default applies). */
  default Optional<String> getCompatibility(String subject) {
    throw new UnsupportedOperationException(getClass().getName() + " does not manage compatibility levels");
  }

  /**
   * The client a Serde configuration names: {@code schema.registry.url} = {@code mock://<scope>} gives
   * the JVM-wide in-process registry of that scope (its close is the interface's no-op), an http(s) URL a
   * {@link HttpSchemaRegistryClient} with the configuration's auth and TLS settings.
   */
  static SchemaRegistryClient fromConfig(java.util.Map<String, ?> config) {
    return dev.hyperrec.schemas.internal.RegistryClients.fromConfig(config).client();
  }

  /** Releases connections; caches are dropped. Idempotent. */
  @Override
  default void close() {
  }
}
