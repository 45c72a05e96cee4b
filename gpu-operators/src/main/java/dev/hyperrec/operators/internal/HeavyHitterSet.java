package dev.hyperrec.operators.internal;

import dev.hyperrec.operators.HeavyHitter;
import dev.hyperrec.operators.OperatorException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * The heavy-hitter (hot) set of a Count-Min sketch, maintained deterministically: after an item is
 * counted with estimate {@code est}, it stays if already a member; else it joins if the set has
 * room; else it replaces the smallest member if {@code est} is strictly greater than that member's
 * current estimate. "Smallest" orders by estimate, and among equal estimates the larger key
 * (signed comparison) is the smaller, mirroring the output order (estimate descending, key
 * ascending). This is the "Count-Min + heap" top-k scheme of Cormode &amp; Muthukrishnan (2005, §5.2).
 *
 * <p>Members' estimates are cached in a min-heap and refreshed lazily: between decay steps Count-Min
 * counters only grow, so a cached estimate is a lower bound of the current one. To find the true
 * smallest member, the heap's root is re-estimated until its cached value is current; every other
 * member then has a current estimate at least its cached one, which is at least the root's. The
 * result therefore depends only on the member set and the counters, not on the heap's layout (so a
 * restored set behaves exactly like the original). After a decay step the owner calls
 * {@link #refreshAll}. Not thread-safe.
 *
 * <p>Upper bounds: every {@link #offer} follows one counted event, which adds 1 to one counter per row, so a key's
 * estimate grows by at most 1 per offer. A cached estimate taken {@code d} offers ago is therefore at most {@code d}
 * below the current one, and {@link #topKeys} re-estimates only the members whose bound reaches the {@code limit}-th
 * largest cached estimate: the others cannot rank among the first {@code limit}. The owner must call {@link #offer}
 * once per counted event (or {@link #refreshAll} after changing counters otherwise).
 */
public final class HeavyHitterSet {
    private final int capacity;
    private long[] keys;
    private long[] ests;
    /** Per member, the value of {@link #offers} when its cached estimate was taken. */
    private long[] at;
    /** Offers so far: one per counted event. */
    private long offers;
    private int size;
    private final LongIntHashMap positions;

    public HeavyHitterSet(int capacity) {
        if (capacity <= 0) {
            throw new OperatorException("heavy-hitter capacity must be > 0, was " + capacity);
        }
        this.capacity = capacity;
        int initial = Math.min(capacity, 64);
        keys = new long[initial];
        ests = new long[initial];
        at = new long[initial];
        positions = new LongIntHashMap(initial);
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return size;
    }

    public boolean contains(long key) {
        return positions.containsKey(key);
    }

    /** Applies the admission rule to {@code key}, whose current estimate is {@code est}. */
    public void offer(long key, long est, LongUnaryOperator estimator) {
        offers++;
        int pos = positions.get(key, -1);
        if (pos >= 0) {
            long old = ests[pos];
            ests[pos] = est;
            at[pos] = offers;
            if (est > old) {
                siftDown(pos);
            } else if (est < old) {
                siftUp(pos);
            }
            return;
        }
        if (size < capacity) {
            if (size == keys.length) {
                int cap = (int) Math.min(capacity, 2L * keys.length);
                keys = Arrays.copyOf(keys, cap);
                ests = Arrays.copyOf(ests, cap);
                at = Arrays.copyOf(at, cap);
            }
            keys[size] = key;
            ests[size] = est;
            at[size] = offers;
            positions.put(key, size);
            siftUp(size++);
            return;
        }
        settleRoot(estimator);
        if (est > ests[0]) {
            positions.remove(keys[0]);
            keys[0] = key;
            ests[0] = est;
            at[0] = offers;
            positions.put(key, 0);
            siftDown(0);
        }
    }

    /** Re-estimates every member (after a decay step or a restore) and rebuilds the heap. */
    public void refreshAll(LongUnaryOperator estimator) {
        for (int i = 0; i < size; i++) {
            ests[i] = estimator.applyAsLong(keys[i]);
            at[i] = offers;
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    /** Replaces the members with {@code members} (distinct, at most the capacity). */
    public void reset(long[] members, LongUnaryOperator estimator) {
        if (members.length > capacity) {
            throw new OperatorException("heavy-hitter set of " + members.length + " keys exceeds its capacity " + capacity);
        }
        positions.clear();
        size = 0;
        if (keys.length < members.length) {
            keys = new long[members.length];
            ests = new long[members.length];
            at = new long[members.length];
        }
        for (long key : members) {
            if (positions.containsKey(key)) {
                throw new OperatorException("heavy-hitter key " + key + " appears twice");
            }
            keys[size] = key;
            positions.put(key, size);
            size++;
        }
        refreshAll(estimator);
    }

    /** Member keys, ascending (the canonical form persisted in a snapshot). */
    public long[] sortedKeys() {
        long[] out = Arrays.copyOf(keys, size);
        Arrays.sort(out);
        return out;
    }

    /**
     * The first {@code limit} members of {@link #ranked} order (estimate descending, then key
     * ascending) into {@code out}, without materialising the full ranking: a partial selection over
     * primitive arrays, since this runs once per emitted list.
     *
     * @return how many keys were written
     */
    public int topKeys(int limit, long[] out, LongUnaryOperator estimator) {
        int size = this.size;
        int m = Math.min(limit, Math.min(size, out.length));
        if (m <= 0) {
            return 0;
        }
        // members that can rank among the first m: upper bound (cached estimate + offers since) at least the m-th
        // largest cached estimate, a lower bound that m members reach (see the class comment); re-estimate only those
        long threshold = m < size ? mthLargest(ests, size, m) : Long.MIN_VALUE;
        int n = 0;
        long[] k = new long[size];
        for (int i = 0; i < size; i++) {
            if (ests[i] + (offers - at[i]) >= threshold) {
                k[n++] = keys[i];
            }
        }
        long[] e = new long[n];
        for (int i = 0; i < n; i++) {
            e[i] = estimator.applyAsLong(k[i]);
        }
        // the fresh estimates become the cached ones (still lower bounds; the heap keeps its order)
        for (int i = 0; i < n; i++) {
            int pos = positions.get(k[i], -1);
            long old = ests[pos];
            ests[pos] = e[i];
            at[pos] = offers;
            if (e[i] > old) {
                siftDown(pos);
            } else if (e[i] < old) {
                siftUp(pos);
            }
        }
        // Bounded min-heap of the best m (root = worst kept), then heap-sort it best first:
        // O(n log m) instead of a selection pass per output rank.
        int[] heap = new int[m];
        int h = 0;
        for (int i = 0; i < n; i++) {
            if (h < m) {
                heap[h] = i;
                int c = h++;
                while (c > 0) {
                    int p = (c - 1) >>> 1;
                    if (!ranksBefore(e, k, heap[p], heap[c])) {
                        break;
                    }
                    int t = heap[p];
                    heap[p] = heap[c];
                    heap[c] = t;
                    c = p;
                }
            } else if (ranksBefore(e, k, i, heap[0])) {
                heap[0] = i;
                siftWorst(heap, h, e, k);
            }
        }
        for (int end = h - 1; end >= 0; end--) {
            out[end] = k[heap[0]];
            heap[0] = heap[end];
            siftWorst(heap, end, e, k);
        }
        return m;
    }

    /** The {@code m}-th largest of {@code v[0..n)} ({@code 1 <= m <= n}), with a min-heap of the m largest. */
    private static long mthLargest(long[] v, int n, int m) {
        long[] heap = new long[m];
        for (int i = 0; i < m; i++) {
            heap[i] = v[i];
        }
        for (int i = m / 2 - 1; i >= 0; i--) {
            siftMin(heap, m, i);
        }
        for (int i = m; i < n; i++) {
            if (v[i] > heap[0]) {
                heap[0] = v[i];
                siftMin(heap, m, 0);
            }
        }
        return heap[0];
    }

    private static void siftMin(long[] heap, int n, int c) {
        while (true) {
            int l = 2 * c + 1;
            if (l >= n) {
                return;
            }
            int w = l + 1 < n && heap[l + 1] < heap[l] ? l + 1 : l;
            if (heap[c] <= heap[w]) {
                return;
            }
            long t = heap[c];
            heap[c] = heap[w];
            heap[w] = t;
            c = w;
        }
    }

    /** Whether member {@code a} ranks before {@code b}: larger estimate, then smaller key. */
    private static boolean ranksBefore(long[] e, long[] k, int a, int b) {
        return e[a] > e[b] || (e[a] == e[b] && k[a] < k[b]);
    }

    /** Restores the worst-at-root order of {@code heap[0..n)} after its root changed. */
    private static void siftWorst(int[] heap, int n, long[] e, long[] k) {
        int c = 0;
        while (true) {
            int l = 2 * c + 1;
            if (l >= n) {
                return;
            }
            int w = l + 1 < n && ranksBefore(e, k, heap[l], heap[l + 1]) ? l + 1 : l;
            if (!ranksBefore(e, k, heap[c], heap[w])) {
                return;
            }
            int t = heap[c];
            heap[c] = heap[w];
            heap[w] = t;
            c = w;
        }
    }

    /** Members with current estimates, sorted by estimate descending then key ascending. */
    public List<HeavyHitter> ranked(LongUnaryOperator estimator) {
        List<HeavyHitter> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(new HeavyHitter(keys[i], estimator.applyAsLong(keys[i])));
        }
        out.sort(Comparator.comparingLong(HeavyHitter::estimate).reversed().thenComparingLong(HeavyHitter::key));
        return List.copyOf(out);
    }

    private void settleRoot(LongUnaryOperator estimator) {
        while (true) {
            long fresh = estimator.applyAsLong(keys[0]);
            if (fresh == ests[0]) {
                return;
            }
            ests[0] = fresh;
            at[0] = offers;
            siftDown(0);
        }
    }

    /** True when member i is smaller than member j. */
    private boolean less(int i, int j) {
        return ests[i] < ests[j] || (ests[i] == ests[j] && keys[i] > keys[j]);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(i, parent)) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int c = l + 1 < size && less(l + 1, l) ? l + 1 : l;
            if (!less(c, i)) {
                return;
            }
            swap(i, c);
            i = c;
        }
    }

    private void swap(int i, int j) {
        long k = keys[i];
        keys[i] = keys[j];
        keys[j] = k;
        long e = ests[i];
        ests[i] = ests[j];
        ests[j] = e;
        long a = at[i];
        at[i] = at[j];
        at[j] = a;
        positions.put(keys[i], i);
        positions.put(keys[j], j);
    }
}
