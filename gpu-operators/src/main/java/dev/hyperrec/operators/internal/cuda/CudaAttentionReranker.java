package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.AttentionReranker;
import dev.hyperrec.operators.AttentionWeights;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.internal.AttentionChecks;
import java.nio.FloatBuffer;
import java.util.concurrent.locks.Lock;
import jcuda.driver.CUfunction;

/**
 * {@link AttentionReranker} on the device: projections ({@code attn_project}, a block per candidate),
 * per-head softmax pooling and the output projection ({@code attn_pool}, one block), candidate scores
 * ({@code attn_score}). Candidate rows are read from the device catalog mirror; the weights are
 * uploaded once per {@link AttentionWeights} object, so a hot-swapped version costs one upload.
 * Thread affinity: one thread at a time; binds the context at each call.
 */
final class CudaAttentionReranker extends CudaOperator implements AttentionReranker {
    /** The calling thread's shared device copy of the catalog, set at each call's sync. */
    private CatalogMirror mirror;
    private static final int BLOCK = 256;

    private final CUfunction project;
    private final CUfunction pool;
    private final CUfunction scoreKernel;
    private AttentionWeights uploaded;
    private DeviceBuffer dWeights;
    private PinnedBuffer hWeights;
    private PinnedBuffer hIn;
    private DeviceBuffer dIn;
    private DeviceBuffer dWork;
    private PinnedBuffer hOut;
    private DeviceBuffer dOut;
    private float[] query = new float[0];

    CudaAttentionReranker(CudaBackend backend) {
        super(backend, "attention reranker");
        this.project = backend.rerankModule().function("attn_project");
        this.pool = backend.rerankModule().function("attn_pool");
        this.scoreKernel = backend.rerankModule().function("attn_score");
    }

    private void upload(AttentionWeights w) {
        if (w == uploaded) {
            return;
        }
        long floats = (long) w.wq().length + 3L * w.wk().length;
        hWeights = pinned(hWeights, floats * 4, "weights");
        dWeights = device(dWeights, floats * 4, "weights");
        FloatBuffer fb = hWeights.buffer().asFloatBuffer();
        int off = 0;
        for (float[] m : new float[][] {w.wq(), w.wk(), w.wv(), w.wo()}) {
            fb.put(off, m, 0, m.length);
            off += m.length;
        }
        dWeights.upload(hWeights, 0, 0, floats * 4, stream);
        uploaded = w;
    }

    @Override
    public void score(AttentionWeights weights, ItemCatalog catalog, float[] user, float[] context, int[] items, int n,
            float[] scores, float[] attention) {
        enter();
        AttentionChecks.scoreCall(weights, catalog, user, context, items, n, scores, attention);
        int dim = weights.dim();
        int heads = weights.heads();
        int qw = weights.queryWidth();
        query = AttentionChecks.query(weights, user, context, query);
        Lock lock = catalog.readLock();
        lock.lock();
        try {
            mirror = sharedMirror(false);
            mirror.sync(this, catalog);
            upload(weights);
            long inBytes = (long) n * 4 + (long) qw * 4;
            hIn = pinned(hIn, inBytes, "inputs");
            dIn = device(dIn, inBytes, "inputs");
            hIn.buffer().asIntBuffer().put(0, items, 0, n);
            hIn.buffer().asFloatBuffer().put(n, query, 0, qw);
            dIn.upload(hIn, 0, 0, inBytes, stream);
            // work: Q (dim), Z (dim), K (n*dim), V (n*dim)
            long work = (2L + 2L * n) * dim * 4;
            dWork = device(dWork, work, "work");
            long outBytes = (long) (1 + heads) * n * 4;
            hOut = pinned(hOut, outBytes, "outputs");
            dOut = device(dOut, outBytes, "outputs");
            long wq = (long) dim * qw * 4;
            long sq = (long) dim * dim * 4;
            String sizes = "candidates " + n + ", dim " + dim + ", heads " + heads;
            launch(project, "attn_project", n + 1, 1, 128, 0, sizes, mirror.fp32(), mirror.ld(), dim, qw, dIn, n,
                    dIn.at((long) n * 4), dWeights, dWeights.at(wq), dWeights.at(wq + sq), dWork,
                    dWork.at(2L * dim * 4), dWork.at((2L + n) * dim * 4));
            int shared = (n + dim + 32) * 4;
            launch(pool, "attn_pool", 1, 1, BLOCK, shared, sizes, dim, heads, n, dWork, dWork.at(2L * dim * 4),
                    dWork.at((2L + n) * dim * 4), dWeights.at(wq + 2 * sq), dOut.at((long) n * 4), dWork.at((long) dim * 4));
            launch(scoreKernel, "attn_score", blocks(n, 128), 1, 128, 0, sizes, dim, n, dWork.at((long) dim * 4),
                    dWork.at(2L * dim * 4), dOut);
            dOut.download(hOut, 0, 0, outBytes, stream);
            stream.synchronize("attention rerank of " + n + " candidates");
        } finally {
            lock.unlock();
        }
        FloatBuffer out = hOut.buffer().asFloatBuffer();
        out.get(0, scores, 0, n);
        out.get(n, attention, 0, heads * n);
    }
}
