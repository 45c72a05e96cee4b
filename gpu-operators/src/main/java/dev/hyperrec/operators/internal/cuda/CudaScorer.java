package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.internal.OperatorChecks;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.concurrent.locks.Lock;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.JCudaDriver;

/**
 * Batched top-k on the device, fused: tiles of {@code queries · itemsᵀ} are computed in registers or
 * tensor-core fragments and filtered against each query's running k-th best score (a lower bound of
 * the final one); only entries that can still enter the top-k are appended to a bounded per-query
 * candidate buffer, which a select kernel sorts and compacts back to k. The users × items score matrix
 * never reaches global memory. Exclude-seen (a binary search in the query's ascending list) and
 * inactive items are applied in the filter.
 *
 * <p>Schedule: a first chunk of {@code clamp(32k, 2048, 8192-k)} items seeds the thresholds; then the
 * rest of the catalog is filtered in one launch and a final select (radix select of the k-th rank
 * key, then a sort of k) writes the rows and leaves the per-query state reset for the next batch. If a
 * query's buffer overflowed (possible when many scores tie at the threshold), the batch is recomputed
 * with chunks of {@code 8192-k} items and a compaction after each chunk, which can never overflow.
 * Ordering: score descending, then lower item index (as the CPU reference).
 *
 * <p>BF16 runs on {@code filter_bf16_mma} (mma.sync m16n8k16, 128 x 128 tiles, a 3-stage cp.async
 * ring; queries are rounded to bf16 on the host while staging). Batches of at most
 * {@value #SMALL_MAX_Q} queries with {@code k <= }{@value #SMALL_MAX_K} take one bandwidth-bound
 * launch instead ({@code topk_small_*}: the catalog streamed once per query, fp32 arithmetic on the
 * bf16 or fp32 mirror; TF32 is then computed in full fp32). EXACT always takes the filter schedule.
 *
 * <p>Extra items ({@link ScoreBatch#add(float[], int[], int[])}) are scored by {@code extra_dot_exact} in the same
 * call, queued before the top-k kernels: one thread per item, double accumulation in dimension order, written straight
 * into the mapped result buffer, equal to {@link Scorer#exactDot} bit for bit whatever the precision.
 *
 * <p>Precision: see {@link ScorePrecision}; {@code EXACT} scores equal the CPU reference bit for bit.
 * Thread affinity: one thread at a time; binds the context at each call.
 */
public final class CudaScorer extends CudaOperator implements Scorer {
    /** The calling thread's shared device copy of the catalog, set at each call's sync. */
    private CatalogMirror mirror;
    static final int SORT_CAP = 8192;
    static final int SELECT_THREADS = 256;
    /** Largest seed range of seed_bf16_mma: its groups (seed / 8) must fit one candidate buffer. */
    static final int SEED_MAX = 8192;
    /** filter_bf16_mma: 128 x 128 tiles, 3 stages of (128 + 128) x 64 bf16. */
    static final int MMA_TILE = 128;
    static final int MMA_SMEM = 3 * (128 + 128) * 64 * 2;
    /** Small-batch path (topk_small_*): up to this many queries, k up to SMALL_MAX_K. */
    static final int SMALL_MAX_Q = 4;
    static final int SMALL_MAX_K = 64;
    static final int SMALL_ITEMS = 512;
    static final int SMALL_MERGE_CAP = 8192;
    static final int SMALL_MAX_LD = 1024;
    /** topk_one_*: one query of at most this padded dimension passed by value in the launch parameters. */
    static final int ONE_MAX_LD = 768;
    /** topk_small: the merge's G*k keys plus a sorted output area of next-pow2(SMALL_MAX_K) keys. */
    static final int SMALL_SMEM = (SMALL_MERGE_CAP + SMALL_MAX_K) * 8;

    private final ScorePrecision precision;
    private final CUfunction filterWide;
    private final CUfunction filterNarrow;
    private final CUfunction select;
    private final CUfunction reset;
    private final CUfunction filterMma;
    private final CUfunction extraDot;
    /** Every slot of dCnt/dThr is at count 0, threshold -inf (the final select leaves them so). */
    private boolean stateClean;
    private long lastExTotal;
    // benchmark-only gated timing (see spin_gate)
    private final CUfunction gate;
    private final CUfunction seedMma;
    private boolean gated;
    private PinnedBuffer gateFlag;
    private CUdeviceptr gateDev;
    private final CUfunction small;
    private final CUfunction one;
    private final float[] oneParam = new float[ONE_MAX_LD];
    private final int wideQ;
    private final int wideI;
    private final int narrowQ = 16;
    private final int narrowI;
    private final String wideName;
    private final String narrowName;
    // one upload per batch: [queries nq x ld fp32 | exclude offsets nq+1 | exclude items]
    private PinnedBuffer hIn;
    private DeviceBuffer dIn;
    private Pointer dQueries;
    private Pointer dExOff;
    private Pointer dExIdx;
    private Pointer dExtraOff;
    private Pointer dExtraIdx;
    /** fp32 queries of the extras: dQueries, or their own copy where the top-k's are staged as bf16. */
    private Pointer dExtraQueries;
    private long extraTotal;
    // one download per batch: [indices nq x k | scores nq x k | counts nq]
    private PinnedBuffer hOut;
    private DeviceBuffer dOut;
    private Pointer dOutIdx;
    private Pointer dOutScore;
    private Pointer dOutCount;
    private long outScoreOff;
    private long outCountOff;
    private long outExtraOff;
    private DeviceBuffer dCand;
    private DeviceBuffer dCnt;
    private DeviceBuffer dThr;
    private DeviceBuffer dPart;
    private DeviceBuffer dTicket;
    private long overflowRetries;
    private final CudaTimer timer;
    private float lastDeviceMillis;
    private final CudaTimer kernelTimer;
    private float lastKernelMillis;
    // optional per-stage profile (CudaBench): events recorded after each stage of one call
    private boolean profile;
    private CUevent[] marks;
    private final String[] markNames = new String[32];
    private int nMarks;

    CudaScorer(CudaBackend backend, ScorePrecision precision) {
        super(backend, "scorer");
        this.precision = precision;
        CudaModule m = backend.scoreModule();
        switch (precision) {
            case EXACT -> {
                wideName = "filter_exact_wide";
                narrowName = "filter_exact_narrow";
                wideQ = 64;
                wideI = 64;
                narrowI = 128;
            }
            case FP32 -> {
                wideName = "filter_fp32_wide";
                narrowName = "filter_fp32_narrow";
                wideQ = 64;
                wideI = 128;
                narrowI = 128;
            }
            case TF32 -> {
                wideName = "filter_tf32";
                narrowName = "filter_tf32";
                wideQ = 64;
                wideI = 128;
                narrowI = 128;
            }
            default -> {
                wideName = "filter_bf16";
                narrowName = "filter_bf16";
                wideQ = 64;
                wideI = 128;
                narrowI = 128;
            }
        }
        filterWide = m.function(wideName);
        filterNarrow = m.function(narrowName);
        select = m.function("topk_select");
        reset = m.function("topk_reset");
        filterMma = m.function("filter_bf16_mma");
        extraDot = m.function("extra_dot_exact");
        gate = m.function("spin_gate");
        seedMma = m.function("seed_bf16_mma");
        Cuda.check(JCudaDriver.cuFuncSetAttribute(seedMma, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, MMA_SMEM),
                "cuFuncSetAttribute", "seed_bf16_mma dynamic shared memory " + MMA_SMEM);
        small = m.function(precision == ScorePrecision.BF16 ? "topk_small_bf16" : "topk_small_fp32");
        one = m.function(precision == ScorePrecision.BF16 ? "topk_one_bf16" : "topk_one_fp32");
        Cuda.check(JCudaDriver.cuFuncSetAttribute(one, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, SMALL_SMEM),
                "cuFuncSetAttribute", "topk_one dynamic shared memory " + SMALL_SMEM);
        Cuda.check(JCudaDriver.cuFuncSetAttribute(filterMma, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, MMA_SMEM),
                "cuFuncSetAttribute", "filter_bf16_mma dynamic shared memory " + MMA_SMEM);
        Cuda.check(JCudaDriver.cuFuncSetAttribute(small, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, SMALL_SMEM),
                "cuFuncSetAttribute", "topk_small dynamic shared memory " + SMALL_SMEM);
        timer = own(new CudaTimer());
        kernelTimer = own(new CudaTimer());
    }

    /**
     * Device time of the last {@link #topK} (batch upload from pinned memory, kernels, result download),
     * in ms; the host's staging of the batch into pinned memory is not in it.
     */
    public float lastDeviceMillis() {
        return lastDeviceMillis;
    }

    /** Device time of the last {@link #topK}'s kernels alone (after the upload, before the download), in ms. */
    public float lastKernelMillis() {
        return lastKernelMillis;
    }

    /** Records an event after every stage of later calls (costs a little); see {@link #lastProfile()}. */
    public void profile(boolean on) {
        checkOpen();
        if (on && marks == null) {
            backend.context().bind();
            CUevent[] ev = new CUevent[markNames.length];
            for (int i = 0; i < ev.length; i++) {
                ev[i] = new CUevent();
                Cuda.check(JCudaDriver.cuEventCreate(ev[i], CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
            }
            marks = ev;
            own((AutoCloseable) () -> {
                for (CUevent e : ev) {
                    JCudaDriver.cuEventDestroy(e);
                }
            });
        }
        profile = on;
    }

    /**
     * Benchmark only: when on, each call first queues a kernel that holds the stream until everything
     * of the call is queued, so {@link #lastDeviceMillis()} is the GPU's time for the work itself,
     * without host submission gaps (GPU time, as opposed to latency).
     */
    public void gatedTiming(boolean on) {
        checkOpen();
        if (on && gateFlag == null) {
            backend.context().bind();
            gateFlag = own(new PinnedBuffer(256, "scorer.gate"));
            gateDev = new CUdeviceptr();
            Cuda.check(JCudaDriver.cuMemHostGetDevicePointer(gateDev, gateFlag.pointer(0, 4), 0), "cuMemHostGetDevicePointer", "scorer.gate");
        }
        gated = on;
    }

    private void holdStream() {
        if (gated) {
            gateFlag.buffer().putInt(0, 0);
            launch(gate, "spin_gate", 1, 1, 1, 0, "gate", gateDev, 4_000_000_000L);
        }
    }

    /** The device address of a pinned buffer (cuMemAllocHost memory is mapped into the device's address space). */
    private static CUdeviceptr mapped(PinnedBuffer b) {
        CUdeviceptr p = new CUdeviceptr();
        Cuda.check(JCudaDriver.cuMemHostGetDevicePointer(p, b.pointer(0, 1), 0), "cuMemHostGetDevicePointer", "mapped pinned buffer");
        return p;
    }

    private void releaseStream() {
        if (gated) {
            gateFlag.buffer().putInt(0, 1);
        }
    }

    /** Stage times of the last call when profiling ("name ms" pairs in stream order), else empty. */
    public String lastProfile() {
        if (!profile || nMarks < 2) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        float[] ms = new float[1];
        for (int i = 1; i < nMarks; i++) {
            Cuda.check(JCudaDriver.cuEventElapsedTime(ms, marks[i - 1], marks[i]), "cuEventElapsedTime");
            b.append(i > 1 ? ", " : "").append(markNames[i]).append(' ').append(String.format(java.util.Locale.ROOT, "%.4f", ms[0]));
        }
        return b.toString();
    }

    private void mark(String name) {
        if (profile && nMarks < markNames.length) {
            Cuda.check(JCudaDriver.cuEventRecord(marks[nMarks], stream.handle()), "cuEventRecord");
            markNames[nMarks++] = name;
        }
    }

    @Override
    public boolean extrasOnDevice() {
        return true;
    }

    public ScorePrecision precision() {
        return precision;
    }

    /** Batches recomputed with the chunked schedule after a candidate-buffer overflow. */
    public long overflowRetries() {
        return overflowRetries;
    }

    /** Catalog rows copied to the device so far (incremental sync copies only changed rows). */
    public long catalogRowsUploaded() {
        return mirror == null ? 0 : mirror.rowsUploaded();
    }

    @Override
    public void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
        checkOpen();
        int nq = OperatorChecks.scoreCall(items, batch, k, out);
        if (nq == 0) {
            return;
        }
        int dim = items.dim();
        enter();
        Lock lock = items.readLock();
        lock.lock();
        int n;
        try {
            mirror = sharedMirror(precision == ScorePrecision.BF16);
            mirror.sync(this, items);
            n = items.size();
        } finally {
            lock.unlock();
        }
        int ldPad = CatalogMirror.paddedDim(dim);
        int groups = Math.max(1, blocks(n, SMALL_ITEMS));
        boolean smallPath = precision != ScorePrecision.EXACT && nq <= SMALL_MAX_Q && k <= SMALL_MAX_K && ldPad <= SMALL_MAX_LD
                && (long) groups * k <= SMALL_MERGE_CAP;
        boolean mmaPath = precision == ScorePrecision.BF16 && !smallPath;
        long inBytes = stageQueries(batch, nq, dim, mmaPath);
        prepareBuffers(nq, k, extraTotal);
        // device time: from the batch upload (pinned, staged above on the host) to the result download
        nMarks = 0;
        holdStream();
        timer.start(stream);
        mark("start");
        // one query without exclude list travels in the launch parameters: no upload
        boolean oneQuery = smallPath && nq == 1 && lastExTotal == 0 && extraTotal == 0 && ldPad <= ONE_MAX_LD;
        if (!oneQuery) {
            dIn.upload(hIn, 0, 0, inBytes, stream);
            mark("upload");
        }
        kernelTimer.start(stream);
        if (extraTotal > 0) {
            // written into the mapped result buffer, behind the top-k's rows: no download, and a top-k retry leaves them
            CUdeviceptr res = mapped(hOut);
            launch(extraDot, "extra_dot_exact", nq, 1, 128, dim * 4, "queries " + nq + ", extra items " + extraTotal,
                    dExtraQueries, ldPad, mirror.fp32(), mirror.ld(), dim, dExtraOff, dExtraIdx, res.withByteOffset(outExtraOff));
            mark("extra_dot_exact");
        }
        if (smallPath) {
            runSmall(batch, nq, n, k, groups, oneQuery);
        } else {
            boolean ok = run(nq, n, k, dim, false);
            if (!ok) {
                overflowRetries++;
                if (!run(nq, n, k, dim, true)) {
                    throw new IllegalStateException("chunked top-k overflowed its candidate buffer (a bug)");
                }
            }
        }
        ByteBuffer hb = hOut.buffer();
        hb.asIntBuffer().get(0, out.rawIndices(), 0, nq * k);
        hb.slice((int) outScoreOff, nq * k * 4).order(ByteOrder.nativeOrder()).asFloatBuffer().get(0, out.rawScores(), 0, nq * k);
        hb.slice((int) outCountOff, nq * 4).order(ByteOrder.nativeOrder()).asIntBuffer().get(0, out.rawCounts(), 0, nq);
        if (extraTotal > 0) {
            hb.slice((int) outExtraOff, (int) extraTotal * 4).order(ByteOrder.nativeOrder()).asFloatBuffer()
                    .get(0, out.rawExtraScores(), 0, (int) extraTotal);
        }
    }

    /**
     * A few queries: one launch that streams the catalog once per query (bandwidth-bound; tensor cores
     * would idle), keeps each 512-item group's best k and merges them in the query's last block.
     */
    private void runSmall(ScoreBatch batch, int nq, int n, int k, int groups, boolean oneQuery) {
        int ld = mirror.ld();
        DeviceBuffer items = precision == ScorePrecision.BF16 ? mirror.bf16() : mirror.fp32();
        dPart = device(dPart, (long) nq * groups * k * 8, "small.partials");
        DeviceBuffer t = device(dTicket, (long) SMALL_MAX_Q * 4, "small.tickets");
        if (t != dTicket) {
            // the merging block of each query resets its ticket; a new buffer starts at zero once
            Cuda.check(JCudaDriver.cuMemsetD32Async(t.ptr(), 0, SMALL_MAX_Q, stream.handle()), "cuMemsetD32Async", "small.tickets");
            dTicket = t;
        }
        // the rows are written straight into the pinned result buffer (mapped): no download
        CUdeviceptr res = mapped(hOut);
        if (oneQuery) {
            java.util.Arrays.fill(oneParam, 0f);
            System.arraycopy(batch.queries(), 0, oneParam, 0, batch.dim());
            launch(one, precision == ScorePrecision.BF16 ? "topk_one_bf16" : "topk_one_fp32", groups, 1, 512, SMALL_SMEM,
                    "one query, items " + n + ", k " + k,
                    items, oneParam, ld, mirror.active(), n, k,
                    dPart, dTicket, res, res.withByteOffset(outScoreOff), res.withByteOffset(outCountOff));
            mark("topk_one");
        } else {
            launch(small, precision == ScorePrecision.BF16 ? "topk_small_bf16" : "topk_small_fp32", groups, nq, 512, SMALL_SMEM,
                    "queries " + nq + ", items " + n + ", k " + k,
                    items, dQueries, nq, ld, mirror.active(), n, k, dExOff, dExIdx,
                    dPart, dTicket, res, res.withByteOffset(outScoreOff), res.withByteOffset(outCountOff));
            mark("topk_small");
        }
        kernelTimer.stop(stream);
        timer.stop(stream);
        releaseStream();
        stream.synchronize("small-batch top-k of " + nq + " queries x " + n + " items (" + precision + ", k " + k + ")");
        lastDeviceMillis = timer.millis();
        lastKernelMillis = kernelTimer.millis();
    }

    /**
     * Runs the filter/select schedule and downloads the results; false when a candidate buffer
     * overflowed (only possible when {@code chunked} is false).
     */
    private boolean run(int nq, int n, int k, int dim, boolean chunked) {
        int ld = mirror.ld();
        if (!stateClean || chunked) {
            int slots = (int) (Math.min(dCnt.bytes(), dThr.bytes()) / 4);
            launch(reset, "topk_reset", blocks(slots, 256), 1, 256, 0, "slots " + slots, dCnt, dThr, slots);
            mark("topk_reset");
        }
        stateClean = false;
        int chunk = SORT_CAP - k;
        int first = chunked ? chunk : Math.max(2048, Math.min(chunk, 32 * k));
        int i0 = 0;
        if (precision == ScorePrecision.BF16 && !chunked) {
            // seed the thresholds from maxima of 8-item groups over the first items (no candidates
            // written), then filter the whole catalog: cheaper than a candidate-writing seed chunk
            int seed = (int) Math.min((long) Math.max(2048, 32 * k), SEED_MAX) / MMA_TILE * MMA_TILE;
            if (seed / 8 >= 2 * k && seed < n) {
                launch(seedMma, "seed_bf16_mma", blocks(nq, MMA_TILE) * blocks(seed, MMA_TILE), 1, 256, MMA_SMEM,
                        "queries " + nq + ", items [0, " + seed + "), dim " + dim + ", k " + k,
                        dQueries, nq, mirror.bf16(), ld, mirror.active(), 0, seed, dim, dExOff, dExIdx, dThr, dCand, dCnt, SORT_CAP);
                mark("seed_bf16_mma");
                launch(select, "topk_select", nq, 1, SELECT_THREADS, 0, "seed threshold, queries " + nq + ", k " + k,
                        dCand, dCnt, dThr, SORT_CAP, k, 2, dOutIdx, dOutScore, dOutCount);
                mark("topk_select_seed");
                first = n;
            }
        }
        boolean wide = nq > 16;
        CUfunction f = wide ? filterWide : filterNarrow;
        String fname = wide ? wideName : narrowName;
        int bq = wide ? wideQ : narrowQ;
        int bi = wide ? wideI : narrowI;
        int smem = 0;
        Object queries = dQueries;
        boolean tiles1d = false;   // bf16: one CTA per (query tile, item tile), 1-D grid
        if (precision == ScorePrecision.TF32) {
            bq = 64;
            bi = 128;
        } else if (precision == ScorePrecision.BF16) {
            f = filterMma;
            fname = "filter_bf16_mma";
            bq = MMA_TILE;
            bi = MMA_TILE;
            smem = MMA_SMEM;
            queries = dQueries;   // staged as bf16, rows padded to the tile
            tiles1d = true;
        }
        DeviceBuffer items = precision == ScorePrecision.BF16 ? mirror.bf16() : mirror.fp32();
        while (i0 < n) {
            int i1 = (int) Math.min(n, (long) i0 + (i0 == 0 ? first : (chunked ? chunk : n)));
            launch(f, fname, tiles1d ? blocks(nq, bq) * blocks(i1 - i0, bi) : blocks(nq, bq),
                    tiles1d ? 1 : blocks(i1 - i0, bi), 256, smem,
                    "queries " + nq + ", items [" + i0 + ", " + i1 + "), dim " + dim + ", k " + k,
                    queries, nq, items, ld, mirror.active(), i0, i1, dim, dExOff, dExIdx, dThr, dCand, dCnt, SORT_CAP);
            mark(fname + "[" + i0 + "," + i1 + ")");
            if (i1 < n) {
                launch(select, "topk_select", nq, 1, SELECT_THREADS, 0, "queries " + nq + ", k " + k,
                        dCand, dCnt, dThr, SORT_CAP, k, 0, dOutIdx, dOutScore, dOutCount);
                mark("topk_select");
            }
            i0 = i1;
        }
        launch(select, "topk_select", nq, 1, SELECT_THREADS, 0, "final, queries " + nq + ", k " + k,
                dCand, dCnt, dThr, SORT_CAP, k, 1, dOutIdx, dOutScore, dOutCount);
        mark("topk_select_final");
        kernelTimer.stop(stream);
        dOut.download(hOut, 0, 0, outCountOff + (long) nq * 4, stream);
        mark("download");
        timer.stop(stream);
        releaseStream();
        stream.synchronize("top-k of " + nq + " queries x " + n + " items (" + precision + ", k " + k + ")");
        lastDeviceMillis = timer.millis();
        lastKernelMillis = kernelTimer.millis();
        ByteBuffer hb = hOut.buffer();
        for (int q = 0; q < nq; q++) {
            if (hb.getInt((int) outCountOff + 4 * q) < 0) {
                return false;
            }
        }
        stateClean = true;   // the final select left every used slot at count 0, threshold -inf
        return true;
    }

    /** Fills the pinned batch buffer (queries, exclude lists) and sizes its device twin; returns its bytes. */
    private long stageQueries(ScoreBatch batch, int nq, int dim, boolean bf16) {
        int ld = CatalogMirror.paddedDim(dim);
        int rows = bf16 ? blocks(nq, MMA_TILE) * MMA_TILE : nq;
        long qBytes = (long) rows * ld * (bf16 ? 2 : 4);
        long exTotal = 0;
        for (int r = 0; r < nq; r++) {
            exTotal += batch.exclude(r).length;
        }
        if (exTotal > Integer.MAX_VALUE - 8) {
            throw new OperatorException("exclude lists of " + exTotal + " entries exceed one batch");
        }
        long offOff = qBytes;
        long idxOff = offOff + (long) (nq + 1) * 4;
        long xTotal = batch.extrasTotal();
        if (xTotal > Integer.MAX_VALUE / 4 - 8) {
            throw new OperatorException("extra items of " + xTotal + " entries exceed one batch");
        }
        long xOffOff = idxOff + Math.max(1, exTotal) * 4;
        long xIdxOff = xOffOff + (long) (nq + 1) * 4;
        // the extras' fp32 queries: their own copy (16-byte aligned) only where the top-k's are staged as bf16
        long xQOff = (xIdxOff + Math.max(1, xTotal) * 4 + 15) / 16 * 16;
        long inBytes = xTotal > 0 && bf16 ? xQOff + (long) nq * ld * 4 : xIdxOff + Math.max(1, xTotal) * 4;
        hIn = pinned(hIn, inBytes, "batch.in");
        ByteBuffer hb = hIn.buffer();
        float[] src = batch.queries();
        if (bf16) {
            // round to nearest even, as __float2bfloat16_rn (finite values: validated); zero padding
            ShortBuffer sb = hb.asShortBuffer();
            short[] row = new short[ld];
            for (int r = 0; r < rows; r++) {
                if (r < nq) {
                    for (int d = 0; d < dim; d++) {
                        int bits = Float.floatToRawIntBits(src[r * dim + d]);
                        row[d] = (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
                    }
                } else {
                    java.util.Arrays.fill(row, 0, dim, (short) 0);
                }
                sb.put(r * ld, row, 0, ld);
            }
        } else {
            FloatBuffer qb = hb.asFloatBuffer();
            for (int r = 0; r < nq; r++) {
                qb.put(r * ld, src, r * dim, dim);
                for (int d = dim; d < ld; d++) {
                    qb.put(r * ld + d, 0f);
                }
            }
        }
        stageLists(hb, offOff, idxOff, nq, exTotal, batch::exclude);
        lastExTotal = exTotal;
        extraTotal = xTotal;
        if (xTotal > 0) {
            stageLists(hb, xOffOff, xIdxOff, nq, xTotal, batch::extras);
            if (bf16) {
                FloatBuffer qb = hb.slice((int) xQOff, nq * ld * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                for (int r = 0; r < nq; r++) {
                    qb.put(r * ld, src, r * dim, dim);
                }
            }
        }
        dIn = device(dIn, inBytes, "batch.in");
        dQueries = dIn.at(0);
        dExOff = dIn.at(offOff);
        dExIdx = dIn.at(idxOff);
        dExtraOff = dIn.at(xOffOff);
        dExtraIdx = dIn.at(xIdxOff);
        dExtraQueries = xTotal > 0 && bf16 ? dIn.at(xQOff) : dQueries;
        return inBytes;
    }

    /**
     * Writes one int list per query as offsets ({@code nq + 1} at {@code offOff}) and the lists one after the other (at
     * {@code idxOff}, {@code total} entries).
     */
    private static void stageLists(ByteBuffer hb, long offOff, long idxOff, int nq, long total,
                                   java.util.function.IntFunction<int[]> list) {
        IntBuffer off = hb.slice((int) offOff, (nq + 1) * 4).order(ByteOrder.nativeOrder()).asIntBuffer();
        IntBuffer idx = hb.slice((int) idxOff, (int) (Math.max(1, total) * 4)).order(ByteOrder.nativeOrder()).asIntBuffer();
        int pos = 0;
        for (int r = 0; r < nq; r++) {
            off.put(r, pos);
            int[] e = list.apply(r);
            idx.put(pos, e, 0, e.length);
            pos += e.length;
        }
        off.put(nq, pos);
    }

    private void prepareBuffers(int nq, int k, long extras) {
        dCand = device(dCand, (long) nq * SORT_CAP * 8, "candidates");
        DeviceBuffer c = device(dCnt, (long) nq * 4, "candidate.counts");
        DeviceBuffer t = device(dThr, (long) nq * 4, "thresholds");
        if (c != dCnt || t != dThr) {
            stateClean = false;
        }
        dCnt = c;
        dThr = t;
        outScoreOff = (long) nq * k * 4;
        outCountOff = 2 * outScoreOff;
        outExtraOff = outCountOff + (long) nq * 4;
        long outBytes = outExtraOff + extras * 4;
        dOut = device(dOut, outBytes, "batch.out");
        hOut = pinned(hOut, outBytes, "batch.out");
        dOutIdx = dOut.at(0);
        dOutScore = dOut.at(outScoreOff);
        dOutCount = dOut.at(outCountOff);
    }

}
