package dev.hyperrec.topology.engine;

/**
 * The maths of hyperrec's item-to-item model, shared by the streaming aggregation and the evaluation
 * harness so that both compute exactly the same lists. Binary per user window: each user keeps a
 * window of their last {@code window} distinct positive items (weight &gt; 0), oldest first. A positive
 * event on an item already in the window only makes it the newest again ({@link #touch}) and counts
 * nothing; any other adds one to the item's occurrence count {@code n_i} and one to the co-occurrence
 * count {@code c_ij = c_ji} with every item in the window, then enters the window ({@link #append}),
 * evicting the oldest when full. So repeated clicks on an item count once while it stays in the
 * window. The similarity of two items is the cosine {@code min(1, c_ij / sqrt(n_i n_j))}: without the
 * cap it could pass 1 only when an item leaves a user's window and re-enters it while the other item
 * is still there. An item's neighbour list is the {@code max} most similar items, ties by the smaller
 * item key.
 */
public final class CoOccurrenceCosine {
    private CoOccurrenceCosine() {
    }

    /** Cosine similarity of two items that co-occurred {@code together} times, at most 1; 0 when a count is not positive. */
    public static float cosine(long together, long occurrencesA, long occurrencesB) {
        if (together <= 0 || occurrencesA <= 0 || occurrencesB <= 0) {
            return 0f;
        }
        return (float) Math.min(1.0, together / Math.sqrt((double) occurrencesA * occurrencesB));
    }

    /**
     * When {@code item} is in the window {@code recent[0, size)} (oldest first), moves it to the newest
     * position and returns true: the event counts nothing. Else leaves the window as it is and returns
     * false: the caller counts the item and its pairs with the window, then calls {@link #append}.
     */
    public static boolean touch(long[] recent, int size, long item) {
        for (int i = size - 1; i >= 0; i--) {
            if (recent[i] == item) {
                System.arraycopy(recent, i + 1, recent, i, size - 1 - i);
                recent[size - 1] = item;
                return true;
            }
        }
        return false;
    }

    /**
     * Adds {@code item} as the newest of the window {@code recent[0, size)}, evicting the oldest when the
     * window is full ({@code size == recent.length}).
     *
     * @return the new size
     */
    public static int append(long[] recent, int size, long item) {
        if (size == recent.length) {
            System.arraycopy(recent, 1, recent, 0, size - 1);
            recent[size - 1] = item;
            return size;
        }
        recent[size] = item;
        return size + 1;
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
