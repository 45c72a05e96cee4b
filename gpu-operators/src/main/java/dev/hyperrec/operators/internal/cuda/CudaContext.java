package dev.hyperrec.operators.internal.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxSetFlags;

import java.util.Locale;
import jcuda.driver.CUcontext;
import jcuda.driver.CUctx_flags;
import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device's primary context, retained for the backend's lifetime (shared with other users of the
 * device in this process, e.g. a profiler). {@link #bind()} makes it current on the calling thread;
 * operators bind it at the start of every call, so any thread may drive them (one at a time).
 */
public final class CudaContext implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CudaContext.class);

    /**
     * How a host thread waits for the device (the primary context's scheduling flag, system property
     * {@code hyperrec.cuda.sync}). {@code AUTO} is the driver's default, which spins while the process has fewer
     * contexts than the machine has cores (so always here): a waiting stream thread then keeps a core busy. {@code
     * BLOCKING} sleeps on a synchronisation primitive instead, which frees the core for the broker, the producers and
     * the other stream threads at the cost of a wake-up per wait; {@code YIELD} spins but yields.
     */
    public enum Sync {
        AUTO(CUctx_flags.CU_CTX_SCHED_AUTO), SPIN(CUctx_flags.CU_CTX_SCHED_SPIN), YIELD(CUctx_flags.CU_CTX_SCHED_YIELD),
        BLOCKING(CUctx_flags.CU_CTX_SCHED_BLOCKING_SYNC);

        final int flag;

        Sync(int flag) {
            this.flag = flag;
        }

        /** {@code auto|spin|yield|blocking}, case-insensitive. */
        public static Sync parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("hyperrec.cuda.sync must be auto, spin, yield or blocking, was '" + s + "'");
            }
        }
    }

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final int ordinal;
    private volatile boolean closed;

    /**
     * Retains device {@code ordinal}'s primary context with the scheduling flag {@code sync} (set before the retain; a
     * driver that refuses it, e.g. because another user of the device made the context active with other flags, leaves
     * the context as it is, with a warning).
     */
    CudaContext(int ordinal, Sync sync) {
        this.ordinal = ordinal;
        Cuda.check(cuDeviceGet(device, ordinal), "cuDeviceGet", "device " + ordinal);
        if (sync != Sync.AUTO) {
            int rc = cuDevicePrimaryCtxSetFlags(device, sync.flag);
            if (rc != CUresult.CUDA_SUCCESS) {
                LOG.warn("device {}: the primary context's scheduling flag {} was refused ({}); it keeps its flags", ordinal,
                        sync, CUresult.stringFor(rc));
            } else {
                LOG.info("device {}: host threads wait for it by {}", ordinal, sync);
            }
        }
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
