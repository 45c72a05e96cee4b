package dev.hyperrec.topology;

/** State store names (their changelogs are {@code <application.id>-<name>-changelog}). */
public final class StoreNames {
    /** Global store: itemId → the catalog record's raw bytes. */
    public static final String CATALOG = "catalog-store";
    /** userId → the user's embedding (float32 little-endian). */
    public static final String USER_VECTORS = "user-vectors";
    /** userId → the user's dense index within the task (the id dictionary). */
    public static final String ID_DICTIONARY = "id-dictionary";
    /** userId → the user's seen item keys and most recent positive items. */
    public static final String SEEN_SETS = "seen-sets";
    /** (segment, item key) → impressions and clicks of the Thompson-sampling bandit. */
    public static final String BANDIT = "bandit-params";
    /** Count-Min counters, one entry per cell (only changed cells are written back). */
    public static final String SKETCH_COUNTERS = "sketch-counters";
    /** Count-Min dimensions, N, epoch and heavy hitters; popular-item cache state; the task's event sequence. */
    public static final String SKETCH = "sketch-state";
    /** Accepted events not yet applied (the open batch), so a commit never loses them. */
    public static final String BATCH_BUFFER = "batch-buffer";
    /** userId → the user's last {@code hyperrec.neighbours.window} positive item keys, oldest first. */
    public static final String COOCCURRENCE_WINDOWS = "cooccurrence-windows";
    /**
     * Per {@code item-cooccurrence} partition, as of the last checkpoint: item key (8 bytes) → occurrence count, item
     * key + chunk (11 bytes) → a chunk of the item's co-occurrence counts ({@code internal.CoOccurrenceCounts}).
     */
    public static final String COOCCURRENCE_COUNTS = "cooccurrence-counts";
    /**
     * Per {@code item-cooccurrence} partition: the offset of the last record read and the first offset the checkpointed
     * counts do not include (the aggregator reads the records between the two again after a restart).
     */
    public static final String COOCCURRENCE_PROGRESS = "cooccurrence-progress";
    /** Per {@code item-cooccurrence} partition: items whose neighbour list is due at the next publication. */
    public static final String NEIGHBOURS_CHANGED = "neighbours-changed";
    /** Global store: item key (8 bytes) → the item's published neighbour list. */
    public static final String NEIGHBOURS = "item-neighbours-store";

    private StoreNames() {
    }
}
