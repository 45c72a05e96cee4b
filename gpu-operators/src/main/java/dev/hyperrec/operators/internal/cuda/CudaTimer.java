package dev.hyperrec.operators.internal.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/** A pair of CUDA events around a region of one stream: device time of the last call, in ms. */
public final class CudaTimer implements AutoCloseable {
    private final CUevent start = new CUevent();
    private final CUevent end = new CUevent();
    private volatile boolean closed;

    CudaTimer() {
        Cuda.check(cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        Cuda.check(cuEventCreate(end, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
    }

    void start(CudaStream s) {
        checkOpen();
        Cuda.check(cuEventRecord(start, s.handle()), "cuEventRecord");
    }

    void stop(CudaStream s) {
        checkOpen();
        Cuda.check(cuEventRecord(end, s.handle()), "cuEventRecord");
    }

    /** Milliseconds between start and stop; call after the stream was synchronised. */
    float millis() {
        checkOpen();
        float[] ms = new float[1];
        Cuda.check(cuEventElapsedTime(ms, start, end), "cuEventElapsedTime");
        return ms[0];
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA timer is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cuda.check(cuEventDestroy(start), "cuEventDestroy");
        Cuda.check(cuEventDestroy(end), "cuEventDestroy");
    }
}
