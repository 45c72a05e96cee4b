package dev.hyperrec.operators.internal.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;

/**
 * Page-locked host memory ({@code cuMemAllocHost}) for asynchronous transfers at full bus speed
 * (measured 54 GB/s on the GPU machine against 6.8 GB/s from a Java array). Exposed as a native-order
 * {@link ByteBuffer}.
 */
public final class PinnedBuffer implements AutoCloseable {
    private final Pointer ptr = new Pointer();
    private final long bytes;
    private final ByteBuffer buffer;
    private final String what;
    private volatile boolean closed;

    PinnedBuffer(long bytes, String what) {
        if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + ": pinned buffer size must be in [1, " + Integer.MAX_VALUE + "], was " + bytes);
        }
        this.bytes = bytes;
        this.what = what;
        Cuda.check(cuMemAllocHost(ptr, bytes), "cuMemAllocHost", what + ", " + bytes + " bytes");
        buffer = ptr.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    }

    /** The whole buffer (position 0, limit = capacity); callers use absolute or duplicated views. */
    ByteBuffer buffer() {
        checkOpen();
        return buffer;
    }

    Pointer pointer(long offset, long n) {
        checkOpen();
        if (offset < 0 || n < 0 || offset + n > bytes) {
            throw new IllegalArgumentException(what + ": range [" + offset + ", " + (offset + n) + ") outside " + bytes + " bytes");
        }
        return ptr.withByteOffset(offset);
    }

    public long bytes() {
        return bytes;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("pinned buffer " + what + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cuda.check(cuMemFreeHost(ptr), "cuMemFreeHost", what);
    }
}
