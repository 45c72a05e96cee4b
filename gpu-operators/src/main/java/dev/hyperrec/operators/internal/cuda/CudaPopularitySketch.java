package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.HeavyHitter;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.SketchState;
import dev.hyperrec.operators.internal.CountMinHash;
import dev.hyperrec.operators.internal.HeavyHitterSet;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongUnaryOperator;
import jcuda.driver.CUfunction;

/**
 * The time-decayed Count-Min sketch of {@code CpuPopularitySketch} (Cormode &amp; Muthukrishnan 2005;
 * same hashes, decay and admission rule) with its counters on the device: bit-identical state.
 *
 * <p><b>Counters</b> are two-level on the device: a 64-bit base and a 32-bit delta per cell (value =
 * base + delta). Increments go to the deltas (28 MB at 7 × 2^20: they stay in L2, and a 32-bit
 * reduction is cheaper than a 64-bit one); {@code cms_fold} adds them into the bases before a decay
 * shift, before a snapshot, and before 2^32 − 1 events since the last fold could overflow a delta.
 *
 * <p><b>Counting.</b> Events are split at half-life epoch changes (the fold shifts every cell between
 * segments). Kernel {@code cms_add} increments each event's {@code depth} cells with atomics
 * and records, per (event, row), the bucket and the counter's value before its increment; the smallest
 * recorded value of a cell is the cell's value before the segment. The heavy-hitter set stays on the
 * host: its admission rule needs each event's estimate right after that event and, when the set is
 * full, the current estimate of its smallest member, so the host replays the segment in order over a
 * sparse overlay of the touched cells (and the members' cells, gathered before the segment). This
 * replay costs O(events × depth) host work, like the reference; the device holds and updates the
 * counters (and answers estimates, snapshots and decay) at HBM speed.
 *
 * <p>Thread affinity: one thread at a time; binds the context at each call.
 */
final class CudaPopularitySketch extends CudaOperator implements PopularitySketch {
    private static final int SEGMENT_CAP = 1 << 20;

    private final CountMinConfig config;
    private final int width;
    private final int depth;
    private final long halfLifeMs;
    private final CountMinHash hash;
    private final HeavyHitterSet hot;
    private final DeviceBuffer counters;
    private final DeviceBuffer delta;
    private final DeviceBuffer params;
    private final CUfunction add;
    private final CUfunction gather;
    private final CUfunction estimateK;
    private final CUfunction fold;
    private final CUfunction count;
    private final LongLongMap overlay = new LongLongMap(1024);
    private final LongLongMap memberEst = new LongLongMap(64);
    private final LongUnaryOperator overlayEstimator = this::overlayEstimate;
    private final LongUnaryOperator deviceEstimator = k -> {
        long v = memberEst.get(k, -1);
        if (v < 0) {
            throw new IllegalStateException("no device estimate prepared for key " + k);
        }
        return v;
    };
    private PinnedBuffer hKeys;
    private PinnedBuffer hBuckets;
    private PinnedBuffer hValues;
    private PinnedBuffer hCounters;
    private DeviceBuffer dKeys;
    private DeviceBuffer dBuckets;
    private DeviceBuffer dValues;
    private long total;
    private long epoch;
    /** Events counted into the deltas since the last fold (bounds every delta). */
    private long sinceFold;
    private float lastFoldMillis;

    CudaPopularitySketch(CudaBackend backend, CountMinConfig config) {
        super(backend, "popularity sketch");
        this.config = config;
        this.width = config.width();
        this.depth = config.depth();
        this.halfLifeMs = config.halfLifeMs();
        this.hash = new CountMinHash(depth, width, config.seed());
        this.hot = new HeavyHitterSet(config.heavyHitters());
        CudaModule m = backend.sketchModule();
        add = m.function("cms_add");
        gather = m.function("cms_gather");
        estimateK = m.function("cms_estimate");
        fold = m.function("cms_fold");
        count = m.function("cms_count");
        long cells = (long) width * depth;
        counters = own(new DeviceBuffer(cells * 8, "sketch.counters"));
        delta = own(new DeviceBuffer(cells * 4, "sketch.deltas"));
        long paramBytes = (long) depth * 16 + 8;
        params = own(new DeviceBuffer(paramBytes, "sketch.hash"));
        PinnedBuffer p = pinned(null, paramBytes, "sketch.hash");
        LongBuffer lb = p.buffer().asLongBuffer();
        for (int r = 0; r < depth; r++) {
            lb.put(2 * r, hash.a(r));
            lb.put(2 * r + 1, hash.b(r));
        }
        lb.put(2 * depth, Long.divideUnsigned(-1L, width));  // the kernels' fast-modulo multiplier
        params.upload(p, 0, 0, paramBytes, stream);
        Cuda.check(jcuda.driver.JCudaDriver.cuMemsetD32Async(counters.ptr(), 0, cells * 2, stream.handle()),
                "cuMemsetD32Async", "sketch.counters, " + cells + " cells");
        Cuda.check(jcuda.driver.JCudaDriver.cuMemsetD32Async(delta.ptr(), 0, cells, stream.handle()),
                "cuMemsetD32Async", "sketch.deltas, " + cells + " cells");
        stream.synchronize("sketch initialisation");
        drop(p);
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
        if (n == 0) {
            return;
        }
        enter();
        int s = 0;
        while (s < n) {
            if (halfLifeMs > 0) {
                long e = Math.floorDiv(eventTimesMs[s], halfLifeMs);
                if (e > epoch) {
                    advanceTo(e);
                }
            }
            int end = s + 1;
            while (end < n && end - s < SEGMENT_CAP && (halfLifeMs == 0 || Math.floorDiv(eventTimesMs[end], halfLifeMs) <= epoch)) {
                end++;
            }
            countSegment(keys, s, end);
            s = end;
        }
    }

    private void advanceTo(long e) {
        long delta = e - epoch;
        int sh = delta < 0 || delta > 63 ? 63 : (int) delta;
        epoch = e;
        if (total == 0) {
            return;
        }
        foldDeltas(sh);
        total >>>= sh;
        long[] members = hot.sortedKeys();
        prepareMemberEstimates(members);
        hot.refreshAll(deviceEstimator);
    }

    /** Folds the deltas into the bases and shifts every cell right by {@code shift} (0: fold only). */
    private void foldDeltas(int shift) {
        long cells = (long) width * depth;
        launch(fold, "cms_fold", blocks(cells, 256), 1, 256, 0, "cells " + cells + ", shift " + shift, counters, delta, cells, shift);
        sinceFold = 0;
    }

    /** Makes room for {@code m} more events in the 32-bit deltas. */
    private void reserve(int m) {
        if (sinceFold + m > 0xFFFF_FFFFL) {
            foldDeltas(0);
        }
        sinceFold += m;
    }

    private void countSegment(long[] keys, int s, int end) {
        int m = end - s;
        reserve(m);
        long[] members = hot.sortedKeys();
        int nm = members.length;
        int rows = m + nm;
        hKeys = pinned(hKeys, (long) rows * 8, "keys");
        hBuckets = pinned(hBuckets, (long) rows * depth * 4, "buckets");
        hValues = pinned(hValues, (long) rows * depth * 8, "values");
        dKeys = device(dKeys, (long) rows * 8, "keys");
        dBuckets = device(dBuckets, (long) rows * depth * 4, "buckets");
        dValues = device(dValues, (long) rows * depth * 8, "values");
        LongBuffer kb = hKeys.buffer().asLongBuffer();
        kb.put(0, members, 0, nm);
        kb.put(nm, keys, s, m);
        dKeys.upload(hKeys, 0, 0, (long) rows * 8, stream);
        if (nm > 0) {
            launch(gather, "cms_gather", blocks(nm, 256), depth, 256, 0, "members " + nm + ", depth " + depth,
                    counters, delta, width, depth, params, dKeys, nm, dBuckets, dValues);
        }
        launch(add, "cms_add", blocks(m, 256), depth, 256, 0, "events " + m + ", depth " + depth + ", width " + width,
                counters, delta, width, depth, params, dKeys.at((long) nm * 8), m,
                dBuckets.at((long) nm * depth * 4), dValues.at((long) nm * depth * 8));
        dBuckets.download(hBuckets, 0, 0, (long) rows * depth * 4, stream);
        dValues.download(hValues, 0, 0, (long) rows * depth * 8, stream);
        stream.synchronize("cms_add of " + m + " events");
        IntBuffer bb = hBuckets.buffer().asIntBuffer();
        LongBuffer vb = hValues.buffer().asLongBuffer();
        overlay.clear(rows * depth);
        for (int j = 0; j < rows; j++) {
            for (int r = 0; r < depth; r++) {
                int p = j * depth + r;
                overlay.putMin((long) r * width + bb.get(p), vb.get(p));
            }
        }
        for (int j = 0; j < m; j++) {
            long est = Long.MAX_VALUE;
            int base = (nm + j) * depth;
            for (int r = 0; r < depth; r++) {
                long v = overlay.incrementAndGet((long) r * width + bb.get(base + r));
                if (v < est) {
                    est = v;
                }
            }
            total++;
            hot.offer(keys[s + j], est, overlayEstimator);
        }
    }

    private long overlayEstimate(long key) {
        long est = Long.MAX_VALUE;
        for (int r = 0; r < depth; r++) {
            long v = overlay.get((long) r * width + hash.bucket(r, key), -1);
            if (v < 0) {
                throw new IllegalStateException("heavy-hitter key " + key + " has no overlay cell in row " + r);
            }
            est = Math.min(est, v);
        }
        return est;
    }

    /** Device estimates of {@code keys} into {@code out}. */
    private void deviceEstimates(long[] keys, int n, long[] out) {
        if (n == 0) {
            return;
        }
        hKeys = pinned(hKeys, (long) n * 8, "keys");
        hValues = pinned(hValues, (long) n * 8, "values");
        dKeys = device(dKeys, (long) n * 8, "keys");
        dValues = device(dValues, (long) n * 8, "values");
        hKeys.buffer().asLongBuffer().put(0, keys, 0, n);
        dKeys.upload(hKeys, 0, 0, (long) n * 8, stream);
        launch(estimateK, "cms_estimate", blocks(n, 256), 1, 256, 0, "keys " + n + ", depth " + depth,
                counters, delta, width, depth, params, dKeys, n, dValues);
        dValues.download(hValues, 0, 0, (long) n * 8, stream);
        stream.synchronize("cms_estimate of " + n + " keys");
        hValues.buffer().asLongBuffer().get(0, out, 0, n);
    }

    private void prepareMemberEstimates(long[] members) {
        long[] est = new long[members.length];
        deviceEstimates(members, members.length, est);
        memberEst.clear(members.length);
        for (int i = 0; i < members.length; i++) {
            memberEst.putMin(members[i], est[i]);
        }
    }

    /**
     * Benchmark hook: counts {@code keys} with the count-only kernel (no per-event output, no
     * heavy-hitter replay, no decay: the bulk update alone) and returns its device time in ms. Leaves
     * the counters changed and the host state (total, hot set) stale: use a throw-away sketch.
     */
    float benchCountOnly(long[] keys, int n) {
        enter();
        reserve(n);
        hKeys = pinned(hKeys, (long) n * 8, "keys");
        dKeys = device(dKeys, (long) n * 8, "keys");
        hKeys.buffer().asLongBuffer().put(0, keys, 0, n);
        dKeys.upload(hKeys, 0, 0, (long) n * 8, stream);
        try (CudaTimer t = new CudaTimer(); CudaTimer f = new CudaTimer()) {
            t.start(stream);
            launch(count, "cms_count", blocks(n, 256), depth, 256, 0, "events " + n, delta, width, depth, params, dKeys, n);
            t.stop(stream);
            f.start(stream);
            foldDeltas(0);
            f.stop(stream);
            stream.synchronize("cms_count");
            lastFoldMillis = f.millis();
            return t.millis();
        }
    }

    /** Device time of the fold that followed the last {@link #benchCountOnly} (paid once per decay step or snapshot). */
    float lastFoldMillis() {
        return lastFoldMillis;
    }

    @Override
    public long estimate(long key) {
        checkOpen();
        enter();
        long[] out = new long[1];
        deviceEstimates(new long[] {key}, 1, out);
        return out[0];
    }

    @Override
    public void estimate(long[] keys, int n, long[] out) {
        checkOpen();
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(out, "out");
        checkCount(n, keys.length, out.length);
        enter();
        deviceEstimates(keys, n, out);
    }

    @Override
    public long total() {
        checkOpen();
        return total;
    }

    @Override
    public List<HeavyHitter> heavyHitters() {
        checkOpen();
        enter();
        prepareMemberEstimates(hot.sortedKeys());
        return hot.ranked(deviceEstimator);
    }

    @Override
    public int hotKeys(int limit, long[] out) {
        checkOpen();
        enter();
        prepareMemberEstimates(hot.sortedKeys());
        return hot.topKeys(limit, out, deviceEstimator);
    }

    @Override
    public SketchState snapshot() {
        checkOpen();
        enter();
        long cells = (long) width * depth;
        if (sinceFold > 0) {
            foldDeltas(0);
        }
        hCounters = pinned(hCounters, cells * 8, "counters");
        counters.download(hCounters, 0, 0, cells * 8, stream);
        stream.synchronize("sketch snapshot");
        long[] c = new long[(int) cells];
        hCounters.buffer().asLongBuffer().get(0, c, 0, c.length);
        return new SketchState(width, depth, c, total, epoch, hot.sortedKeys());
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
        long cells = (long) width * depth;
        if (c == null || c.length != cells) {
            throw new OperatorException("sketch state has " + (c == null ? "no" : String.valueOf(c.length))
                    + " counters, expected " + cells);
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
        enter();
        hCounters = pinned(hCounters, cells * 8, "counters");
        hCounters.buffer().asLongBuffer().put(0, c, 0, c.length);
        counters.upload(hCounters, 0, 0, cells * 8, stream);
        Cuda.check(jcuda.driver.JCudaDriver.cuMemsetD32Async(delta.ptr(), 0, cells, stream.handle()),
                "cuMemsetD32Async", "sketch.deltas, " + cells + " cells");
        sinceFold = 0;
        stream.synchronize("sketch restore");
        total = state.total();
        epoch = state.epoch();
        prepareMemberEstimates(members);
        hot.reset(members, deviceEstimator);
    }
}
