package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.internal.ResourceOwner;

/**
 * Base of the CPU operators: a close flag and membership in the backend's ownership tree.
 * Closing is idempotent; any use after close throws {@link IllegalStateException}.
 */
abstract class CpuOperator implements AutoCloseable {
    private final ResourceOwner owner;
    private final String what;
    private volatile boolean closed;

    CpuOperator(ResourceOwner owner, String what) {
        this.owner = owner;
        this.what = what;
    }

    final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cpu " + what + " is closed");
        }
    }

    static void checkCount(int n, int... lengths) {
        if (n < 0) {
            throw new OperatorException("n must be >= 0, was " + n);
        }
        for (int len : lengths) {
            if (n > len) {
                throw new OperatorException("n = " + n + " exceeds an array of length " + len);
            }
        }
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        owner.release(this);
    }
}
