package dev.hyperrec.operators;

import java.util.Objects;

/**
 * A backend that hands every call to another one; subclasses override the operators they place or wrap
 * differently (a scorer that follows retrained weights, a test's counting backend). {@link #close()} closes the
 * delegate; override it where the delegate belongs to someone else.
 */
public abstract class ForwardingBackend implements OperatorBackend {
    private final OperatorBackend delegate;

    protected ForwardingBackend(OperatorBackend delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    protected final OperatorBackend delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config) {
        return delegate.newEmbeddingUpdater(config);
    }

    @Override
    public Scorer newScorer() {
        return delegate.newScorer();
    }

    @Override
    public PopularitySketch newPopularitySketch(CountMinConfig config) {
        return delegate.newPopularitySketch(config);
    }

    @Override
    public ThompsonSampler newThompsonSampler(long seed) {
        return delegate.newThompsonSampler(seed);
    }

    @Override
    public GraphSignal newGraphSignal() {
        return delegate.newGraphSignal();
    }

    @Override
    public AttentionReranker newAttentionReranker() {
        return delegate.newAttentionReranker();
    }

    @Override
    public Scorer newMixtureOfLogitsScorer(MixtureOfLogits weights) {
        return delegate.newMixtureOfLogitsScorer(weights);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
