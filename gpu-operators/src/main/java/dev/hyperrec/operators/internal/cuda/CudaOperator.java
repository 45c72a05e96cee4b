package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.internal.OperatorChecks;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import dev.hyperrec.operators.OperatorException;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUfunction;

/**
 * Base of the CUDA operators: membership in the backend's ownership tree, the operator's own native
 * resources (a stream, device and pinned buffers; closed newest first), context binding, launches and
 * buffer growth with headroom.
 *
 * <p>Thread affinity: an operator is used by one thread at a time; every public call first binds the
 * backend's context to the calling thread ({@link #enter()}).
 */
abstract class CudaOperator implements AutoCloseable {
    /** Growth factor for buffers that must grow: amortises reallocation to O(log size) events. */
    static final double HEADROOM = 1.5;

    final CudaBackend backend;
    final CudaStream stream;
    private final String what;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private volatile boolean closed;

    CudaOperator(CudaBackend backend, String what) {
        this.backend = backend;
        this.what = what;
        backend.context().bind();
        this.stream = own(new CudaStream());
    }

    final <T extends AutoCloseable> T own(T resource) {
        resources.add(resource);
        return resource;
    }

    final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cuda " + what + " is closed");
        }
    }

    private Thread sharedMirrorThread;
    private CatalogMirror sharedMirror;

    /**
     * The calling thread's device copy of catalogs, shared with the other operators this thread runs
     * ({@link CatalogMirrors}); held until this operator closes. Call after {@link #enter()}.
     */
    final CatalogMirror sharedMirror(boolean bf16) {
        Thread t = Thread.currentThread();
        if (t != sharedMirrorThread || sharedMirror == null || sharedMirror.hasBf16() != bf16) {
            sharedMirror = backend.mirrors().acquire(this, bf16);
            sharedMirrorThread = t;
        }
        return sharedMirror;
    }

    /** Checks the operator is open and binds the context to this thread. */
    final void enter() {
        checkOpen();
        backend.context().bind();
    }

    static void checkCount(int n, int... lengths) {
        OperatorChecks.count(n, lengths);
    }

    /** {@code cur} if it holds {@code bytes}, else a new device buffer with headroom (the old one is freed). */
    final DeviceBuffer device(DeviceBuffer cur, long bytes, String name) {
        if (cur != null && cur.bytes() >= bytes) {
            return cur;
        }
        long size = Math.max(Math.max(bytes, 256), cur == null ? 0 : (long) (cur.bytes() * HEADROOM));
        if (cur != null) {
            drop(cur);
        }
        return own(new DeviceBuffer(size, what + "." + name));
    }

    /** {@code cur} if it holds {@code bytes}, else a new pinned buffer with headroom. */
    final PinnedBuffer pinned(PinnedBuffer cur, long bytes, String name) {
        if (cur != null && cur.bytes() >= bytes) {
            return cur;
        }
        long size = Math.max(Math.max(bytes, 256), cur == null ? 0 : (long) (cur.bytes() * HEADROOM));
        size = Math.min(size, Integer.MAX_VALUE);
        if (bytes > size) {
            throw new OperatorException(what + "." + name + ": transfer of " + bytes + " bytes exceeds one pinned buffer (" + Integer.MAX_VALUE + ")");
        }
        if (cur != null) {
            drop(cur);
        }
        return own(new PinnedBuffer(size, what + "." + name));
    }

    final void drop(AutoCloseable resource) {
        resources.remove(resource);
        try {
            resource.close();
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new OperatorException(e.getMessage(), e);
        }
    }

    /**
     * Launches {@code kernel} on this operator's stream. Arguments: {@link DeviceBuffer} (its base
     * address), {@link Pointer} (a device address), {@code null} (a null device pointer), Integer,
     * Long, Float, Double, float[] / int[] (a by-value struct parameter of that many floats / ints).
     */
    final void launch(CUfunction kernel, String name, int gridX, int gridY, int block, int sharedBytes, String sizes, Object... args) {
        backend.maybeInjectFault(name, sizes);
        if (gridX <= 0 || gridY <= 0) {
            return;
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                params[i] = Pointer.to(new long[] {0L});
            } else if (a instanceof DeviceBuffer b) {
                params[i] = Pointer.to(b.ptr());
            } else if (a instanceof Pointer p) {
                params[i] = Pointer.to(p);
            } else if (a instanceof Integer v) {
                params[i] = Pointer.to(new int[] {v});
            } else if (a instanceof Long v) {
                params[i] = Pointer.to(new long[] {v});
            } else if (a instanceof Float v) {
                params[i] = Pointer.to(new float[] {v});
            } else if (a instanceof Double v) {
                params[i] = Pointer.to(new double[] {v});
            } else if (a instanceof float[] v) {
                params[i] = Pointer.to(v);   // a by-value struct of floats (its size is the kernel's)
            } else if (a instanceof int[] v) {
                params[i] = Pointer.to(v);   // a by-value struct of 32-bit integers
            } else {
                throw new IllegalArgumentException("unsupported kernel argument " + a.getClass());
            }
        }
        Cuda.check(cuLaunchKernel(kernel, gridX, gridY, 1, block, 1, 1, sharedBytes, stream.handle(), Pointer.to(params), null),
                "kernel " + name, "grid " + gridX + "x" + gridY + ", block " + block + ", shared " + sharedBytes + " B, " + sizes);
    }

    static int blocks(long n, int block) {
        long b = (n + block - 1) / block;
        if (b > Integer.MAX_VALUE) {
            throw new OperatorException(n + " elements exceed one launch grid");
        }
        return (int) Math.max(b, 0);
    }

    /** Runs first in {@link #close()}, with the context bound and the operator still open. */
    void beforeClose() {
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        OperatorException failure = null;
        try {
            backend.context().bind();
            beforeClose();
        } catch (RuntimeException e) {
            failure = new OperatorException("closing cuda " + what + ": " + e.getMessage(), e);
        }
        closed = true;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new OperatorException("closing cuda " + what + ": " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        resources.clear();
        backend.release(this);
        if (failure != null) {
            throw failure;
        }
    }
}
