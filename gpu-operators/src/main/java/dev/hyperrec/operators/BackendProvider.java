package dev.hyperrec.operators;

import java.util.Map;

/**
 * A pluggable operator backend, found by {@link java.util.ServiceLoader} (register the
 * implementation in {@code META-INF/services/dev.hyperrec.operators.BackendProvider}). The CPU
 * backend is built in; the JCuda backend plugs in through this interface.
 *
 * <p>Implementations must be cheap to construct and must not touch a device in the constructor:
 * probing happens in {@link #isUsable()}, allocation in {@link #open()}.
 */
public interface BackendProvider {

    /** The kind this provider serves, e.g. {@link BackendKind#CUDA}. Never {@link BackendKind#AUTO}. */
    BackendKind kind();

    /** Whether a backend can be opened here (driver loads, a device is present); never throws. */
    boolean isUsable();

    /** Why {@link #isUsable()} is false, for logs and error messages. */
    default String unusableReason() {
        return "no usable device";
    }

    /** Opens a new backend; throws {@link OperatorException} when that fails. */
    OperatorBackend open();

    /**
     * Opens a new backend with per-backend options (e.g. {@code hyperrec.cuda.device}: two app instances in one JVM can
     * each have a device of their own); an option not given falls back to what {@link #open()} uses. The default ignores
     * the options.
     */
    default OperatorBackend open(Map<String, String> options) {
        return open();
    }
}
