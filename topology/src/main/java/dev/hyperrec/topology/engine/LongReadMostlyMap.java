package dev.hyperrec.topology.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A map from {@code long} keys to values for many lock-free readers and rare writers (writes are serialized on the
 * map): open addressing with linear probing over a primitive key array, so a read is a probe of {@code long}s and one
 * value load, where a {@code ConcurrentHashMap<Long, V>} follows a bin, a node and a boxed key (three dependent cache
 * misses in a large map; the neighbour lists' lookups were 4.3% of the lists' stream threads on the H100 at 1M users,
 * docs/benchmarks.md, session 31).
 *
 * <p>Publication: a writer claims an empty slot by writing its key, then the value with release semantics; a reader
 * loads the value with acquire semantics before it reads the key, so a slot it finds non-empty has its key. A slot's key
 * is written once per table: a removed entry leaves a tombstone that only a rebuild clears, so a reader never pairs a
 * key with another key's value. A rebuild (at half full, tombstones counted) copies the live entries into a new table
 * and publishes it through a volatile field. A read sees, for each key, a value the map held at some moment during the
 * read or just before it (a reader on the table a rebuild has just replaced may miss a write made to the new one since),
 * which is what a table that its writer updates while threads rank needs. Null values are not allowed.
 */
final class LongReadMostlyMap<V> {
    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final Object TOMBSTONE = new Object();
    private static final int MIN_CAPACITY = 16;

    private static final class Table {
        final long[] keys;
        final Object[] values;
        final int mask;
        /** Slots holding a value or a tombstone (written under the map's lock). */
        int used;

        Table(int capacity) {
            keys = new long[capacity];
            values = new Object[capacity];
            mask = capacity - 1;
        }
    }

    private volatile Table table = new Table(MIN_CAPACITY);
    private volatile int size;

    /** {@code key}'s value, or null. */
    @SuppressWarnings("unchecked")
    V get(long key) {
        Table t = table;
        for (int i = slot(key, t.mask); ; i = (i + 1) & t.mask) {
            Object v = VALUES.getAcquire(t.values, i);
            if (v == null) {
                return null;
            }
            if (t.keys[i] == key) {
                return v == TOMBSTONE ? null : (V) v;
            }
        }
    }

    /** Maps {@code key} to {@code value} (not null), replacing any value it had. */
    synchronized void put(long key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        Table t = table;
        int i = find(t, key);
        if (i >= 0) {
            if (VALUES.get(t.values, i) == TOMBSTONE) {
                size++;
            }
            VALUES.setRelease(t.values, i, value);
            return;
        }
        if (2 * (t.used + 1) > t.keys.length) {
            t = rebuild(t);
        }
        for (i = slot(key, t.mask); VALUES.get(t.values, i) != null; i = (i + 1) & t.mask) {
            // an empty slot ends the probe: find() saw none holding the key
        }
        t.keys[i] = key;
        VALUES.setRelease(t.values, i, value);
        t.used++;
        size++;
    }

    /** Removes {@code key}'s value, if any. */
    synchronized void remove(long key) {
        Table t = table;
        int i = find(t, key);
        if (i >= 0 && VALUES.get(t.values, i) != TOMBSTONE) {
            VALUES.setRelease(t.values, i, TOMBSTONE);
            size--;
        }
    }

    /** Keys with a value. */
    int size() {
        return size;
    }

    /** The slot holding {@code key} (a value or its tombstone), or -1. */
    private static int find(Table t, long key) {
        for (int i = slot(key, t.mask); ; i = (i + 1) & t.mask) {
            Object v = VALUES.get(t.values, i);
            if (v == null) {
                return -1;
            }
            if (t.keys[i] == key) {
                return i;
            }
        }
    }

    /** A table with the live entries of {@code t}, at most a quarter full, published to readers. */
    private Table rebuild(Table t) {
        int capacity = MIN_CAPACITY;
        while (capacity < 4L * (size + 1)) {
            capacity <<= 1;
        }
        Table n = new Table(capacity);
        for (int i = 0; i < t.keys.length; i++) {
            Object v = VALUES.get(t.values, i);
            if (v != null && v != TOMBSTONE) {
                int j = slot(t.keys[i], n.mask);
                while (n.values[j] != null) {
                    j = (j + 1) & n.mask;
                }
                n.keys[j] = t.keys[i];
                n.values[j] = v;
                n.used++;
            }
        }
        table = n; // the volatile write publishes the filled arrays
        return n;
    }

    /** A well-mixed slot for {@code key} (the murmur3 finalizer: item keys are hashes already, but need not be). */
    private static int slot(long key, int mask) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h & mask;
    }
}
