package dev.hyperrec.schemas.registry;

import java.util.Locale;

/** Subject compatibility levels of Confluent's REST API (Apicurio's ccompat maps them to its rules). */
public enum CompatibilityLevel {
  NONE,
  BACKWARD,
  BACKWARD_TRANSITIVE,
  FORWARD,
  FORWARD_TRANSITIVE,
  FULL,
  FULL_TRANSITIVE;

  /** Parses a level name, case-insensitively; fails with the accepted names. */
  public static CompatibilityLevel parse(String level) {
    if (level != null) {
      try {
        return valueOf(level.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException ignored) {
        // fall through to the message below
      }
    }
    throw new IllegalArgumentException(
        "Unknown compatibility level '" + level + "'; expected one of " + java.util.Arrays.toString(values()));
  }

  /** Whether new schemas are checked against every earlier version rather than the latest. */
  public boolean transitive() {
    return name().endsWith("_TRANSITIVE");
  }

  /** Whether a reader of the new schema must read data written with earlier schemas. */
  public boolean checksBackward() {
    return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
  }

  /** Whether readers of earlier schemas must read data written with the new schema. */
  public boolean checksForward() {
    return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
  }
}
