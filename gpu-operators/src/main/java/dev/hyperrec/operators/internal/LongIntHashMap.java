package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.OperatorException;
import java.util.Arrays;

/**
 * A small open-addressing {@code long -> int} map (linear probing, backward-shift deletion,
 * load factor at most 1/2) that does not box. Not thread-safe.
 */
public final class LongIntHashMap {
    private static final int MAX_CAPACITY = 1 << 30;
    private long[] keys;
    private int[] values;
    private boolean[] used;
    private int mask;
    private int size;

    public LongIntHashMap(int expected) {
        int cap = 16;
        while (cap < 2L * expected && cap < MAX_CAPACITY) {
            cap <<= 1;
        }
        allocate(cap);
    }

    public int size() {
        return size;
    }

    /** The value of {@code key}, or {@code missing}. */
    public int get(long key, int missing) {
        int i = slot(key);
        while (used[i]) {
            if (keys[i] == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return missing;
    }

    public boolean containsKey(long key) {
        int i = slot(key);
        while (used[i]) {
            if (keys[i] == key) {
                return true;
            }
            i = (i + 1) & mask;
        }
        return false;
    }

    public void put(long key, int value) {
        int i = slot(key);
        while (used[i]) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
            i = (i + 1) & mask;
        }
        used[i] = true;
        keys[i] = key;
        values[i] = value;
        size++;
        if (2L * size > keys.length) {
            grow();
        }
    }

    /** Removes {@code key}; returns whether it was present. */
    public boolean remove(long key) {
        int i = slot(key);
        while (used[i]) {
            if (keys[i] == key) {
                deleteAt(i);
                size--;
                return true;
            }
            i = (i + 1) & mask;
        }
        return false;
    }

    public void clear() {
        Arrays.fill(used, false);
        size = 0;
    }

    private void deleteAt(int hole) {
        // Backward-shift deletion keeps every probe chain contiguous without tombstones.
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (!used[i]) {
                break;
            }
            int home = slot(keys[i]);
            boolean movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
            if (movable) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
        }
        used[hole] = false;
    }

    private int slot(long key) {
        return (int) ItemKeys.mix64(key) & mask;
    }

    private void grow() {
        if (keys.length >= MAX_CAPACITY) {
            throw new OperatorException("hash map capacity exhausted at " + size + " entries");
        }
        long[] oldKeys = keys;
        int[] oldValues = values;
        boolean[] oldUsed = used;
        allocate(keys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldUsed[i]) {
                int j = slot(oldKeys[i]);
                while (used[j]) {
                    j = (j + 1) & mask;
                }
                used[j] = true;
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }

    private void allocate(int cap) {
        keys = new long[cap];
        values = new int[cap];
        used = new boolean[cap];
        mask = cap - 1;
    }
}
