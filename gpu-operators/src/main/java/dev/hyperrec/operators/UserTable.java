package dev.hyperrec.operators;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * One task's user embeddings: dense rows indexed by a per-task dictionary (user id → dense index,
 * assigned in first-seen order, so the same input gives the same indices). Rows changed since the
 * last {@link #clearDirty()} are tracked so that the owner writes back only those (once per commit,
 * not per event).
 *
 * <p>Storage is paged ({@value #PAGE_ROWS} rows a page), so a table can hold more than 2^31 floats
 * (10M users × 384 dims is 3.84G floats). Read a row in place through {@link #page(int)} and
 * {@link #offset(int)}, or copy it with {@link #copyRow}.
 *
 * <p><b>Device tier.</b> A device backend may {@linkplain #attach attach} a {@link DeviceTier}: a copy
 * of the rows in device memory that its operators update in place. The table then keeps both sides
 * coherent per row: rows written on the host since the tier last read them ({@link #forEachHostNewer})
 * are uploaded by the tier before its next kernel (new users are promoted in batches that way), and
 * rows the device wrote ({@link #markDeviceNewer}) are pulled back in one transfer the first time the
 * host reads any row ({@link #page}, {@link #copyRow}), writes a row ({@link #setRow}) or is asked to
 * ({@link #syncToHost()}). So the host side is always what a reader sees, and a batch's rows cross the
 * bus at most once per host read, not once per event.
 *
 * <p>Thread affinity: confined to the owning task thread (the tier's calls run on it too).
 */
public final class UserTable {
    /** Rows per storage page. */
    public static final int PAGE_ROWS = 4096;
    private static final int PAGE_SHIFT = 12;
    private static final int PAGE_MASK = PAGE_ROWS - 1;
    /** Rows per {@link DeviceTier#pull} call: a failed pull leaves whole chunks device-newer. */
    public static final int PULL_CHUNK = 8_192;

    /** What to do when a pull from the device tier fails (installed by a backend with a safety net). */
    public interface PullFailureHandler {
        /**
         * Called with the failure while {@link #deviceNewerRows()} still lists the rows whose host
         * values are stale; must leave the table with no tier and correct host rows, or throw.
         */
        void pullFailed(UserTable table, RuntimeException failure);
    }

    /**
     * A device-side copy of a table's rows, kept by a device backend (see the class comment).
     * Implementations are called on the table's thread.
     */
    public interface DeviceTier {
        /**
         * Copies the device's values of {@code rows[from..from+n)} (ascending, at most
         * {@link UserTable#PULL_CHUNK}) into the table's host storage ({@link UserTable#hostPage} at
         * {@link UserTable#offset}). On failure those rows stay device-newer.
         */
        void pull(UserTable table, int[] rows, int from, int n);

        /** The table no longer uses this tier (a new tier was attached or the copy was discarded). */
        default void detached(UserTable table) {
        }
    }

    private final int dim;
    private final Map<String, Integer> indexById = new HashMap<>();
    private float[][] pages = new float[1][];
    private String[] ids;
    private int size;
    private final BitSet dirty = new BitSet();
    private DeviceTier tier;
    private final BitSet hostNewer = new BitSet();
    private final BitSet deviceNewer = new BitSet();
    private int[] pullRows = new int[0];
    private PullFailureHandler pullFailureHandler;

    public UserTable(int dim, int initialCapacity) {
        if (dim <= 0 || dim > 65_536) {
            throw new OperatorException("dim must be in [1, 65536], was " + dim);
        }
        if (initialCapacity <= 0) {
            throw new OperatorException("initialCapacity must be > 0, was " + initialCapacity);
        }
        this.dim = dim;
        pages[0] = new float[Math.multiplyExact(dim, Math.min(PAGE_ROWS, initialCapacity))];
        ids = new String[Math.min(initialCapacity, 1 << 20)];
    }

    public int dim() {
        return dim;
    }

    public int size() {
        return size;
    }

    /** Dense index of a user, or -1 if the user has no row yet. */
    public int indexOf(String userId) {
        Integer idx = indexById.get(userId);
        return idx == null ? -1 : idx;
    }

    /** Dense index of a user, adding a zero row when new. */
    public int indexOrAdd(String userId) {
        Integer idx = indexById.get(userId);
        if (idx != null) {
            return idx;
        }
        if (size == Integer.MAX_VALUE - 8) {
            throw new OperatorException("user table capacity exhausted: " + size + " users");
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, (int) Math.min(Integer.MAX_VALUE - 8L, (long) ids.length * 2));
        }
        int i = size++;
        ensureRow(i);
        ids[i] = userId;
        indexById.put(userId, i);
        if (tier != null) {
            hostNewer.set(i);
        }
        return i;
    }

    private void ensureRow(int row) {
        int p = row >>> PAGE_SHIFT;
        if (p >= pages.length) {
            pages = Arrays.copyOf(pages, Math.max(p + 1, pages.length * 2));
        }
        int need = ((row & PAGE_MASK) + 1) * dim;
        float[] page = pages[p];
        if (page == null) {
            pages[p] = new float[PAGE_ROWS * dim];
        } else if (page.length < need) {
            pages[p] = Arrays.copyOf(page, Math.min(PAGE_ROWS, Math.max(need / dim, page.length / dim * 2)) * dim);
        }
    }

    public String idAt(int index) {
        checkIndex(index);
        return ids[index];
    }

    public void copyRow(int index, float[] out, int off) {
        checkIndex(index);
        syncToHost();
        System.arraycopy(pages[index >>> PAGE_SHIFT], (index & PAGE_MASK) * dim, out, off, dim);
    }

    public void setRow(int index, float[] row) {
        checkIndex(index);
        if (row.length != dim) {
            throw new OperatorException("row has dimension " + row.length + ", table expects " + dim);
        }
        syncToHost();
        System.arraycopy(row, 0, pages[index >>> PAGE_SHIFT], (index & PAGE_MASK) * dim, dim);
        markDirty(index);
    }

    /**
     * The storage page holding row {@code index}, up to date on the host; the row starts at
     * {@link #offset(int)}. Mark rows you write with {@link #markDirty}.
     */
    public float[] page(int index) {
        checkIndex(index);
        syncToHost();
        return pages[index >>> PAGE_SHIFT];
    }

    /** Offset of row {@code index} in its {@link #page(int)}. */
    public int offset(int index) {
        return (index & PAGE_MASK) * dim;
    }

    /** Records a host-side write of row {@code index}: dirty for the store, and newer than the device copy. */
    public void markDirty(int index) {
        dirty.set(index);
        if (tier != null) {
            hostNewer.set(index);
        }
    }

    public void forEachDirty(IntConsumer action) {
        for (int i = dirty.nextSetBit(0); i >= 0; i = dirty.nextSetBit(i + 1)) {
            action.accept(i);
        }
    }

    public int dirtyCount() {
        return dirty.cardinality();
    }

    public void clearDirty() {
        dirty.clear();
    }

    // ---- device tier (for device backends) ----

    /** The attached device tier, or null. */
    public DeviceTier tier() {
        return tier;
    }

    /**
     * Attaches a device tier; every existing row counts as host-newer (the tier uploads them before
     * its first kernel). A previously attached tier is synced to the host and detached first.
     */
    public void attach(DeviceTier newTier) {
        if (newTier == tier) {
            return;
        }
        syncToHost();
        DeviceTier old = tier;
        tier = newTier;
        hostNewer.clear();
        if (newTier != null && size > 0) {
            hostNewer.set(0, size);
        }
        if (old != null) {
            old.detached(this);
        }
    }

    /** Pulls every device-newer row back to the host (one transfer); a no-op when there are none. */
    public void syncToHost() {
        if (deviceNewer.isEmpty()) {
            return;
        }
        int n = deviceNewer.cardinality();
        if (pullRows.length < n) {
            pullRows = new int[Math.max(n, pullRows.length + (pullRows.length >> 1))];
        }
        int j = 0;
        for (int i = deviceNewer.nextSetBit(0); i >= 0; i = deviceNewer.nextSetBit(i + 1)) {
            pullRows[j++] = i;
        }
        for (int from = 0; from < n; from += PULL_CHUNK) {
            int m = Math.min(PULL_CHUNK, n - from);
            try {
                tier.pull(this, pullRows, from, m);
            } catch (RuntimeException e) {
                if (pullFailureHandler == null) {
                    throw e;
                }
                pullFailureHandler.pullFailed(this, e);
                if (tier != null || !deviceNewer.isEmpty()) {
                    throw new IllegalStateException("pull failure handler left the device tier in place", e);
                }
                return;
            }
            deviceNewer.clear(pullRows[from], pullRows[from + m - 1] + 1);
        }
    }

    /** Installs the handler for failed pulls (null: failures propagate to the reader). */
    public void onPullFailure(PullFailureHandler handler) {
        this.pullFailureHandler = handler;
    }

    /** A copy of the set of rows whose newest values are on the device only. */
    public BitSet deviceNewerRows() {
        return (BitSet) deviceNewer.clone();
    }

    /**
     * Drops the device copy without reading it back (the device failed): the tier is detached, and
     * rows that were device-newer keep their last host values; the caller must recompute them (e.g.
     * by replaying the batches applied since the last {@link #syncToHost()}).
     */
    public void discardDeviceCopy() {
        DeviceTier old = tier;
        tier = null;
        deviceNewer.clear();
        hostNewer.clear();
        if (old != null) {
            old.detached(this);
        }
    }

    /** True when some rows' newest values are on the device only. */
    public boolean hasDeviceNewerRows() {
        return !deviceNewer.isEmpty();
    }

    /** Rows whose newest value is on the device only. */
    public int deviceNewerCount() {
        return deviceNewer.cardinality();
    }

    /** Called by the tier after its kernel wrote row {@code index}: dirty for the store, newest on the device. */
    public void markDeviceNewer(int index) {
        checkIndex(index);
        dirty.set(index);
        deviceNewer.set(index);
    }

    /** Visits rows written on the host since the tier last read them (ascending). */
    public void forEachHostNewer(IntConsumer action) {
        for (int i = hostNewer.nextSetBit(0); i >= 0; i = hostNewer.nextSetBit(i + 1)) {
            action.accept(i);
        }
    }

    public int hostNewerCount() {
        return hostNewer.cardinality();
    }

    /** Called by the tier once it holds every host-newer row. */
    public void clearHostNewer() {
        hostNewer.clear();
    }

    /** The host storage page of row {@code index}, without syncing (for the tier's uploads and pulls). */
    public float[] hostPage(int index) {
        checkIndex(index);
        return pages[index >>> PAGE_SHIFT];
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new OperatorException("user index " + index + " out of range [0, " + size + ")");
        }
    }
}
