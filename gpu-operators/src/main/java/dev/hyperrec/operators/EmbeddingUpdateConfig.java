package dev.hyperrec.operators;

/**
 * Parameters of the seeds' user-embedding rule {@code u <- normalise((1-alpha) u + alpha w item)}.
 *
 * @param alpha learning rate in (0, 1]
 */
public record EmbeddingUpdateConfig(float alpha) {
    public EmbeddingUpdateConfig {
        if (!(alpha > 0f && alpha <= 1f)) {
            throw new OperatorException("alpha must be in (0, 1], was " + alpha);
        }
    }

    public static EmbeddingUpdateConfig defaults() {
        return new EmbeddingUpdateConfig(0.1f);
    }
}
