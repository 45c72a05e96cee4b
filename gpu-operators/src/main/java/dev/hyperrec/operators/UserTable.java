package dev.hyperrec.operators;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * One task's user embeddings: a dense row-major matrix indexed by a per-task dictionary
 * (user id → dense index, assigned in first-seen order, so the same input gives the same indices).
 * Rows changed since the last {@link #clearDirty()} are tracked so that the owner writes back only
 * those (once per commit, not per event).
 *
 * <p>Thread affinity: confined to the owning task thread.
 */
public final class UserTable {
    private final int dim;
    private final Map<String, Integer> indexById = new HashMap<>();
    private float[] vectors;
    private String[] ids;
    private int size;
    private final BitSet dirty = new BitSet();

    public UserTable(int dim, int initialCapacity) {
        if (dim <= 0 || dim > 65_536) {
            throw new OperatorException("dim must be in [1, 65536], was " + dim);
        }
        if (initialCapacity <= 0) {
            throw new OperatorException("initialCapacity must be > 0, was " + initialCapacity);
        }
        this.dim = dim;
        vectors = new float[Math.multiplyExact(dim, initialCapacity)];
        ids = new String[initialCapacity];
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
        if (size == ids.length) {
            long cap = (long) ids.length * 2;
            if (cap * dim > Integer.MAX_VALUE - 8) {
                throw new OperatorException("user table capacity exhausted: " + size + " users x " + dim + " dims");
            }
            vectors = Arrays.copyOf(vectors, (int) (cap * dim));
            ids = Arrays.copyOf(ids, (int) cap);
        }
        int i = size++;
        ids[i] = userId;
        indexById.put(userId, i);
        return i;
    }

    public String idAt(int index) {
        checkIndex(index);
        return ids[index];
    }

    public void copyRow(int index, float[] out, int off) {
        checkIndex(index);
        System.arraycopy(vectors, index * dim, out, off, dim);
    }

    public void setRow(int index, float[] row) {
        checkIndex(index);
        if (row.length != dim) {
            throw new OperatorException("row has dimension " + row.length + ", table expects " + dim);
        }
        System.arraycopy(row, 0, vectors, index * dim, dim);
        dirty.set(index);
    }

    /** The backing matrix, valid for rows {@code [0, size())}. Mark rows you write with {@link #markDirty}. */
    public float[] raw() {
        return vectors;
    }

    public void markDirty(int index) {
        dirty.set(index);
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

    private void checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new OperatorException("user index " + index + " out of range [0, " + size + ")");
        }
    }
}
