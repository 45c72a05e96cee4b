package dev.hyperrec.schemas;

import dev.hyperrec.schemas.internal.ConfigValues;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import dev.hyperrec.schemas.serde.RegistryAvroSerde;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;

/**
 * The one place the application gets its Avro Serdes from. By default they are hyperrec's
 * {@link RegistryAvroSerde} (Confluent wire format, any Confluent-compatible registry); setting
 * {@value RegistrySerdeConfig#SERDE_CLASS} in the configuration swaps in another implementation, e.g.
 * Confluent's {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde}, loaded reflectively (no
 * compile-time dependency) and configured with the same map.
 */
public final class AvroSerdes {

  /** Same as {@link RegistrySerdeConfig#SERDE_CLASS}. */
  public static final String SERDE_CLASS_CONFIG = RegistrySerdeConfig.SERDE_CLASS;

  private AvroSerdes() {
  }

  /**
   * A configured Serde for {@code type}: an instance of the class named by {@value RegistrySerdeConfig#SERDE_CLASS}
   * when set (public no-arg constructor, configured with {@code config} and {@code isKey}), else a
   * {@link RegistryAvroSerde} configured from {@code config}.
   *
   * @throws ConfigException when the named class is missing, is not a {@link Serde} or cannot be instantiated,
   *                         or when the registry configuration is invalid
   */
  public static <T extends SpecificRecord> Serde<T> forClass(Class<T> type, Map<String, ?> config, boolean isKey) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(config, "config");
    String serdeClass = ConfigValues.string(config, RegistrySerdeConfig.SERDE_CLASS);
    if (serdeClass != null) {
      Serde<T> serde = instantiate(serdeClass);
      try {
        serde.configure(delegateConfig(config), isKey);
      } catch (RuntimeException e) {
        serde.close();
        throw e;
      }
      return serde;
    }
    RegistryAvroSerde<T> serde = new RegistryAvroSerde<>(type);
    serde.configure(config, isKey);
    return serde;
  }

  /**
   * A {@link RegistryAvroSerde} for {@code type} over the given client (e.g. an
   * {@link dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient} in TopologyTestDriver tests), configured
   * with {@code config} ({@code auto.register.schemas}, {@code hyperrec.max.payload.bytes}); the URL keys and
   * {@value RegistrySerdeConfig#SERDE_CLASS} are ignored. The client is not closed with the Serde.
   */
  public static <T extends SpecificRecord> Serde<T> forClass(Class<T> type, SchemaRegistryClient client,
      Map<String, ?> config, boolean isKey) {
    RegistryAvroSerde<T> serde = new RegistryAvroSerde<>(type, client);
    serde.configure(Objects.requireNonNull(config, "config"), isKey);
    return serde;
  }

  private static Map<String, Object> delegateConfig(Map<String, ?> config) {
    Map<String, Object> copy = new HashMap<>(config);
    // Confluent's clients ignore basic.auth.user.info unless the credentials source says USER_INFO
    if (copy.get(RegistrySerdeConfig.BASIC_AUTH_USER_INFO) != null
        && copy.get(RegistrySerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE) == null) {
      copy.put(RegistrySerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO");
    }
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static <T> Serde<T> instantiate(String className) {
    Class<?> cls = load(className);
    if (!Serde.class.isAssignableFrom(cls)) {
      throw new ConfigException(RegistrySerdeConfig.SERDE_CLASS, className,
          "not an implementation of " + Serde.class.getName());
    }
    try {
      return (Serde<T>) cls.getConstructor().newInstance();
    } catch (NoSuchMethodException e) {
      throw withCause(new ConfigException(RegistrySerdeConfig.SERDE_CLASS, className,
          "has no public no-arg constructor"), e);
    } catch (InvocationTargetException e) {
      throw withCause(new ConfigException(RegistrySerdeConfig.SERDE_CLASS, className,
          "constructor failed: " + e.getCause()), e.getCause());
    } catch (ReflectiveOperationException | LinkageError e) {
      throw withCause(new ConfigException(RegistrySerdeConfig.SERDE_CLASS, className,
          "cannot be instantiated: " + e), e);
    }
  }

  private static Class<?> load(String className) {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    ClassNotFoundException first = null;
    for (ClassLoader loader : new ClassLoader[] {context, AvroSerdes.class.getClassLoader()}) {
      if (loader == null) {
        continue;
      }
      try {
        return Class.forName(className, true, loader);
      } catch (ClassNotFoundException e) {
        first = first == null ? e : first;
      } catch (LinkageError e) {
        throw withCause(new ConfigException(RegistrySerdeConfig.SERDE_CLASS, className,
            "cannot be loaded: " + e), e);
      }
    }
    throw withCause(new ConfigException(RegistrySerdeConfig.SERDE_CLASS, className,
        "class not found on the classpath (is its jar, e.g. Confluent's kafka-streams-avro-serde, included?)"), first);
  }

  private static ConfigException withCause(ConfigException e, Throwable cause) {
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }
}
