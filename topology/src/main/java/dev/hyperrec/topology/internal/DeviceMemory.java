package dev.hyperrec.topology.internal;

import static jcuda.driver.JCudaDriver.cuCtxPopCurrent;
import static jcuda.driver.JCudaDriver.cuCtxPushCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device memory used, free and total, read with {@code cuMemGetInfo} for the metrics gauges. It
 * retains the device's primary context (the one the CUDA backend uses; retaining is reference
 * counted) and pushes it around each read, so the scrape thread never leaves a context current and
 * never touches the operators' state. Reads are cached for {@value #MAX_AGE_NANOS} ns so that the
 * three gauges of one scrape share one driver call.
 *
 * <p>Only created when the backend is CUDA. A failure (no driver, a lost device) is logged once and
 * reads give NaN. Thread-safe; {@link #close()} is idempotent and releases the context.
 */
public final class DeviceMemory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceMemory.class);
    private static final long MAX_AGE_NANOS = 1_000_000_000L;

    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private boolean retained;
    private boolean closed;
    private boolean warned;
    private long readAt;
    private double free = Double.NaN;
    private double total = Double.NaN;

    private DeviceMemory(int ordinal) {
        this.ordinal = ordinal;
    }

    /** Retains device {@code ordinal}'s primary context; never throws (reads give NaN if this fails). */
    public static DeviceMemory open(int ordinal) {
        DeviceMemory m = new DeviceMemory(ordinal);
        try {
            int r = cuInit(0);
            if (r == CUresult.CUDA_SUCCESS) {
                r = cuDeviceGet(m.device, ordinal);
            }
            if (r == CUresult.CUDA_SUCCESS) {
                r = cuDevicePrimaryCtxRetain(m.context, m.device);
            }
            m.retained = r == CUresult.CUDA_SUCCESS;
            if (!m.retained) {
                m.warnOnce("cannot open device " + ordinal + ": " + CUresult.stringFor(r));
            }
        } catch (Throwable t) {
            m.warnOnce("cannot open device " + ordinal + ": " + t);
        }
        return m;
    }

    public int ordinal() {
        return ordinal;
    }

    public double usedBytes() {
        refresh();
        synchronized (this) {
            return total - free;
        }
    }

    public double freeBytes() {
        refresh();
        synchronized (this) {
            return free;
        }
    }

    public double totalBytes() {
        refresh();
        synchronized (this) {
            return total;
        }
    }

    private synchronized void refresh() {
        if (!retained || closed) {
            free = Double.NaN;
            total = Double.NaN;
            return;
        }
        long now = System.nanoTime();
        if (readAt != 0 && now - readAt < MAX_AGE_NANOS) {
            return;
        }
        readAt = now;
        try {
            int r = cuCtxPushCurrent(context);
            if (r != CUresult.CUDA_SUCCESS) {
                fail("cuCtxPushCurrent: " + CUresult.stringFor(r));
                return;
            }
            try {
                long[] f = new long[1];
                long[] t = new long[1];
                r = cuMemGetInfo(f, t);
                if (r != CUresult.CUDA_SUCCESS) {
                    fail("cuMemGetInfo: " + CUresult.stringFor(r));
                    return;
                }
                free = f[0];
                total = t[0];
            } finally {
                cuCtxPopCurrent(new CUcontext());
            }
        } catch (Throwable t) {
            fail(String.valueOf(t));
        }
    }

    private void fail(String why) {
        free = Double.NaN;
        total = Double.NaN;
        warnOnce("reading device " + ordinal + " memory failed: " + why);
    }

    private void warnOnce(String message) {
        if (!warned) {
            warned = true;
            LOG.warn("device memory metrics: {}", message);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (retained) {
            try {
                cuDevicePrimaryCtxRelease(device);
            } catch (Throwable t) {
                LOG.debug("releasing the primary context failed", t);
            }
        }
    }
}
