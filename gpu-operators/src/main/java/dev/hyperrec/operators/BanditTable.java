package dev.hyperrec.operators;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Bandit counts per (context segment, item key): impressions and clicks, from which Thompson
 * sampling's Beta posterior is {@code alpha = 1 + clicks}, {@code beta = 1 + max(0, impressions -
 * clicks)} (uniform Beta(1, 1) prior; Chapelle &amp; Li 2011). Clicks may exceed impressions when an
 * impression was lost; beta is then clamped at 1.
 *
 * <p>A host structure (no device state): an open-addressing hash index over dense entry arrays,
 * no boxing. Entries changed since the last {@link #clearDirty()} are tracked so that the owner
 * writes back only those; {@link #forEachDirty} and {@link #forEach} visit entries sorted by segment,
 * then item key (signed), so write-backs are deterministic. {@link #put} (restore) does not mark
 * entries dirty. Entries are never removed: an entry keeps its index ({@link #segmentAt} and the
 * other accessors by index) and its counts never decrease, except through {@link #put}.
 *
 * <p>Thread affinity: confined to the owning task thread.
 */
public final class BanditTable {
    private static final int MAX_ENTRIES = 1 << 29;

    /** Receives one entry. */
    @FunctionalInterface
    public interface EntryConsumer {
        void accept(int segment, long itemKey, long impressions, long clicks);
    }

    private int[] segments;
    private long[] keys;
    private long[] impressions;
    private long[] clicks;
    private int size;
    private int[] table; // entry index + 1, 0 = empty
    private int mask;
    private final BitSet dirty = new BitSet();

    public BanditTable() {
        this(64);
    }

    public BanditTable(int initialCapacity) {
        if (initialCapacity <= 0 || initialCapacity > MAX_ENTRIES) {
            throw new OperatorException("initialCapacity must be in [1, " + MAX_ENTRIES + "], was " + initialCapacity);
        }
        segments = new int[initialCapacity];
        keys = new long[initialCapacity];
        impressions = new long[initialCapacity];
        clicks = new long[initialCapacity];
        int cap = 16;
        while (cap < 2 * initialCapacity) {
            cap <<= 1;
        }
        table = new int[cap];
        mask = cap - 1;
    }

    /** Counts one impression of {@code itemKey} in {@code segment}. */
    public void recordImpression(int segment, long itemKey) {
        int e = findOrInsert(segment, itemKey);
        impressions[e]++;
        dirty.set(e);
    }

    /** Counts one click on {@code itemKey} in {@code segment}. */
    public void recordClick(int segment, long itemKey) {
        int e = findOrInsert(segment, itemKey);
        clicks[e]++;
        dirty.set(e);
    }

    /**
     * Adds counts (e.g. another task's published deltas) and marks the entry dirty.
     *
     * @throws OperatorException when a delta is negative
     */
    public void add(int segment, long itemKey, long impressionsDelta, long clicksDelta) {
        if (impressionsDelta < 0 || clicksDelta < 0) {
            throw new OperatorException("deltas must be >= 0, were impressions=" + impressionsDelta + ", clicks=" + clicksDelta);
        }
        int e = findOrInsert(segment, itemKey);
        impressions[e] = Math.addExact(impressions[e], impressionsDelta);
        clicks[e] = Math.addExact(clicks[e], clicksDelta);
        dirty.set(e);
    }

    /**
     * Sets an entry's counts, as read back from the store on restore; does not mark it dirty.
     *
     * @throws OperatorException when a count is negative
     */
    public void put(int segment, long itemKey, long impressions, long clicks) {
        if (impressions < 0 || clicks < 0) {
            throw new OperatorException("counts must be >= 0, were impressions=" + impressions + ", clicks=" + clicks);
        }
        int e = findOrInsert(segment, itemKey);
        this.impressions[e] = impressions;
        this.clicks[e] = clicks;
    }

    /** Impressions of the entry, 0 when absent. */
    public long impressions(int segment, long itemKey) {
        int e = find(segment, itemKey);
        return e < 0 ? 0 : impressions[e];
    }

    /** Clicks of the entry, 0 when absent. */
    public long clicks(int segment, long itemKey) {
        int e = find(segment, itemKey);
        return e < 0 ? 0 : clicks[e];
    }

    /** {@code 1 + clicks}. */
    public double alpha(int segment, long itemKey) {
        int e = find(segment, itemKey);
        return e < 0 ? 1.0 : alphaOf(e);
    }

    /** {@code 1 + max(0, impressions - clicks)}. */
    public double beta(int segment, long itemKey) {
        int e = find(segment, itemKey);
        return e < 0 ? 1.0 : betaOf(e);
    }

    /**
     * Writes the Beta parameters of {@code keys[i]} in {@code segment} to {@code alpha[i]} and
     * {@code beta[i]} for {@code i < n}; unseen items get the prior (1, 1).
     */
    public void fill(int segment, long[] keys, int n, double[] alpha, double[] beta) {
        if (n < 0 || n > keys.length || n > alpha.length || n > beta.length) {
            throw new OperatorException("n = " + n + " is negative or exceeds an array (keys " + keys.length
                    + ", alpha " + alpha.length + ", beta " + beta.length + ")");
        }
        for (int i = 0; i < n; i++) {
            int e = find(segment, keys[i]);
            alpha[i] = e < 0 ? 1.0 : alphaOf(e);
            beta[i] = e < 0 ? 1.0 : betaOf(e);
        }
    }

    /** Number of (segment, item) entries. */
    public int size() {
        return size;
    }

    /** The segment of entry {@code e} ({@code 0 <= e < size()}): entries keep their index for the table's life. */
    public int segmentAt(int e) {
        return segments[checkEntry(e)];
    }

    /** The item key of entry {@code e}. */
    public long keyAt(int e) {
        return keys[checkEntry(e)];
    }

    /** The impressions of entry {@code e}. */
    public long impressionsAt(int e) {
        return impressions[checkEntry(e)];
    }

    /** The clicks of entry {@code e}. */
    public long clicksAt(int e) {
        return clicks[checkEntry(e)];
    }

    private int checkEntry(int e) {
        if (e < 0 || e >= size) {
            throw new OperatorException("entry " + e + " is outside [0, " + size + ")");
        }
        return e;
    }

    public int dirtyCount() {
        return dirty.cardinality();
    }

    /** Visits the entries changed since the last {@link #clearDirty()}, sorted by segment then item key. */
    public void forEachDirty(EntryConsumer action) {
        int[] order = new int[dirty.cardinality()];
        int m = 0;
        for (int e = dirty.nextSetBit(0); e >= 0; e = dirty.nextSetBit(e + 1)) {
            order[m++] = e;
        }
        visitSorted(order, action);
    }

    /** Visits every entry, sorted by segment then item key. */
    public void forEach(EntryConsumer action) {
        int[] order = new int[size];
        for (int e = 0; e < size; e++) {
            order[e] = e;
        }
        visitSorted(order, action);
    }

    public void clearDirty() {
        dirty.clear();
    }

    private double alphaOf(int e) {
        return 1.0 + clicks[e];
    }

    private double betaOf(int e) {
        return 1.0 + Math.max(0L, impressions[e] - clicks[e]);
    }

    private void visitSorted(int[] order, EntryConsumer action) {
        sortEntries(order);
        for (int e : order) {
            action.accept(segments[e], keys[e], impressions[e], clicks[e]);
        }
    }

    private void sortEntries(int[] order) {
        // Bottom-up merge sort on entry indices (stable, no boxing).
        int n = order.length;
        int[] src = order;
        int[] dst = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int o = lo;
                while (i < mid && j < hi) {
                    dst[o++] = compare(src[j], src[i]) < 0 ? src[j++] : src[i++];
                }
                while (i < mid) {
                    dst[o++] = src[i++];
                }
                while (j < hi) {
                    dst[o++] = src[j++];
                }
            }
            int[] t = src;
            src = dst;
            dst = t;
        }
        if (src != order) {
            System.arraycopy(src, 0, order, 0, n);
        }
    }

    private int compare(int a, int b) {
        int c = Integer.compare(segments[a], segments[b]);
        return c != 0 ? c : Long.compare(keys[a], keys[b]);
    }

    private static int hash(int segment, long itemKey) {
        return (int) ItemKeys.mix64(itemKey ^ (segment * 0x9E3779B97F4A7C15L));
    }

    private int find(int segment, long itemKey) {
        int i = hash(segment, itemKey) & mask;
        while (true) {
            int slot = table[i];
            if (slot == 0) {
                return -1;
            }
            int e = slot - 1;
            if (keys[e] == itemKey && segments[e] == segment) {
                return e;
            }
            i = (i + 1) & mask;
        }
    }

    private int findOrInsert(int segment, long itemKey) {
        int i = hash(segment, itemKey) & mask;
        while (true) {
            int slot = table[i];
            if (slot == 0) {
                break;
            }
            int e = slot - 1;
            if (keys[e] == itemKey && segments[e] == segment) {
                return e;
            }
            i = (i + 1) & mask;
        }
        if (size == MAX_ENTRIES) {
            throw new OperatorException("bandit table is full: " + MAX_ENTRIES + " entries");
        }
        if (size == keys.length) {
            int cap = (int) Math.min(MAX_ENTRIES, 2L * keys.length);
            segments = Arrays.copyOf(segments, cap);
            keys = Arrays.copyOf(keys, cap);
            impressions = Arrays.copyOf(impressions, cap);
            clicks = Arrays.copyOf(clicks, cap);
        }
        int e = size++;
        segments[e] = segment;
        keys[e] = itemKey;
        if (2L * size > table.length) {
            rehash(table.length * 2);
        } else {
            table[i] = e + 1;
        }
        return e;
    }

    private void rehash(int cap) {
        table = new int[cap];
        mask = cap - 1;
        for (int e = 0; e < size; e++) {
            int i = hash(segments[e], keys[e]) & mask;
            while (table[i] != 0) {
                i = (i + 1) & mask;
            }
            table[i] = e + 1;
        }
    }
}
