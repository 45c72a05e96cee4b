package dev.hyperrec.topology.engine;

import dev.hyperrec.operators.ItemCatalog;
import java.util.Arrays;

/**
 * The published neighbour lists of the streaming item-to-item model ({@link CoOccurrenceCosine}),
 * one per item, as the {@code item-neighbours} topic last delivered them: the {@link ItemNeighbours}
 * every task attaches to its engine. Written by the Streams global thread, read by the stream threads
 * (an entry is replaced whole, never changed in place) without locks ({@link LongReadMostlyMap}).
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
        /** The keys' catalog slots as last resolved ({@link #catalogSlots}); replaced whole, never changed in place. */
        private volatile Slots slots;

        /**
         * The slots of {@link #keys} in one catalog ({@link ItemCatalog.Reader#slotOfKey}), resolved at catalog size
         * {@code size}: a slot is the item's index for the catalog's life, and a -1 (a key never in the catalog) holds
         * until the size changes.
         */
        private record Slots(ItemCatalog.Reader catalog, int size, boolean complete, int[] slot) {
        }

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

        /**
         * Each neighbour's catalog slot ({@link ItemCatalog.Reader#slotOfKey}: its index whether active or not, -1 when
         * not in the catalog), in list order (do not modify). Resolved once and shared by every thread that ranks with
         * this list, and again only when the catalog was added to since and a key was missing, or for another catalog.
         * Call with the catalog's read lock held ({@code catalog} is its reader).
         */
        public int[] catalogSlots(ItemCatalog.Reader catalog) {
            Slots s = slots;
            if (s != null && s.catalog == catalog && (s.complete || s.size == catalog.size())) {
                return s.slot;
            }
            int[] slot = new int[keys.length];
            boolean complete = true;
            for (int i = 0; i < keys.length; i++) {
                slot[i] = catalog.slotOfKey(keys[i]);
                complete &= slot[i] >= 0;
            }
            slots = new Slots(catalog, catalog.size(), complete, slot);
            return slot;
        }

        /** The similarity of {@code key} if it is on the list, else 0. */
        public float similarityTo(long key) {
            int i = Arrays.binarySearch(sortedKeys, key);
            return i >= 0 ? sortedSimilarity[i] : 0f;
        }
    }

    private final LongReadMostlyMap<Entry> entries = new LongReadMostlyMap<>();

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
    public Entry list(long itemKey) {
        return entries.get(itemKey);
    }
}
