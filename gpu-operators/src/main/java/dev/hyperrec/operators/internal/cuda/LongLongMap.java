package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.ItemKeys;
import java.util.Arrays;

/**
 * A reusable open-addressing {@code long -> long} map (linear probing, no deletion, no boxing) for the
 * sketch's per-batch counter overlay. {@link #clear()} costs O(entries), not O(capacity). Not thread-safe.
 */
final class LongLongMap {
    private long[] keys;
    private long[] values;
    private int[] stamp;   // slot is live when stamp == epoch
    private int epoch = 1;
    private int mask;
    private int size;

    LongLongMap(int expected) {
        allocate(capacityFor(expected));
    }

    private static int capacityFor(int expected) {
        int cap = 16;
        while (cap < 2L * expected && cap < (1 << 30)) {
            cap <<= 1;
        }
        return cap;
    }

    private void allocate(int cap) {
        keys = new long[cap];
        values = new long[cap];
        stamp = new int[cap];
        mask = cap - 1;
        size = 0;
    }

    /** Empties the map and makes room for {@code expected} entries. */
    void clear(int expected) {
        int cap = capacityFor(expected);
        if (cap > keys.length) {
            allocate(cap);
            epoch = 1;
            return;
        }
        size = 0;
        if (++epoch == Integer.MAX_VALUE) {
            Arrays.fill(stamp, 0);
            epoch = 1;
        }
    }

    private int slot(long key) {
        int i = (int) ItemKeys.mix64(key) & mask;
        while (stamp[i] == epoch && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** Sets {@code key} to {@code min(current, value)} (to {@code value} when absent). */
    void putMin(long key, long value) {
        int i = slot(key);
        if (stamp[i] == epoch) {
            if (Long.compareUnsigned(value, values[i]) < 0) {
                values[i] = value;
            }
            return;
        }
        insert(i, key, value);
    }

    /** Increments a present key and returns the new value; throws when absent. */
    long incrementAndGet(long key) {
        int i = slot(key);
        if (stamp[i] != epoch) {
            throw new IllegalStateException("counter cell " + key + " missing from the overlay");
        }
        return ++values[i];
    }

    long get(long key, long missing) {
        int i = slot(key);
        return stamp[i] == epoch ? values[i] : missing;
    }

    private void insert(int i, long key, long value) {
        if (2L * (size + 1) > keys.length) {
            grow();
            i = slot(key);
        }
        stamp[i] = epoch;
        keys[i] = key;
        values[i] = value;
        size++;
    }

    private void grow() {
        long[] ok = keys;
        long[] ov = values;
        int[] os = stamp;
        int oe = epoch;
        allocate(keys.length * 2);
        epoch = 1;
        for (int j = 0; j < ok.length; j++) {
            if (os[j] == oe) {
                int i = slot(ok[j]);
                stamp[i] = epoch;
                keys[i] = ok[j];
                values[i] = ov[j];
                size++;
            }
        }
    }
}
