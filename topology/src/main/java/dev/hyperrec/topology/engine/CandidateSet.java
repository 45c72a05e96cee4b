package dev.hyperrec.topology.engine;

import java.util.Arrays;

/**
 * The candidates of one list, deduplicated by item index, with the sources that proposed each and
 * its personal score when the scorer already computed it (NaN otherwise). Reused across lists:
 * clearing costs the number of candidates, not the catalog size.
 */
final class CandidateSet {
    static final int PERSONAL = 1;
    static final int SIMILAR = 2;
    static final int POPULAR = 4;

    private int[] slotOf = new int[0];
    private int[] indices = new int[64];
    private int[] sources = new int[64];
    private float[] personal = new float[64];
    private int size;

    /** Empties the set; {@code catalogSize} bounds the item indices that will be added. */
    void clear(int catalogSize) {
        for (int i = 0; i < size; i++) {
            if (indices[i] < slotOf.length) {
                slotOf[indices[i]] = -1;
            }
        }
        size = 0;
        if (slotOf.length < catalogSize) {
            int old = slotOf.length;
            slotOf = Arrays.copyOf(slotOf, Math.max(catalogSize, old * 2));
            Arrays.fill(slotOf, old, slotOf.length, -1);
        }
    }

    void add(int index, int source, float personalScore) {
        int slot = slotOf[index];
        if (slot >= 0) {
            sources[slot] |= source;
            if (!Float.isNaN(personalScore)) {
                personal[slot] = personalScore;
            }
            return;
        }
        if (size == indices.length) {
            indices = Arrays.copyOf(indices, size * 2);
            sources = Arrays.copyOf(sources, size * 2);
            personal = Arrays.copyOf(personal, size * 2);
        }
        slotOf[index] = size;
        indices[size] = index;
        sources[size] = source;
        personal[size] = personalScore;
        size++;
    }

    int size() {
        return size;
    }

    /**
     * The slot of item {@code index} in this list's candidates, or -1 when it is not one ({@code index} below the
     * catalog size given to {@link #clear}).
     */
    int slotOf(int index) {
        return slotOf[index];
    }

    int[] indices() {
        return indices;
    }

    int[] sources() {
        return sources;
    }

    float[] personal() {
        return personal;
    }
}
