package dev.hyperrec.topology.engine;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The published neighbour lists of the streaming item-to-item model ({@link CoOccurrenceCosine}),
 * one per item, as the {@code item-neighbours} topic last delivered them: the {@link ItemNeighbours}
 * every task attaches to its engine. Written by the Streams global thread, read by the stream threads
 * (an entry is replaced whole, never changed in place).
 *
 * <p>{@link #similarity(long, long)} is the cosine when {@code b} is on {@code a}'s list and 0
 * otherwise: the engine asks it with {@code a} = one of the user's recent items, so a candidate scores
 * with the items it is a published neighbour of.
 */
public final class NeighbourTable implements ItemNeighbours {
    /** One item's list: its occurrence count and its neighbours, most similar first. */
    public static final class Entry {
        private final long occurrences;
        private final long[] keys;
        private final float[] similarity;
        /** The keys sorted, and the similarity at each sorted position, for {@link #similarityTo}. */
        private final long[] sortedKeys;
        private final float[] sortedSimilarity;

        public Entry(long occurrences, long[] keys, float[] similarity) {
            if (keys.length != similarity.length) {
                throw new IllegalArgumentException(keys.length + " keys but " + similarity.length + " similarities");
            }
            this.occurrences = occurrences;
            this.keys = keys;
            this.similarity = similarity;
            this.sortedKeys = keys.clone();
            Arrays.sort(sortedKeys);
            this.sortedSimilarity = new float[keys.length];
            for (int i = 0; i < keys.length; i++) {
                sortedSimilarity[Arrays.binarySearch(sortedKeys, keys[i])] = similarity[i];
            }
        }

        public long occurrences() {
            return occurrences;
        }

        /** Neighbour keys, most similar first (do not modify). */
        public long[] keys() {
            return keys;
        }

        /** Their similarities (do not modify). */
        public float[] similarity() {
            return similarity;
        }

        /** Number of neighbours. */
        public int size() {
            return keys.length;
        }

        /** The similarity of {@code key} if it is on the list, else 0. */
        public float similarityTo(long key) {
            int i = Arrays.binarySearch(sortedKeys, key);
            return i >= 0 ? sortedSimilarity[i] : 0f;
        }
    }

    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();

    /** Replaces {@code itemKey}'s list. */
    public void put(long itemKey, Entry entry) {
        entries.put(itemKey, entry);
    }

    public void remove(long itemKey) {
        entries.remove(itemKey);
    }

    /** {@code itemKey}'s list, or null when none was published. */
    public Entry get(long itemKey) {
        return entries.get(itemKey);
    }

    /** The occurrence count published with {@code itemKey}'s list, or -1 when none was published. */
    public long occurrences(long itemKey) {
        Entry e = entries.get(itemKey);
        return e == null ? -1 : e.occurrences();
    }

    /** Items with a published list. */
    public int size() {
        return entries.size();
    }

    @Override
    public int neighbours(long itemKey, int max, long[] keys, float[] similarity) {
        Entry e = entries.get(itemKey);
        if (e == null) {
            return 0;
        }
        int m = Math.min(max, e.size());
        System.arraycopy(e.keys(), 0, keys, 0, m);
        System.arraycopy(e.similarity(), 0, similarity, 0, m);
        return m;
    }

    @Override
    public float similarity(long a, long b) {
        Entry e = entries.get(a);
        return e == null ? 0f : e.similarityTo(b);
    }
}
