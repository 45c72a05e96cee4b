package dev.hyperrec.operators.internal.cuda;

import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/** A non-blocking stream owned by one operator: its copies and kernels run in order on it. */
public final class CudaStream implements AutoCloseable {
    private final CUstream stream = new CUstream();
    private volatile boolean closed;

    CudaStream() {
        Cuda.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    }

    CUstream handle() {
        checkOpen();
        return stream;
    }

    /** Waits for the stream; an asynchronous kernel fault surfaces here, named by {@code after}. */
    public void synchronize(String after) {
        checkOpen();
        Cuda.check(cuStreamSynchronize(stream), "cuStreamSynchronize", "after " + after);
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA stream is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cuda.check(cuStreamDestroy(stream), "cuStreamDestroy");
    }
}
