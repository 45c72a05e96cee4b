package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.HeavyHitter;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.SketchState;
import dev.hyperrec.operators.internal.CountMinHash;
import dev.hyperrec.operators.internal.ExactHeavyHitters;
import dev.hyperrec.operators.internal.ResourceOwner;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A time-decayed Count-Min sketch (Cormode &amp; Muthukrishnan, "An improved data stream summary:
 * the count-min sketch and its applications", J. Algorithms 55(1), 2005) with a heavy-hitter set.
 *
 * <p><b>Structure.</b> {@code depth = ceil(ln 1/delta)} rows of {@code width = ceil(e/epsilon)}
 * long counters; row {@code i} hashes a key with {@link CountMinHash} ({@code ((a_i x + b_i) mod
 * (2^61-1)) mod width}). Adding a key increments one counter per row; the estimate is the minimum
 * of the key's counters. <b>Bounds</b> (without decay): {@code estimate >= true count} always, and
 * {@code estimate <= true count + epsilon N} with probability at least {@code 1 - delta} per key.
 *
 * <p><b>Decay</b> on event time, with {@code H = halfLifeMs}: an event's epoch is
 * {@code floorDiv(t, H)} ({@code 0} for every event when {@code H = 0}, i.e. no decay). The sketch
 * starts in epoch 0. When an event's epoch {@code e} exceeds the current one, every counter and N are
 * shifted right by {@code min(e - current, 63)} (floor-halving once per epoch crossed) and the
 * current epoch becomes {@code e}; an event from an earlier epoch counts in the current one. As
 * {@code floor((a+b)/2^s) >= floor(a/2^s) + floor(b/2^s)}, estimates never fall below the true count
 * decayed the same way; the flooring adds less than 2 to the epsilon-N overestimate.
 *
 * <p><b>Hot set.</b> See {@link dev.hyperrec.operators.internal.HeavyHitterSet} for the deterministic admission
 * rule; here {@link ExactHeavyHitters} keeps it, with every member's estimate exact (members sharing a cell with a
 * counted key are re-estimated at once) and the members in output order, so the hot keys read once per list are a
 * copy; members are re-estimated from the counters after each decay step. Integer state only, so every backend must
 * reproduce {@link #snapshot()} bit for bit. Thread affinity: confined to the task thread.
 */
final class CpuPopularitySketch extends CpuOperator implements PopularitySketch {
    private final CountMinConfig config;
    private final int width;
    private final int depth;
    private final long halfLifeMs;
    private final CountMinHash hash;
    private final long[] counters;
    private final ExactHeavyHitters hot;
    private final int[] keyCells;
    private long total;
    private long epoch;

    CpuPopularitySketch(ResourceOwner owner, CountMinConfig config) {
        super(owner, "popularity sketch");
        this.config = config;
        this.width = config.width();
        this.depth = config.depth();
        this.halfLifeMs = config.halfLifeMs();
        this.hash = new CountMinHash(depth, width, config.seed());
        this.counters = new long[Math.multiplyExact(width, depth)];
        this.hot = new ExactHeavyHitters(config.heavyHitters(), counters, depth, this::cells);
        this.keyCells = new int[depth];
    }

    @Override
    public CountMinConfig config() {
        return config;
    }

    @Override
    public void add(long[] keys, long[] eventTimesMs, int n) {
        checkOpen();
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(eventTimesMs, "eventTimesMs");
        checkCount(n, keys.length, eventTimesMs.length);
        for (int i = 0; i < n; i++) {
            if (halfLifeMs > 0) {
                long e = Math.floorDiv(eventTimesMs[i], halfLifeMs);
                if (e > epoch) {
                    advanceTo(e);
                }
            }
            long key = keys[i];
            long est = Long.MAX_VALUE;
            cells(key, keyCells);
            for (int r = 0; r < depth; r++) {
                long v = ++counters[keyCells[r]];
                if (v < est) {
                    est = v;
                }
            }
            total++;
            hot.counted(key, keyCells, est);
        }
    }

    private void advanceTo(long e) {
        long delta = e - epoch; // > 0 unless the subtraction overflowed
        int shift = delta < 0 || delta > 63 ? 63 : (int) delta;
        epoch = e;
        if (total == 0) {
            return; // every counter is 0 (each row sums to at most N)
        }
        for (int i = 0; i < counters.length; i++) {
            counters[i] >>>= shift;
        }
        total >>>= shift;
        hot.refreshAll();
    }

    @Override
    public long estimate(long key) {
        checkOpen();
        return estimateUnchecked(key);
    }

    /** The key's counter cells, one a row. */
    private void cells(long key, int[] out) {
        for (int r = 0; r < depth; r++) {
            out[r] = r * width + hash.bucket(r, key);
        }
    }

    private long estimateUnchecked(long key) {
        long est = Long.MAX_VALUE;
        for (int r = 0; r < depth; r++) {
            long v = counters[r * width + hash.bucket(r, key)];
            if (v < est) {
                est = v;
            }
        }
        return est;
    }

    @Override
    public void estimate(long[] keys, int n, long[] out) {
        checkOpen();
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(out, "out");
        checkCount(n, keys.length, out.length);
        for (int i = 0; i < n; i++) {
            out[i] = estimateUnchecked(keys[i]);
        }
    }

    @Override
    public long total() {
        checkOpen();
        return total;
    }

    @Override
    public List<HeavyHitter> heavyHitters() {
        checkOpen();
        return hot.ranked();
    }

    @Override
    public int hotKeys(int limit, long[] out) {
        checkOpen();
        return hot.topKeys(limit, out);
    }

    @Override
    public SketchState snapshot() {
        checkOpen();
        return new SketchState(width, depth, counters.clone(), total, epoch, hot.sortedKeys());
    }

    @Override
    public void restore(SketchState state) {
        checkOpen();
        Objects.requireNonNull(state, "state");
        if (state.width() != width || state.depth() != depth) {
            throw new OperatorException("sketch state is " + state.depth() + " x " + state.width()
                    + ", this sketch is " + depth + " x " + width + " (epsilon " + config.epsilon() + ", delta " + config.delta() + ")");
        }
        long[] c = state.counters();
        if (c == null || c.length != counters.length) {
            throw new OperatorException("sketch state has " + (c == null ? "no" : String.valueOf(c.length))
                    + " counters, expected " + counters.length);
        }
        if (state.total() < 0) {
            throw new OperatorException("sketch state has a negative total " + state.total());
        }
        for (int i = 0; i < c.length; i++) {
            if (c[i] < 0) {
                throw new OperatorException("sketch state has a negative counter " + c[i] + " at " + i);
            }
        }
        long[] heavy = state.heavyKeys() == null ? new long[0] : state.heavyKeys();
        if (heavy.length > config.heavyHitters()) {
            throw new OperatorException("sketch state has " + heavy.length + " heavy hitters, capacity is " + config.heavyHitters());
        }
        long[] members = heavy.clone();
        Arrays.sort(members);
        for (int i = 1; i < members.length; i++) {
            if (members[i] == members[i - 1]) {
                throw new OperatorException("sketch state lists heavy-hitter key " + members[i] + " twice");
            }
        }
        System.arraycopy(c, 0, counters, 0, c.length);
        total = state.total();
        epoch = state.epoch();
        hot.reset(members);
    }
}
