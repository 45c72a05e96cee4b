package dev.hyperrec.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record could not be decoded. {@link #reason()} classifies the failure so that a deserialization
 * exception handler can route the record to a dead-letter topic with the reason in a header, or, for
 * {@link Reason#REGISTRY_UNAVAILABLE} (the only {@linkplain Reason#retriable() retriable} reason), stop and
 * retry instead of losing a good record. Messages name the topic, sizes and schema ids, never payload bytes.
 */
public class RecordDecodingException extends SerializationException {

  private static final long serialVersionUID = 1L;

  /** Why a payload could not be decoded. */
  public enum Reason {
    /** Zero bytes (a null value is a tombstone and decodes to null instead). */
    EMPTY(false),
    /** The first byte is not Confluent's magic byte 0. */
    BAD_MAGIC_BYTE(false),
    /** Fewer than 5 bytes: no room for the magic byte and the 4-byte schema id. */
    TOO_SHORT(false),
    /** The registry does not know the schema id. */
    UNKNOWN_SCHEMA_ID(false),
    /**
     * The Avro body does not decode with the writer schema (truncated, trailing bytes, bad union or enum
     * index, impossible lengths), or the writer schema cannot be resolved to the reader schema.
     */
    MALFORMED_AVRO(false),
    /** The registry could not be asked (connection, timeout, 5xx, authentication): the record may be fine. */
    REGISTRY_UNAVAILABLE(true),
    /** Larger than {@code hyperrec.max.payload.bytes}. */
    OVERSIZE(false);

    private final boolean retriable;

    Reason(boolean retriable) {
      this.retriable = retriable;
    }

    /** Whether the same bytes may decode later, so the record must not be dead-lettered as bad. */
    public boolean retriable() {
      return retriable;
    }
  }

  /** {@link #schemaId()} when the payload carried no readable id. */
  public static final int NO_SCHEMA_ID = -1;

  private final Reason reason;
  private final String topic;
  private final int schemaId;

  public RecordDecodingException(Reason reason, String topic, int schemaId, String message, Throwable cause) {
    super("[" + reason + "] " + (topic == null ? "" : "topic '" + topic + "': ") + message, cause);
    this.reason = java.util.Objects.requireNonNull(reason, "reason");
    this.topic = topic;
    this.schemaId = schemaId;
  }

  public RecordDecodingException(Reason reason, String topic, int schemaId, String message) {
    this(reason, topic, schemaId, message, null);
  }

  public Reason reason() {
    return reason;
  }

  /** The topic the payload came from, or {@code null} if unknown. */
  public String topic() {
    return topic;
  }

  /** The schema id read from the payload, or {@link #NO_SCHEMA_ID}. */
  public int schemaId() {
    return schemaId;
  }
}
