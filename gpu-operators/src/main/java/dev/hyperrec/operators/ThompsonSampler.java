package dev.hyperrec.operators;

/**
 * Thompson sampling (Thompson 1933; Chapelle &amp; Li 2011): draws {@code theta_i ~ Beta(alpha_i, beta_i)}
 * through two Gamma draws (Marsaglia &amp; Tsang 2000) from a counter-based Philox4x32-10 stream
 * (Salmon et al. 2011) keyed by {@code (seed, streamKey, itemKeys[i])}. The same inputs give the
 * same draws on every backend (floats within 1e-5) and regardless of batch composition.
 */
public interface ThompsonSampler extends AutoCloseable {

    /**
     * @param streamKey a key of the triggering event (so each event gets its own draws)
     * @param itemKeys  keys of the candidate items
     * @param alpha     Beta alpha per candidate, {@code >= 1}
     * @param beta      Beta beta per candidate, {@code >= 1}
     * @param out       draws in (0, 1)
     */
    void sample(long streamKey, long[] itemKeys, double[] alpha, double[] beta, int n, float[] out);

    @Override
    default void close() {
    }
}
