package dev.hyperrec.topology;

/** Why a record went to {@link Topics#INTERACTIONS_DLQ}, and the header names that carry it. */
public enum DeadLetter {
    EMPTY,
    BAD_MAGIC_BYTE,
    TOO_SHORT,
    UNKNOWN_SCHEMA_ID,
    MALFORMED_AVRO,
    REGISTRY_UNAVAILABLE,
    OVERSIZE,
    MISSING_KEY,
    KEY_MISMATCH,
    INVALID_FIELD,
    NON_FINITE_VALUE,
    VALUE_OUT_OF_RANGE,
    UNKNOWN_ITEM,
    DIMENSION_MISMATCH,
    TIMESTAMP_OUT_OF_RANGE,
    PROCESSING_ERROR,
    /** A record on {@code item-cooccurrence} that does not decode (key length, version, lengths, counts). */
    MALFORMED_COOCCURRENCE;

    /** Header: the reason, one of this enum's names. */
    public static final String HEADER_REASON = "hyperrec.dlq.reason";
    /** Header: a human-readable explanation. */
    public static final String HEADER_DETAIL = "hyperrec.dlq.detail";
    public static final String HEADER_TOPIC = "hyperrec.dlq.topic";
    public static final String HEADER_PARTITION = "hyperrec.dlq.partition";
    public static final String HEADER_OFFSET = "hyperrec.dlq.offset";
}
