package dev.hyperrec.operators;

/**
 * Multi-head attention over one list's candidates (Vaswani et al. 2017), conditioned on the user and
 * the request's context: {@code Q = W_Q [user; context]}, {@code K_j = W_K x_j}, {@code V_j = W_V x_j}
 * for the candidates' catalog embeddings {@code x_j}. Per head {@code h} (width {@code d_h = dim/heads})
 * the query attends over the candidates, {@code α_h = softmax_j(Q_h · K_{j,h} / sqrt(d_h))}, and
 * pools {@code o_h = Σ_j α_h[j] V_{j,h}}; the list summary is {@code o = W_O [o_1; …; o_H]} and a
 * candidate's score is {@code s_j = (o + Q) · K_j / sqrt(dim)}: a listwise rerank in which each
 * item is judged against what the user wants given the whole slate. {@code α_h[j]} is the item's
 * explanation: how much it shaped head {@code h}'s view of the list. Weights are learned
 * ({@link AttentionTrainer}) and passed per call, so a new version takes effect at the next list.
 *
 * <p>Backends agree within a relative 1e-4 on scores and an absolute 1e-5 on attention weights.
 * Thread affinity: one thread (the owning task's).
 */
public interface AttentionReranker extends AutoCloseable {

    /** Largest candidate list a backend must support. */
    int MAX_CANDIDATES = 1024;

    /**
     * Scores candidates {@code items[0..n)} (catalog indices).
     *
     * @param query     the user vector, {@code weights.dim()} floats
     * @param context   the context features, {@code weights.context()} floats
     * @param scores    out: {@code s_j}, {@code n} floats
     * @param attention out: {@code α_h[j]} at {@code h * n + j}, {@code heads * n} floats
     */
    void score(AttentionWeights weights, ItemCatalog catalog, float[] query, float[] context, int[] items, int n,
            float[] scores, float[] attention);

    @Override
    default void close() {
    }
}
