package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
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
 * rest of the catalog is filtered in one launch and a final select sorts. If a query's buffer
 * overflowed (possible when many scores tie at the threshold), the batch is recomputed with chunks of
 * {@code 8192-k} items and a compaction after each chunk, which can never overflow. Ordering: score
 * descending, then lower item index (as the CPU reference).
 *
 * <p>Precision: see {@link ScorePrecision}; {@code EXACT} scores equal the CPU reference bit for bit.
 * Thread affinity: one thread at a time; binds the context at each call.
 */
public final class CudaScorer extends CudaOperator implements Scorer {
    static final int SORT_CAP = 8192;

    private final ScorePrecision precision;
    private final CatalogMirror mirror;
    private final CUfunction filterWide;
    private final CUfunction filterNarrow;
    private final CUfunction select;
    private final CUfunction reset;
    private final int wideQ;
    private final int wideI;
    private final int narrowQ = 16;
    private final int narrowI;
    private final String wideName;
    private final String narrowName;
    private PinnedBuffer hQueries;
    private PinnedBuffer hExOff;
    private PinnedBuffer hExIdx;
    private PinnedBuffer hOutIdx;
    private PinnedBuffer hOutScore;
    private PinnedBuffer hOutCount;
    private DeviceBuffer dQueries;
    private DeviceBuffer dExOff;
    private DeviceBuffer dExIdx;
    private DeviceBuffer dCand;
    private DeviceBuffer dCnt;
    private DeviceBuffer dThr;
    private DeviceBuffer dOutIdx;
    private DeviceBuffer dOutScore;
    private DeviceBuffer dOutCount;
    private long overflowRetries;
    private final CudaTimer timer;
    private float lastDeviceMillis;

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
        Cuda.check(JCudaDriver.cuFuncSetAttribute(select, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, SORT_CAP * 8),
                "cuFuncSetAttribute", "topk_select dynamic shared memory " + SORT_CAP * 8);
        mirror = new CatalogMirror(this, precision == ScorePrecision.BF16);
        timer = own(new CudaTimer());
    }

    /** Device time of the last {@link #topK} (query upload, kernels, result download), in ms. */
    public float lastDeviceMillis() {
        return lastDeviceMillis;
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
        return mirror.rowsUploaded();
    }

    @Override
    public void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
        checkOpen();
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(out, "out");
        int dim = items.dim();
        if (batch.dim() != dim) {
            throw new OperatorException("score batch has dimension " + batch.dim() + ", catalog " + dim);
        }
        int nq = batch.size();
        out.reset(nq, k);
        if (nq == 0) {
            return;
        }
        validate(batch, nq, dim);
        enter();
        Lock lock = items.readLock();
        lock.lock();
        int n;
        try {
            mirror.sync(items);
            n = items.size();
        } finally {
            lock.unlock();
        }
        timer.start(stream);
        stageQueries(batch, nq, dim);
        prepareBuffers(nq, k);
        boolean ok = run(nq, n, k, dim, false);
        if (!ok) {
            overflowRetries++;
            if (!run(nq, n, k, dim, true)) {
                throw new IllegalStateException("chunked top-k overflowed its candidate buffer (a bug)");
            }
        }
        IntBuffer idx = hOutIdx.buffer().asIntBuffer();
        FloatBuffer sc = hOutScore.buffer().asFloatBuffer();
        IntBuffer cnt = hOutCount.buffer().asIntBuffer();
        idx.get(0, out.rawIndices(), 0, nq * k);
        sc.get(0, out.rawScores(), 0, nq * k);
        cnt.get(0, out.rawCounts(), 0, nq);
    }

    /**
     * Runs the filter/select schedule and downloads the results; false when a candidate buffer
     * overflowed (only possible when {@code chunked} is false).
     */
    private boolean run(int nq, int n, int k, int dim, boolean chunked) {
        int ld = mirror.ld();
        launch(reset, "topk_reset", blocks(nq, 256), 1, 256, 0, "queries " + nq, dCnt, dThr, nq);
        int chunk = SORT_CAP - k;
        int first = chunked ? chunk : Math.max(2048, Math.min(chunk, 32 * k));
        int i0 = 0;
        boolean wide = nq > 16;
        CUfunction f = wide ? filterWide : filterNarrow;
        String fname = wide ? wideName : narrowName;
        int bq = wide ? wideQ : narrowQ;
        int bi = wide ? wideI : narrowI;
        if (precision == ScorePrecision.TF32 || precision == ScorePrecision.BF16) {
            bq = 64;
            bi = 128;
        }
        DeviceBuffer items = precision == ScorePrecision.BF16 ? mirror.bf16() : mirror.fp32();
        while (i0 < n) {
            int i1 = (int) Math.min(n, (long) i0 + (i0 == 0 ? first : (chunked ? chunk : n)));
            launch(f, fname, blocks(nq, bq), blocks(i1 - i0, bi), 256, 0,
                    "queries " + nq + ", items [" + i0 + ", " + i1 + "), dim " + dim + ", k " + k,
                    dQueries, nq, items, ld, mirror.active(), i0, i1, dim, dExOff, dExIdx, dThr, dCand, dCnt, SORT_CAP);
            if (i1 < n) {
                launch(select, "topk_select", nq, 1, 1024, SORT_CAP * 8, "queries " + nq + ", k " + k,
                        dCand, dCnt, dThr, SORT_CAP, k, 0, dOutIdx, dOutScore, dOutCount);
            }
            i0 = i1;
        }
        launch(select, "topk_select", nq, 1, 1024, SORT_CAP * 8, "final, queries " + nq + ", k " + k,
                dCand, dCnt, dThr, SORT_CAP, k, 1, dOutIdx, dOutScore, dOutCount);
        dOutIdx.download(hOutIdx, 0, 0, (long) nq * k * 4, stream);
        dOutScore.download(hOutScore, 0, 0, (long) nq * k * 4, stream);
        dOutCount.download(hOutCount, 0, 0, (long) nq * 4, stream);
        timer.stop(stream);
        stream.synchronize("top-k of " + nq + " queries x " + n + " items (" + precision + ", k " + k + ")");
        lastDeviceMillis = timer.millis();
        IntBuffer cnt = hOutCount.buffer().asIntBuffer();
        for (int q = 0; q < nq; q++) {
            if (cnt.get(q) < 0) {
                return false;
            }
        }
        return true;
    }

    private void stageQueries(ScoreBatch batch, int nq, int dim) {
        int ld = CatalogMirror.paddedDim(dim);
        long qBytes = (long) nq * ld * 4;
        hQueries = pinned(hQueries, qBytes, "queries");
        FloatBuffer qb = hQueries.buffer().asFloatBuffer();
        float[] src = batch.queries();
        for (int r = 0; r < nq; r++) {
            qb.put(r * ld, src, r * dim, dim);
            for (int d = dim; d < ld; d++) {
                qb.put(r * ld + d, 0f);
            }
        }
        long exTotal = 0;
        for (int r = 0; r < nq; r++) {
            exTotal += batch.exclude(r).length;
        }
        if (exTotal > Integer.MAX_VALUE - 8) {
            throw new OperatorException("exclude lists of " + exTotal + " entries exceed one batch");
        }
        hExOff = pinned(hExOff, (long) (nq + 1) * 4, "exclude.offsets");
        hExIdx = pinned(hExIdx, Math.max(1, exTotal) * 4, "exclude.items");
        IntBuffer off = hExOff.buffer().asIntBuffer();
        IntBuffer ex = hExIdx.buffer().asIntBuffer();
        int pos = 0;
        for (int r = 0; r < nq; r++) {
            off.put(r, pos);
            int[] e = batch.exclude(r);
            ex.put(pos, e, 0, e.length);
            pos += e.length;
        }
        off.put(nq, pos);
        dQueries = device(dQueries, qBytes, "queries");
        dExOff = device(dExOff, (long) (nq + 1) * 4, "exclude.offsets");
        dExIdx = device(dExIdx, Math.max(1, exTotal) * 4, "exclude.items");
        dQueries.upload(hQueries, 0, 0, qBytes, stream);
        dExOff.upload(hExOff, 0, 0, (long) (nq + 1) * 4, stream);
        dExIdx.upload(hExIdx, 0, 0, Math.max(1, exTotal) * 4, stream);
    }

    private void prepareBuffers(int nq, int k) {
        dCand = device(dCand, (long) nq * SORT_CAP * 8, "candidates");
        dCnt = device(dCnt, (long) nq * 4, "candidate.counts");
        dThr = device(dThr, (long) nq * 4, "thresholds");
        dOutIdx = device(dOutIdx, (long) nq * k * 4, "out.indices");
        dOutScore = device(dOutScore, (long) nq * k * 4, "out.scores");
        dOutCount = device(dOutCount, (long) nq * 4, "out.counts");
        hOutIdx = pinned(hOutIdx, (long) nq * k * 4, "out.indices");
        hOutScore = pinned(hOutScore, (long) nq * k * 4, "out.scores");
        hOutCount = pinned(hOutCount, (long) nq * 4, "out.counts");
    }

    private static void validate(ScoreBatch batch, int nq, int dim) {
        float[] q = batch.queries();
        for (int i = 0; i < nq * dim; i++) {
            if (!Float.isFinite(q[i])) {
                throw new OperatorException("query " + (i / dim) + " has a non-finite component " + q[i] + " at " + (i % dim));
            }
        }
        for (int r = 0; r < nq; r++) {
            int[] ex = batch.exclude(r);
            for (int j = 1; j < ex.length; j++) {
                if (ex[j] < ex[j - 1]) {
                    throw new OperatorException("exclude list of query " + r + " is not ascending at position " + j
                            + ": " + ex[j - 1] + " then " + ex[j]);
                }
            }
        }
    }
}
