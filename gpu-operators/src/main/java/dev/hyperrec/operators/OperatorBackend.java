package dev.hyperrec.operators;

/**
 * A family of operator implementations that share one device (or the CPU). The reference
 * backend ({@code cpu}) is plain Java and deterministic; every other backend must pass the same
 * contract tests (exact for integer state, stated tolerances for floats).
 *
 * <p>Ownership: a backend owns every operator it creates; {@link #close()} closes them in reverse
 * creation order and is idempotent. Thread affinity: operators are confined to the thread that
 * uses them (one Kafka Streams task thread); the backend itself may be shared.
 */
public interface OperatorBackend extends AutoCloseable {

    /** {@code cpu} or {@code cuda}: the name reported in logs, metrics and the demo line. */
    String name();

    EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config);

    Scorer newScorer();

    PopularitySketch newPopularitySketch(CountMinConfig config);

    ThompsonSampler newThompsonSampler(long seed);

    /** A 2-hop graph signal over the user–item graph ({@link GraphSignal}). */
    GraphSignal newGraphSignal();

    /** A multi-head attention reranker ({@link AttentionReranker}). */
    AttentionReranker newAttentionReranker();

    /** A {@link Scorer} whose similarity is the learned {@link MixtureOfLogits} instead of the dot product. */
    Scorer newMixtureOfLogitsScorer(MixtureOfLogits weights);

    @Override
    void close();
}
