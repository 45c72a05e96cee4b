package dev.hyperrec.schemas.registry;

import java.util.Objects;

/**
 * Confluent's default subject naming: the value schema of topic {@code t} lives under subject
 * {@code t-value}, the key schema under {@code t-key}.
 */
public final class TopicNameStrategy {

  private TopicNameStrategy() {
  }

  public static String subject(String topic, boolean isKey) {
    Objects.requireNonNull(topic, "topic");
    if (topic.isEmpty()) {
      throw new IllegalArgumentException("topic must not be empty");
    }
    return topic + (isKey ? "-key" : "-value");
  }

  public static String valueSubject(String topic) {
    return subject(topic, false);
  }

  public static String keySubject(String topic) {
    return subject(topic, true);
  }
}
