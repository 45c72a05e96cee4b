package dev.hyperrec.schemas.internal;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Lenient typed reads from a Kafka-style configuration map; bad values fail with the key and value. */
public final class ConfigValues {

  private ConfigValues() {
  }

  /** The trimmed string value, or {@code null} when absent or blank. */
  public static String string(Map<String, ?> config, String key) {
    Object v = config.get(key);
    if (v == null) {
      return null;
    }
    String s = v instanceof Password p ? p.value() : v instanceof Class<?> c ? c.getName() : v.toString();
    s = s.trim();
    return s.isEmpty() ? null : s;
  }

  /** Like {@link #string} but for secrets: a failure message never contains the value. */
  public static String secret(Map<String, ?> config, String key) {
    Object v = config.get(key);
    if (v == null) {
      return null;
    }
    String s = v instanceof Password p ? p.value() : v.toString();
    return s.isEmpty() ? null : s;
  }

  public static boolean bool(Map<String, ?> config, String key, boolean defaultValue) {
    Object v = config.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = v.toString().trim();
    if (s.equalsIgnoreCase("true")) {
      return true;
    }
    if (s.equalsIgnoreCase("false")) {
      return false;
    }
    throw new ConfigException(key, v, "expected true or false");
  }

  /** A positive int; {@code defaultValue} when absent. */
  public static int positiveInt(Map<String, ?> config, String key, int defaultValue) {
    Object v = config.get(key);
    if (v == null) {
      return defaultValue;
    }
    long value;
    if (v instanceof Number n) {
      value = n.longValue();
    } else {
      try {
        value = Long.parseLong(v.toString().trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(key, v, "expected an integer");
      }
    }
    if (value < 1 || value > Integer.MAX_VALUE) {
      throw new ConfigException(key, v, "expected an integer in [1, " + Integer.MAX_VALUE + "]");
    }
    return (int) value;
  }
}
