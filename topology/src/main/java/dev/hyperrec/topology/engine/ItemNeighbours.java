package dev.hyperrec.topology.engine;

/**
 * An item-to-item model trained outside the task from past interactions (like the catalog's
 * embeddings), e.g. co-occurrence cosine similarity (item-based collaborative filtering, Sarwar et al.
 * 2001; Linden, Smith &amp; York 2003). When attached to a {@link RecommenderEngine} it adds the
 * neighbours of a user's recent items as SIMILAR candidates and a similarity term to the final
 * ranking. Keys are {@link dev.hyperrec.operators.ItemKeys#hash64} item keys. Implementations must be
 * deterministic; they are called from the owning task thread only.
 */
public interface ItemNeighbours {

    /**
     * Writes up to {@code max} neighbours of {@code itemKey}, most similar first (ties by smaller key),
     * to {@code keys} and their non-negative similarity to {@code similarity}.
     *
     * @return the number written
     */
    int neighbours(long itemKey, int max, long[] keys, float[] similarity);

    /** Non-negative similarity of two items, 0 when unrelated or unknown. */
    float similarity(long a, long b);
}
