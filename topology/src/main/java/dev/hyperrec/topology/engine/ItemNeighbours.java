package dev.hyperrec.topology.engine;

/**
 * An item-to-item model trained outside the task from past interactions (like the catalog's
 * embeddings), e.g. co-occurrence cosine similarity (item-based collaborative filtering, Sarwar et al.
 * 2001; Linden, Smith &amp; York 2003). When attached to a {@link RecommenderEngine} it adds the
 * neighbours of a user's recent items as SIMILAR candidates and a similarity term to the final
 * ranking. Keys are {@link dev.hyperrec.operators.ItemKeys#hash64} item keys. Implementations must be
 * deterministic. An engine calls its model from its task's thread; one model may serve the engines of
 * several threads (the pipeline's {@link NeighbourTable} does), so an entry it returns must never change.
 */
public interface ItemNeighbours {

    /**
     * {@code itemKey}'s list: its neighbours most similar first (ties by smaller key) with their non-negative
     * similarity, or null when it has none. The entry is immutable; the engine reads it whole, once per recent item and
     * list, and uses its cached catalog slots ({@link NeighbourTable.Entry#catalogSlots}).
     */
    NeighbourTable.Entry list(long itemKey);

    /**
     * Writes up to {@code max} neighbours of {@code itemKey}, most similar first (ties by smaller key),
     * to {@code keys} and their non-negative similarity to {@code similarity}.
     *
     * @return the number written
     */
    default int neighbours(long itemKey, int max, long[] keys, float[] similarity) {
        NeighbourTable.Entry e = list(itemKey);
        if (e == null) {
            return 0;
        }
        int m = Math.min(max, e.size());
        System.arraycopy(e.keys(), 0, keys, 0, m);
        System.arraycopy(e.similarity(), 0, similarity, 0, m);
        return m;
    }

    /** Non-negative similarity of two items, 0 when unrelated or unknown. */
    default float similarity(long a, long b) {
        NeighbourTable.Entry e = list(a);
        return e == null ? 0f : e.similarityTo(b);
    }
}
