package dev.hyperrec.schemas;

/**
 * Configuration keys understood by {@link AvroSerdes}, the registry Serdes in
 * {@code dev.hyperrec.schemas.serde} and {@link dev.hyperrec.schemas.registry.HttpSchemaRegistryClient}.
 *
 * <p>The registry keys use Confluent's names, so one configuration map also configures Confluent's
 * {@code KafkaAvroSerializer}/{@code SpecificAvroSerde} when {@link #SERDE_CLASS} selects one. Values may be
 * strings (as from a properties file) or the typed value ({@code Boolean}, {@code Integer}, Kafka's
 * {@code Password}).
 */
public final class RegistrySerdeConfig {

  /**
   * Base URL of a Confluent-compatible registry REST API, e.g. {@code http://127.0.0.1:8081} or Apicurio's
   * {@code http://127.0.0.1:8080/apis/ccompat/v7}. Several URLs may be given comma-separated; the client fails
   * over to the next on a connection error. {@code mock://<scope>} selects the JVM-wide
   * {@link dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient#forScope(String) in-process registry} of
   * that scope (tests, demo).
   */
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

  /** {@code user:password} for HTTP basic authentication; never logged, redacted in {@code toString()}. */
  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";

  /**
   * Confluent's switch that makes its serializers use {@link #BASIC_AUTH_USER_INFO}; hyperrec's own client
   * always uses it when present. {@link AvroSerdes} sets it to {@code USER_INFO} when it delegates to another
   * Serde class and the map has user info but no source.
   */
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";

  /** Truststore file (JKS or PKCS12) for {@code https} registry URLs; absent = the JVM's default trust. */
  public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";

  /** Password of {@link #SSL_TRUSTSTORE_LOCATION}; never logged. */
  public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";

  /** {@code JKS} or {@code PKCS12}; absent = detected from the file. */
  public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";

  /** TCP connect timeout in milliseconds (default {@value #DEFAULT_CONNECT_TIMEOUT_MS}). */
  public static final String CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";

  /** Timeout of one registry HTTP request in milliseconds (default {@value #DEFAULT_REQUEST_TIMEOUT_MS}). */
  public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

  /**
   * Whether the serializer registers the record's schema under its subject (default {@code true}); when
   * {@code false} it only looks the schema up and fails if the subject lacks it.
   */
  public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";

  /**
   * For a deserializer built without a target class: {@code true} decodes into the generated class named by
   * the writer schema, {@code false} (default) into {@code GenericRecord}. A deserializer built for a class
   * always decodes into that class.
   */
  public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";

  /**
   * Largest serialized record (wire-format bytes) that the Serdes write or read (default 1 MiB); larger
   * payloads fail with {@code RecordDecodingException.Reason.OVERSIZE} on read.
   */
  public static final String MAX_PAYLOAD_BYTES = "hyperrec.max.payload.bytes";

  /**
   * Fully qualified class name of a {@code Serde} that {@link AvroSerdes#forClass} instantiates (public no-arg
   * constructor) and configures with the whole map instead of hyperrec's own, e.g.
   * {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde}.
   */
  public static final String SERDE_CLASS = "hyperrec.serde.class";

  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;
  public static final int DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

  /** URL scheme that selects an in-process registry. */
  public static final String MOCK_SCHEME = "mock://";

  private RegistrySerdeConfig() {
  }
}
