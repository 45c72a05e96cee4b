package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.AttentionReranker;
import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.GraphSignal;
import dev.hyperrec.operators.MixtureOfLogits;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.internal.ResourceOwner;
import java.util.Objects;

/**
 * The reference backend: plain, deterministic Java. Every other backend is checked against it by
 * the contract tests.
 *
 * <p>Ownership: the backend owns the operators it creates and closes them in reverse creation order
 * ({@link ResourceOwner}); an operator closed earlier leaves the tree. {@link #close()} is
 * idempotent; creating or using an operator after it throws {@link IllegalStateException}. Thread
 * affinity: the backend may be shared (its factory methods are thread-safe); each operator is
 * confined to the thread that uses it.
 */
public final class CpuBackend implements OperatorBackend {
    public static final String NAME = "cpu";
    private final ResourceOwner owner = new ResourceOwner("cpu backend");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config) {
        Objects.requireNonNull(config, "config");
        owner.checkOpen();
        return owner.register(new CpuEmbeddingUpdater(owner, config));
    }

    @Override
    public Scorer newScorer() {
        owner.checkOpen();
        return owner.register(new CpuScorer(owner));
    }

    @Override
    public PopularitySketch newPopularitySketch(CountMinConfig config) {
        Objects.requireNonNull(config, "config");
        owner.checkOpen();
        return owner.register(new CpuPopularitySketch(owner, config));
    }

    @Override
    public ThompsonSampler newThompsonSampler(long seed) {
        owner.checkOpen();
        return owner.register(new CpuThompsonSampler(owner, seed));
    }

    @Override
    public GraphSignal newGraphSignal() {
        owner.checkOpen();
        return owner.register(new CpuGraphSignal(owner));
    }

    @Override
    public AttentionReranker newAttentionReranker() {
        owner.checkOpen();
        return owner.register(new CpuAttentionReranker(owner));
    }

    @Override
    public Scorer newMixtureOfLogitsScorer(MixtureOfLogits weights) {
        Objects.requireNonNull(weights, "weights");
        owner.checkOpen();
        return owner.register(new CpuMolScorer(owner, weights));
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return owner.isClosed();
    }

    @Override
    public void close() {
        owner.close();
    }

    @Override
    public String toString() {
        return "CpuBackend[" + (owner.isClosed() ? "closed" : owner.ownedCount() + " operators") + "]";
    }
}
