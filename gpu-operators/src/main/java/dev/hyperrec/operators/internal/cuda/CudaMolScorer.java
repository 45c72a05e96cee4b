package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.MixtureOfLogits;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.internal.OperatorChecks;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.concurrent.locks.Lock;
import jcuda.driver.CUfunction;

/**
 * The Mixture-of-Logits {@link Scorer} on the device: the weights are uploaded once; the item side
 * of every catalog row ({@code mol_item_side}) is recomputed on the device whenever the catalog's
 * version changes (cheap next to scoring); per batch the query sides ({@code mol_query_side}), then
 * one thread per (query, item) computes {@code φ} ({@code mol_scores}) and writes its rank key to the
 * query's candidate row, and {@code topk_select} (hyperrec_score.cu) keeps the best k, ties by lower
 * index as on the CPU. Unlike the dot-product scorer this first version is not fused: each query's
 * row holds a key for every eligible item ({@code 8·n} bytes a query). Thread affinity: one thread
 * at a time; binds the context at each call.
 */
final class CudaMolScorer extends CudaOperator implements Scorer {
    /** The calling thread's shared device copy of the catalog, set at each call's sync. */
    private CatalogMirror mirror;
    private static final int SELECT_THREADS = 256;

    private final MixtureOfLogits w;
    private final CUfunction itemSideKernel;
    private final CUfunction querySideKernel;
    private final CUfunction scoresKernel;
    private final CUfunction select;
    private final CUfunction reset;
    private final DeviceBuffer dWeights;
    private final long offB;
    private final long offGq;
    private final long offGx;
    private final long offBias;
    private ItemCatalog sideCatalog;
    private long sideVersion = -1;
    private DeviceBuffer dItemSide;
    private PinnedBuffer hIn;
    private DeviceBuffer dIn;
    private DeviceBuffer dQuerySide;
    private DeviceBuffer dCand;
    private DeviceBuffer dState;
    private DeviceBuffer dOut;
    private PinnedBuffer hOut;
    private final CudaTimer timer = own(new CudaTimer());
    private float lastDeviceMillis;

    CudaMolScorer(CudaBackend backend, MixtureOfLogits weights) {
        super(backend, "mixture-of-logits scorer");
        this.w = weights;
        this.itemSideKernel = backend.rerankModule().function("mol_item_side");
        this.querySideKernel = backend.rerankModule().function("mol_query_side");
        this.scoresKernel = backend.rerankModule().function("mol_scores");
        this.select = backend.scoreModule().function("topk_select");
        this.reset = backend.scoreModule().function("topk_reset");
        float[][] parts = {w.a(), w.b(), w.gq(), w.gx(), w.bias()};
        long floats = 0;
        for (float[] p : parts) {
            floats += p.length;
        }
        PinnedBuffer h = own(new PinnedBuffer(floats * 4, "mol.weights.host"));
        dWeights = own(new DeviceBuffer(floats * 4, "mol.weights"));
        FloatBuffer fb = h.buffer().asFloatBuffer();
        int off = 0;
        long[] offsets = new long[5];
        for (int i = 0; i < 5; i++) {
            offsets[i] = off * 4L;
            fb.put(off, parts[i], 0, parts[i].length);
            off += parts[i].length;
        }
        offB = offsets[1];
        offGq = offsets[2];
        offGx = offsets[3];
        offBias = offsets[4];
        dWeights.upload(h, 0, 0, floats * 4, stream);
        stream.synchronize("mol weights upload");
        drop(h);
    }

    /** Device time of the last {@link #topK} (uploads, kernels, download), in ms. */
    float lastDeviceMillis() {
        return lastDeviceMillis;
    }

    @Override
    public void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
        enter();
        int nq = OperatorChecks.molScoreCall(items, batch, k, out, w.dim());
        if (nq == 0) {
            return;
        }
        Lock lock = items.readLock();
        lock.lock();
        try {
            run(items, batch, nq, k, out);
        } finally {
            lock.unlock();
        }
    }

    private void run(ItemCatalog items, ScoreBatch batch, int nq, int k, TopKResult out) {
        int dim = w.dim();
        int n = items.size();
        timer.start(stream);
        mirror = sharedMirror(false);
        mirror.sync(this, items);
        int f = w.itemFloats();
        if (items != sideCatalog || items.version() != sideVersion || dItemSide == null || dItemSide.bytes() < (long) n * f * 4) {
            dItemSide = device(dItemSide, (long) Math.max(1, n) * f * 4, "item.side");
            launch(itemSideKernel, "mol_item_side", blocks((long) n * f, 256), 1, 256, 0, "rows " + n + ", floats " + f,
                    mirror.fp32(), mirror.ld(), dim, n, dWeights.at(offB), dWeights.at(offGx), w.itemComponents() * w.width(), f,
                    dItemSide);
            sideCatalog = items;
            sideVersion = items.version();
        }
        int exTotal = 0;
        for (int q = 0; q < nq; q++) {
            exTotal += batch.exclude(q).length;
        }
        long qBytes = (long) nq * dim * 4;
        long offBytes = (long) (nq + 1) * 4;
        long inBytes = qBytes + offBytes + (long) Math.max(1, exTotal) * 4;
        hIn = pinned(hIn, inBytes, "batch.in");
        dIn = device(dIn, inBytes, "batch.in");
        ByteBuffer hb = hIn.buffer();
        hb.asFloatBuffer().put(0, batch.queries(), 0, nq * dim);
        IntBuffer ib = hb.asIntBuffer();
        int pos = 0;
        int offInts = (int) (qBytes / 4);
        for (int q = 0; q < nq; q++) {
            ib.put(offInts + q, pos);
            int[] e = batch.exclude(q);
            ib.put(offInts + nq + 1 + pos, e, 0, e.length);
            pos += e.length;
        }
        ib.put(offInts + nq, pos);
        dIn.upload(hIn, 0, 0, inBytes, stream);
        int qf = w.queryFloats();
        dQuerySide = device(dQuerySide, (long) nq * qf * 4, "query.side");
        launch(querySideKernel, "mol_query_side", blocks((long) nq * qf, 128), 1, 128, 0, "queries " + nq,
                dIn, dim, nq, dWeights, dWeights.at(offGq), dWeights.at(offBias), w.userComponents() * w.width(), qf, dQuerySide);
        int candCap = Math.max(1, n);
        dCand = device(dCand, (long) nq * candCap * 8, "candidates");
        dState = device(dState, (long) nq * 8, "state");
        long outCountOff = 2L * nq * k * 4;
        long outBytes = outCountOff + (long) nq * 4;
        dOut = device(dOut, outBytes, "out");
        hOut = pinned(hOut, outBytes, "out");
        launch(reset, "topk_reset", blocks(nq, 256), 1, 256, 0, "queries " + nq, dState, dState.at((long) nq * 4), nq);
        launch(scoresKernel, "mol_scores", blocks(n, 128), nq, 128, qf * 4, "queries " + nq + ", items " + n,
                dQuerySide, dItemSide, n, w.userComponents(), w.itemComponents(), w.width(), mirror.active(),
                dIn.at(qBytes), dIn.at(qBytes + offBytes), dCand, dState, candCap);
        launch(select, "topk_select", nq, 1, SELECT_THREADS, 0, "final, queries " + nq + ", k " + k,
                dCand, dState, dState.at((long) nq * 4), candCap, k, 1, dOut, dOut.at((long) nq * k * 4), dOut.at(outCountOff));
        dOut.download(hOut, 0, 0, outBytes, stream);
        timer.stop(stream);
        stream.synchronize("mixture-of-logits top-" + k + " of " + nq + " queries x " + n + " items");
        lastDeviceMillis = timer.millis();
        ByteBuffer ob = hOut.buffer();
        IntBuffer oi = ob.asIntBuffer();
        FloatBuffer os = ob.asFloatBuffer();
        int[] idx = out.rawIndices();
        float[] sc = out.rawScores();
        int[] counts = out.rawCounts();
        for (int q = 0; q < nq; q++) {
            int m = oi.get((int) (outCountOff / 4) + q);
            counts[q] = m;
            oi.get(q * k, idx, q * k, m);
            os.get(nq * k + q * k, sc, q * k, m);
        }
    }
}
