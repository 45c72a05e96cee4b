package dev.hyperrec.operators;

/**
 * The one unchecked exception root of the compute engine. Backend faults (a CUDA error, an
 * exhausted capacity) and invalid arguments detected at construction are reported through it,
 * with a message that gives the offending value and the limit.
 */
public class OperatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OperatorException(String message) {
        super(message);
    }

    public OperatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
