/**
 * Kafka Serdes for Avro records in Confluent's wire format (byte 0, 4-byte big-endian schema id, Avro binary),
 * with schema resolution on read and classified decoding failures
 * ({@link dev.hyperrec.schemas.serde.RecordDecodingException}) for dead-letter routing.
 */
package dev.hyperrec.schemas.serde;
