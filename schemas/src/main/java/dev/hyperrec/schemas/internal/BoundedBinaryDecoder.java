package dev.hyperrec.schemas.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * A binary {@link Decoder} over a byte array that refuses lengths its input cannot hold. Avro's own decoder
 * allocates a string, bytes or array of the length a payload claims before reading it, so a few hostile
 * bytes could demand gigabytes and kill the stream thread with an {@link OutOfMemoryError}; here a string or
 * bytes length beyond the bytes left, or an array/map block of more than {@code maxItems} entries, fails with
 * an {@link EOFException} or {@link AvroRuntimeException} instead. Not thread-safe; one per payload.
 */
public final class BoundedBinaryDecoder extends Decoder {

  private final BinaryDecoder in;
  private final InputStream buffered;
  private final long maxItems;

  public BoundedBinaryDecoder(byte[] data, int offset, int length, long maxItems) {
    this.in = DecoderFactory.get().binaryDecoder(data, offset, length, null);
    this.buffered = in.inputStream();
    this.maxItems = maxItems;
  }

  /** Whether every byte has been consumed. */
  public boolean isEnd() throws IOException {
    return in.isEnd();
  }

  /** Bytes not consumed yet. */
  public int remaining() throws IOException {
    return buffered.available();
  }

  private int checkedLength(long length, String what) throws IOException {
    if (length < 0) {
      throw new AvroRuntimeException("Negative " + what + " length " + length);
    }
    int left = remaining();
    if (length > left) {
      throw new EOFException(what + " length " + length + " exceeds the " + left + " bytes left");
    }
    return (int) length;
  }

  private long checkedItems(long items, String what) {
    if (items > maxItems) {
      throw new AvroRuntimeException(what + " block of " + items + " items exceeds the limit of " + maxItems);
    }
    return items;
  }

  @Override
  public void readNull() throws IOException {
    in.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return in.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return in.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return in.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return in.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return in.readDouble();
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = checkedLength(in.readLong(), "String");
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    if (length > 0) {
      in.readFixed(result.getBytes(), 0, length);
    }
    return result;
  }

  @Override
  public String readString() throws IOException {
    return readString(null).toString();
  }

  @Override
  public void skipString() throws IOException {
    in.skipString();
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = checkedLength(in.readLong(), "Bytes");
    ByteBuffer result;
    if (old != null && length <= old.capacity()) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(length);
    }
    in.readFixed(result.array(), result.position(), length);
    result.limit(length);
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    in.skipBytes();
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    in.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    in.skipFixed(length);
  }

  @Override
  public int readEnum() throws IOException {
    return in.readEnum();
  }

  @Override
  public long readArrayStart() throws IOException {
    return checkedItems(in.readArrayStart(), "Array");
  }

  @Override
  public long arrayNext() throws IOException {
    return checkedItems(in.arrayNext(), "Array");
  }

  @Override
  public long skipArray() throws IOException {
    return in.skipArray();
  }

  @Override
  public long readMapStart() throws IOException {
    return checkedItems(in.readMapStart(), "Map");
  }

  @Override
  public long mapNext() throws IOException {
    return checkedItems(in.mapNext(), "Map");
  }

  @Override
  public long skipMap() throws IOException {
    return in.skipMap();
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }
}
