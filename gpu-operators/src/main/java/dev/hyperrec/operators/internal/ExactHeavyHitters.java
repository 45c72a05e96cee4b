package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.HeavyHitter;
import dev.hyperrec.operators.OperatorException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The heavy-hitter set of a Count-Min sketch whose counters live in host memory, with every member's estimate kept
 * exact and the members kept in output order (estimate descending, then key ascending), so that the first {@code m}
 * hot keys are a copy of a prefix. Same admission rule, same results as {@link HeavyHitterSet}, which keeps lower
 * bounds in a heap and re-estimates members when asked; that costs a selection and up to a re-estimate per member each
 * time the hot keys are read (once per emitted list: 8.0% of the GPU machine's lists' stream threads in a drain,
 * docs/benchmarks.md "Session 30").
 *
 * <p>How the estimates stay exact: each member knows its counter cells (one per row), and each cell lists the members
 * that use it. When a counted event increments its cells ({@link #counted}), only the members listed there can have a
 * new estimate; they are re-estimated from their cells (a few loads) and moved up the order. After anything else changes
 * the counters (a decay step), {@link #refreshAll} re-estimates every member.
 *
 * <p>Admission, as in {@link HeavyHitterSet}: after an item is counted with estimate {@code est}, it stays if already a
 * member; else it joins if the set has room; else it replaces the smallest member (the last in output order) if
 * {@code est} is strictly greater than that member's current estimate. Not thread-safe.
 */
public final class ExactHeavyHitters {
    /** Writes a key's counter cells, one a row, as indices into the counters. */
    @FunctionalInterface
    public interface Cells {
        void of(long key, int[] out);
    }

    private final int capacity;
    private final int depth;
    private final long[] counters;
    private final Cells cells;
    private final long[] keys;
    private final long[] ests;
    /** Per (slot, row) node {@code slot * depth + row}: its cell, and the next node of the same cell (-1 ends). */
    private final int[] nodeCell;
    private final int[] nodeNext;
    /** Per counter cell, its first node (-1 for none). */
    private final int[] head;
    /** Slots in output order, and each slot's position there. */
    private final int[] order;
    private final int[] rank;
    private final int[] free;
    private int freeCount;
    private int size;
    private final LongIntHashMap slotOf;
    private final int[] seen;
    private int stamp;
    private final int[] scratch;

    /**
     * @param counters the sketch's counters (read, never written here)
     * @param depth    cells a key has, one a row
     * @param cells    a key's cells
     */
    public ExactHeavyHitters(int capacity, long[] counters, int depth, Cells cells) {
        if (capacity <= 0) {
            throw new OperatorException("heavy-hitter capacity must be > 0, was " + capacity);
        }
        this.capacity = capacity;
        this.depth = depth;
        this.counters = counters;
        this.cells = cells;
        keys = new long[capacity];
        ests = new long[capacity];
        nodeCell = new int[capacity * depth];
        nodeNext = new int[capacity * depth];
        head = new int[counters.length];
        Arrays.fill(head, -1);
        order = new int[capacity];
        rank = new int[capacity];
        free = new int[capacity];
        for (int s = capacity - 1; s >= 0; s--) {
            free[freeCount++] = s;
        }
        slotOf = new LongIntHashMap(Math.min(capacity, 1 << 16));
        seen = new int[capacity];
        scratch = new int[depth];
    }

    public int size() {
        return size;
    }

    public boolean contains(long key) {
        return slotOf.containsKey(key);
    }

    /**
     * After the counters at {@code keyCells} (the key's cells) were incremented for one counted event of {@code key},
     * whose estimate is now {@code est}: re-estimates the members sharing a cell with it, then applies the admission rule.
     */
    public void counted(long key, int[] keyCells, long est) {
        if (++stamp == 0) {
            Arrays.fill(seen, 0);
            stamp = 1;
        }
        for (int r = 0; r < depth; r++) {
            for (int node = head[keyCells[r]]; node >= 0; node = nodeNext[node]) {
                int s = node / depth;
                if (seen[s] != stamp) {
                    seen[s] = stamp;
                    refresh(s);
                }
            }
        }
        if (slotOf.containsKey(key)) {
            return; // re-estimated above: every one of its cells lists it
        }
        if (size < capacity) {
            join(key, keyCells, est);
        } else {
            int smallest = order[size - 1];
            if (est > ests[smallest]) {
                leave(smallest);
                join(key, keyCells, est);
            }
        }
    }

    /** Re-estimates every member (after a decay step) and puts them in order again. */
    public void refreshAll() {
        for (int i = 0; i < size; i++) {
            ests[order[i]] = estimate(order[i]);
        }
        sortOrder();
    }

    /** Replaces the members with {@code members} (distinct, at most the capacity), estimated from the counters. */
    public void reset(long[] members) {
        if (members.length > capacity) {
            throw new OperatorException("heavy-hitter set of " + members.length + " keys exceeds its capacity " + capacity);
        }
        while (size > 0) {
            leave(order[size - 1]);
        }
        for (long key : members) {
            if (slotOf.containsKey(key)) {
                throw new OperatorException("heavy-hitter key " + key + " appears twice");
            }
            cells.of(key, scratch);
            join(key, scratch, minOver(scratch, 0));
        }
    }

    /** The first {@code limit} members in output order into {@code out}; returns how many were written. */
    public int topKeys(int limit, long[] out) {
        int m = Math.min(limit, Math.min(size, out.length));
        for (int i = 0; i < m; i++) {
            out[i] = keys[order[i]];
        }
        return Math.max(m, 0);
    }

    /** Members with their estimates, in output order. */
    public List<HeavyHitter> ranked() {
        List<HeavyHitter> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(new HeavyHitter(keys[order[i]], ests[order[i]]));
        }
        return List.copyOf(out);
    }

    /** Member keys, ascending. */
    public long[] sortedKeys() {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = keys[order[i]];
        }
        Arrays.sort(out);
        return out;
    }

    private long estimate(int s) {
        return minOver(nodeCell, s * depth);
    }

    /** The smallest counter of the {@code depth} cells listed in {@code cellIndices} from {@code from}. */
    private long minOver(int[] cellIndices, int from) {
        long est = Long.MAX_VALUE;
        for (int r = 0; r < depth; r++) {
            est = Math.min(est, counters[cellIndices[from + r]]);
        }
        return est;
    }

    private void refresh(int s) {
        long est = estimate(s);
        if (est != ests[s]) {
            ests[s] = est;
            reposition(s);
        }
    }

    private void join(long key, int[] keyCells, long est) {
        int s = free[--freeCount];
        keys[s] = key;
        ests[s] = est;
        for (int r = 0, n = s * depth; r < depth; r++, n++) {
            nodeCell[n] = keyCells[r];
            nodeNext[n] = head[keyCells[r]];
            head[keyCells[r]] = n;
        }
        slotOf.put(key, s);
        order[size] = s;
        rank[s] = size++;
        reposition(s);
    }

    private void leave(int s) {
        for (int r = 0, n = s * depth; r < depth; r++, n++) {
            int c = nodeCell[n];
            if (head[c] == n) {
                head[c] = nodeNext[n];
            } else {
                int p = head[c];
                while (nodeNext[p] != n) {
                    p = nodeNext[p];
                }
                nodeNext[p] = nodeNext[n];
            }
        }
        slotOf.remove(keys[s]);
        for (int i = rank[s]; i < size - 1; i++) {
            order[i] = order[i + 1];
            rank[order[i]] = i;
        }
        size--;
        free[freeCount++] = s;
    }

    /** Moves slot {@code s} to its place in output order after its estimate changed (or it joined at the end). */
    private void reposition(int s) {
        int i = rank[s];
        while (i > 0 && before(s, order[i - 1])) {
            order[i] = order[i - 1];
            rank[order[i]] = i;
            i--;
        }
        while (i < size - 1 && before(order[i + 1], s)) {
            order[i] = order[i + 1];
            rank[order[i]] = i;
            i++;
        }
        order[i] = s;
        rank[s] = i;
    }

    private void sortOrder() {
        for (int i = 1; i < size; i++) {
            int s = order[i];
            int j = i;
            while (j > 0 && before(s, order[j - 1])) {
                order[j] = order[j - 1];
                rank[order[j]] = j;
                j--;
            }
            order[j] = s;
            rank[s] = j;
        }
    }

    /** Whether slot {@code a} comes before {@code b} in output order: larger estimate, then smaller key. */
    private boolean before(int a, int b) {
        return ests[a] > ests[b] || (ests[a] == ests[b] && keys[a] < keys[b]);
    }
}
