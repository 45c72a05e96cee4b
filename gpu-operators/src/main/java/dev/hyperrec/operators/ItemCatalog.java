package dev.hyperrec.operators;

import dev.hyperrec.operators.internal.LongIntHashMap;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The host-side item catalog: a dense, row-major {@code float} matrix of item embeddings with a
 * string-id dictionary. It is the source of truth from which device copies are mirrored (a
 * backend compares {@link #version()} to decide what to re-upload).
 *
 * <p>Indices are stable for the life of the object: an item keeps its index when it is updated,
 * deleted ({@link #remove}) and re-added. Thread safety: written by one thread (the Kafka Streams
 * global thread), read by many (task threads); readers that touch {@link #rawEmbeddings()} must
 * hold {@link #readLock()}.
 */
public final class ItemCatalog {
    private final int dim;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, Integer> indexById = new HashMap<>();
    /** Key to index without boxing: the stream threads look up every seen and candidate key, thousands per list. */
    private final LongIntHashMap indexByKey = new LongIntHashMap(1024);
    private float[] embeddings;
    private String[] ids;
    private long[] keys;
    private boolean[] active;
    private long[] rowVersions;
    private int size;
    private int activeCount;
    private volatile long version;
    private final Reader reader = new Reader();

    public ItemCatalog(int dim, int initialCapacity) {
        if (dim <= 0 || dim > 65_536) {
            throw new OperatorException("dim must be in [1, 65536], was " + dim);
        }
        if (initialCapacity <= 0) {
            throw new OperatorException("initialCapacity must be > 0, was " + initialCapacity);
        }
        this.dim = dim;
        long floats = (long) dim * initialCapacity;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new OperatorException("catalog of " + initialCapacity + " x " + dim + " floats exceeds one Java array");
        }
        embeddings = new float[(int) floats];
        ids = new String[initialCapacity];
        keys = new long[initialCapacity];
        active = new boolean[initialCapacity];
        rowVersions = new long[initialCapacity];
    }

    public int dim() {
        return dim;
    }

    /**
     * Inserts or replaces an item's embedding.
     *
     * @return the item's dense index
     * @throws OperatorException when the dimension differs or a component is NaN or infinite
     */
    public int upsert(String itemId, float[] embedding) {
        if (embedding.length != dim) {
            throw new OperatorException("item " + itemId + " has dimension " + embedding.length + ", catalog expects " + dim);
        }
        for (float v : embedding) {
            if (!Float.isFinite(v)) {
                throw new OperatorException("item " + itemId + " has a non-finite embedding component: " + v);
            }
        }
        lock.writeLock().lock();
        try {
            Integer existing = indexById.get(itemId);
            int idx;
            if (existing != null) {
                idx = existing;
            } else {
                long key = ItemKeys.hash64(itemId);
                int clash = indexByKey.get(key, -1);
                if (clash >= 0) {
                    throw new OperatorException("item ids '" + itemId + "' and '" + ids[clash]
                            + "' share the 64-bit key " + key + "; rename one");
                }
                idx = size;
                ensureCapacity(size + 1);
                ids[idx] = itemId;
                keys[idx] = ItemKeys.hash64(itemId);
                indexById.put(itemId, idx);
                indexByKey.put(keys[idx], idx);
                size++;
            }
            System.arraycopy(embedding, 0, embeddings, idx * dim, dim);
            if (!active[idx]) {
                active[idx] = true;
                activeCount++;
            }
            version++;
            rowVersions[idx] = version;
            return idx;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Marks an item inactive (a catalog tombstone); its index stays reserved. */
    public boolean remove(String itemId) {
        lock.writeLock().lock();
        try {
            Integer idx = indexById.get(itemId);
            if (idx == null || !active[idx]) {
                return false;
            }
            active[idx] = false;
            activeCount--;
            version++;
            rowVersions[idx] = version;
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Dense index of an active item, or -1. */
    public int indexOf(String itemId) {
        lock.readLock().lock();
        try {
            Integer idx = indexById.get(itemId);
            return idx != null && active[idx] ? idx : -1;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Dense index of an active item by its 64-bit key ({@link ItemKeys#hash64}), or -1. */
    public int indexOfKey(long key) {
        lock.readLock().lock();
        try {
            return reader.indexOfKey(key);
        } finally {
            lock.readLock().unlock();
        }
    }

    public String idAt(int index) {
        lock.readLock().lock();
        try {
            return reader.idAt(index);
        } finally {
            lock.readLock().unlock();
        }
    }

    public long keyAt(int index) {
        lock.readLock().lock();
        try {
            return reader.keyAt(index);
        } finally {
            lock.readLock().unlock();
        }
    }

    public boolean isActive(int index) {
        lock.readLock().lock();
        try {
            return reader.isActive(index);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Number of slots in use (active and deleted); indices are in {@code [0, size())}. */
    public int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    public int activeCount() {
        lock.readLock().lock();
        try {
            return activeCount;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Incremented on every change; lets device mirrors detect staleness. */
    public long version() {
        return version;
    }

    /** Copies item {@code index}'s embedding into {@code out[off..off+dim)}. */
    public void copyEmbedding(int index, float[] out, int off) {
        lock.readLock().lock();
        try {
            reader.copyEmbedding(index, out, off);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The backing row-major matrix, valid for rows {@code [0, size())}; hold {@link #readLock()}. */
    public float[] rawEmbeddings() {
        return embeddings;
    }

    /** The backing activity flags, valid for {@code [0, size())}; hold {@link #readLock()}. */
    public boolean[] rawActive() {
        return active;
    }

    /**
     * The {@link #version()} at which each row last changed (upsert or remove), valid for
     * {@code [0, size())}; hold {@link #readLock()}. A device mirror synced at version {@code v}
     * re-uploads only the rows whose entry exceeds {@code v}.
     */
    public long[] rawRowVersions() {
        return rowVersions;
    }

    public java.util.concurrent.locks.Lock readLock() {
        return lock.readLock();
    }

    /**
     * The accessors without their lock, for a caller that already holds {@link #readLock()} for many lookups:
     * each locked accessor is a compare-and-set on the lock's shared state, and task threads ranking lists
     * call them for every candidate (on 8 threads at 1M users this lock took a third of their samples).
     */
    public Reader reader() {
        return reader;
    }

    /** Runs {@code body} with the read lock held once, handing it the lock-free {@link #reader()}. */
    public <T> T read(java.util.function.Function<Reader, T> body) {
        lock.readLock().lock();
        try {
            return body.apply(reader);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The catalog's lookups for a caller holding {@link #readLock()} (see {@link #reader()}). */
    public final class Reader {
        private Reader() {
        }

        /** Number of slots in use (active and deleted). */
        public int size() {
            return size;
        }

        /** Dense index of an active item by its 64-bit key, or -1. */
        public int indexOfKey(long key) {
            int idx = indexByKey.get(key, -1);
            return idx >= 0 && active[idx] ? idx : -1;
        }

        /**
         * The index {@code key} was given when its item was first added, whether the item is active now or not, or -1
         * when no item with this key was ever added. Such an index never changes (see the class comment), and a -1
         * holds until {@link #size()} changes; {@link #indexOfKey} is this index when {@link #isActive} holds, else -1.
         */
        public int slotOfKey(long key) {
            return indexByKey.get(key, -1);
        }

        public String idAt(int index) {
            checkIndex(index);
            return ids[index];
        }

        public long keyAt(int index) {
            checkIndex(index);
            return keys[index];
        }

        public boolean isActive(int index) {
            return index >= 0 && index < size && active[index];
        }

        /** The backing row-major matrix (item {@code i} at {@code i * dim}), valid for rows {@code [0, size())} while the lock is held. */
        public float[] rawEmbeddings() {
            return embeddings;
        }

        /** Copies item {@code index}'s embedding into {@code out[off..off+dim)}. */
        public void copyEmbedding(int index, float[] out, int off) {
            checkIndex(index);
            System.arraycopy(embeddings, index * dim, out, off, dim);
        }
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new OperatorException("item index " + index + " out of range [0, " + size + ")");
        }
    }

    private void ensureCapacity(int needed) {
        if (needed <= ids.length) {
            return;
        }
        long cap = Math.max(needed, (long) ids.length * 2);
        if (cap * dim > Integer.MAX_VALUE - 8) {
            cap = (Integer.MAX_VALUE - 8) / dim;
            if (cap < needed) {
                throw new OperatorException("catalog capacity exhausted: " + needed + " items x " + dim + " dims");
            }
        }
        embeddings = Arrays.copyOf(embeddings, (int) (cap * dim));
        ids = Arrays.copyOf(ids, (int) cap);
        keys = Arrays.copyOf(keys, (int) cap);
        active = Arrays.copyOf(active, (int) cap);
        rowVersions = Arrays.copyOf(rowVersions, (int) cap);
    }
}
