package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.internal.OperatorChecks;

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
        OperatorChecks.count(n, lengths);
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
