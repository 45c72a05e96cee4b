package dev.hyperrec.topology.engine;

/**
 * The maths of hyperrec's item-to-item model, shared by the streaming aggregation and the evaluation
 * harness so that both compute exactly the same lists: a user's positive events (weight &gt; 0) each
 * add one to the item's occurrence count {@code n_i} and one to the co-occurrence count
 * {@code c_ij = c_ji} with every other item among that user's last {@code window} positive items
 * (repeats included, pairs of an item with itself skipped); the similarity of two items is the cosine
 * {@code c_ij / sqrt(n_i n_j)}, at most 1 unless users repeat items within their window (a repeat
 * counts every time, so it can exceed 1); an item's neighbour list is the {@code max} most similar
 * items, ties by the smaller item key.
 */
public final class CoOccurrenceCosine {
    private CoOccurrenceCosine() {
    }

    /** Cosine similarity of two items that co-occurred {@code together} times; 0 when a count is not positive. */
    public static float cosine(long together, long occurrencesA, long occurrencesB) {
        if (together <= 0 || occurrencesA <= 0 || occurrencesB <= 0) {
            return 0f;
        }
        return (float) (together / Math.sqrt((double) occurrencesA * occurrencesB));
    }

    /**
     * Moves the {@code min(n, max)} most similar of the first {@code n} entries of {@code keys} and
     * {@code similarity} (kept together) to the front, most similar first, ties by the smaller key.
     * A bounded heap: O(n log max), no allocation beyond the two arrays it returns through.
     *
     * @return {@code min(n, max)}
     */
    public static int top(long[] keys, float[] similarity, int n, int max) {
        int m = Math.min(n, max);
        if (m <= 0) {
            return 0;
        }
        // heap of the best m seen so far in [0, m), the worst at the root
        for (int i = m / 2 - 1; i >= 0; i--) {
            siftDown(keys, similarity, i, m);
        }
        for (int i = m; i < n; i++) {
            if (better(keys[i], similarity[i], keys[0], similarity[0])) {
                keys[0] = keys[i];
                similarity[0] = similarity[i];
                siftDown(keys, similarity, 0, m);
            }
        }
        // heap sort: repeatedly move the worst to the end
        for (int end = m - 1; end > 0; end--) {
            swap(keys, similarity, 0, end);
            siftDown(keys, similarity, 0, end);
        }
        return m;
    }

    /** Whether (keyA, simA) ranks before (keyB, simB): more similar, or as similar with a smaller key. */
    static boolean better(long keyA, float simA, long keyB, float simB) {
        int c = Float.compare(simA, simB);
        return c != 0 ? c > 0 : keyA < keyB;
    }

    private static void siftDown(long[] keys, float[] sim, int i, int size) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int worst = l;
            int r = l + 1;
            if (r < size && better(keys[l], sim[l], keys[r], sim[r])) {
                worst = r;
            }
            if (!better(keys[i], sim[i], keys[worst], sim[worst])) {
                return;
            }
            swap(keys, sim, i, worst);
            i = worst;
        }
    }

    private static void swap(long[] keys, float[] sim, int a, int b) {
        long k = keys[a];
        keys[a] = keys[b];
        keys[b] = k;
        float s = sim[a];
        sim[a] = sim[b];
        sim[b] = s;
    }
}
