package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.OperatorException;

/**
 * A CUDA driver error: carries the {@code CUresult} name, the operation (kernel or call) and the sizes
 * involved. A fault of the device, never a caller error, so {@link FallbackBackend} switches to the
 * CPU backend on it (and only on it).
 */
public final class CudaException extends OperatorException {
    private static final long serialVersionUID = 1L;
    private final String result;
    private final String operation;

    public CudaException(String result, String operation, String detail) {
        super(result + " in " + operation + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        this.result = result;
        this.operation = operation;
    }

    /** The CUresult name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public String result() {
        return result;
    }

    /** The failing kernel or driver call. */
    public String operation() {
        return operation;
    }
}
