package dev.hyperrec.operators.internal.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;

/**
 * The device's primary context, retained for the backend's lifetime (shared with other users of the
 * device in this process, e.g. a profiler). {@link #bind()} makes it current on the calling thread;
 * operators bind it at the start of every call, so any thread may drive them (one at a time).
 */
public final class CudaContext implements AutoCloseable {
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final int ordinal;
    private volatile boolean closed;

    CudaContext(int ordinal) {
        this.ordinal = ordinal;
        Cuda.check(cuDeviceGet(device, ordinal), "cuDeviceGet", "device " + ordinal);
        Cuda.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain", "device " + ordinal);
        bind();
    }

    /** Makes the context current on this thread. */
    public void bind() {
        checkOpen();
        Cuda.check(cuCtxSetCurrent(context), "cuCtxSetCurrent", "device " + ordinal);
    }

    public int ordinal() {
        return ordinal;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA context of device " + ordinal + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cuda.check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease", "device " + ordinal);
    }
}
