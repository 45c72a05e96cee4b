package dev.hyperrec.operators.internal.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** A device allocation of a fixed size ({@code cuMemAlloc}); growth means a new buffer. */
public final class DeviceBuffer implements AutoCloseable {
    private final CUdeviceptr ptr = new CUdeviceptr();
    private final long bytes;
    private final String what;
    private volatile boolean closed;

    DeviceBuffer(long bytes, String what) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(what + ": device buffer size must be > 0, was " + bytes);
        }
        this.bytes = bytes;
        this.what = what;
        Cuda.check(cuMemAlloc(ptr, bytes), "cuMemAlloc", what + ", " + bytes + " bytes");
    }

    CUdeviceptr ptr() {
        checkOpen();
        return ptr;
    }

    public long bytes() {
        return bytes;
    }

    void upload(PinnedBuffer src, long srcOffset, long dstOffset, long n, CudaStream stream) {
        checkRange(dstOffset, n);
        if (n == 0) {
            return;
        }
        Cuda.check(cuMemcpyHtoDAsync(ptr().withByteOffset(dstOffset), src.pointer(srcOffset, n), n, stream.handle()),
                "cuMemcpyHtoDAsync", what + ", " + n + " bytes");
    }

    void download(PinnedBuffer dst, long dstOffset, long srcOffset, long n, CudaStream stream) {
        checkRange(srcOffset, n);
        if (n == 0) {
            return;
        }
        Cuda.check(cuMemcpyDtoHAsync(dst.pointer(dstOffset, n), ptr().withByteOffset(srcOffset), n, stream.handle()),
                "cuMemcpyDtoHAsync", what + ", " + n + " bytes");
    }

    /** Device-to-device copy of {@code n} bytes from the start of {@code src} to the start of this buffer. */
    void copyFrom(DeviceBuffer src, long n, CudaStream stream) {
        checkRange(0, n);
        src.checkRange(0, n);
        if (n == 0) {
            return;
        }
        Cuda.check(cuMemcpyDtoDAsync(ptr(), src.ptr(), n, stream.handle()), "cuMemcpyDtoDAsync", what + ", " + n + " bytes");
    }

    Pointer at(long offset) {
        return ptr().withByteOffset(offset);
    }

    private void checkRange(long off, long n) {
        if (off < 0 || n < 0 || off + n > bytes) {
            throw new IllegalArgumentException(what + ": range [" + off + ", " + (off + n) + ") outside " + bytes + " bytes");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("device buffer " + what + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cuda.check(cuMemFree(ptr), "cuMemFree", what);
    }
}
