package dev.hyperrec.schemas.internal;

/** Confluent's wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body. */
public final class WireFormat {

  public static final byte MAGIC_BYTE = 0;
  public static final int HEADER_LENGTH = 5;

  private WireFormat() {
  }

  public static void writeHeader(byte[] out, int schemaId) {
    out[0] = MAGIC_BYTE;
    out[1] = (byte) (schemaId >>> 24);
    out[2] = (byte) (schemaId >>> 16);
    out[3] = (byte) (schemaId >>> 8);
    out[4] = (byte) schemaId;
  }

  /** The schema id of a payload of at least {@link #HEADER_LENGTH} bytes. */
  public static int schemaId(byte[] payload) {
    return ((payload[1] & 0xff) << 24) | ((payload[2] & 0xff) << 16) | ((payload[3] & 0xff) << 8) | (payload[4] & 0xff);
  }
}
