package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.internal.OperatorChecks;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.internal.ResourceOwner;
import java.util.Arrays;
import java.util.concurrent.locks.Lock;

/**
 * Exact batched top-k by blocked dot products.
 *
 * <p><b>Score definition</b> (the reference): {@code score(i, q) = (float) sum_d x_id * q_d}, where
 * each product of two floats is exact in double and the sum is accumulated in double in dimension
 * order, then rounded once to float. A score does not depend on blocking or on the batch, so ties
 * are reproducible; equal scores rank the lower item index first.
 *
 * <p><b>Loop structure.</b> The catalog is held as a dimension-major {@code double} mirror in tiles
 * of {@code T} items ({@code tile[d * T + j]} is component {@code d} of the tile's item {@code j}),
 * synced from the catalog's row versions like a device mirror (only changed rows are rewritten). For
 * each tile and each group of four queries, the scores are accumulated as four running sums over
 * the tile's items, one dimension after the other: {@code acc_q[j] += tile[d][j] * q_d}. The inner
 * loop is an element-wise multiply-add over contiguous arrays without a loop-carried dependence, so
 * the JIT compiles it to SIMD instructions, and each score still sums its products in dimension order
 * with the same double arithmetic as above (Java never fuses the multiply and the add), so the
 * results are bit-identical to the scalar definition. A catalog whose mirror would exceed
 * {@link #MIRROR_LIMIT_BYTES} is transposed tile by tile on every call instead.
 *
 * <p>Each query keeps a bounded min-heap of its best {@code k} (stored in place in the
 * {@link TopKResult} arrays, root = worst); a candidate that does not beat the root is dropped
 * before the exclusion check, which goes on through the query's ascending exclude array from where its previous
 * check ended ({@link #excluded}).
 * Rows are heap-sorted best first at the end. Cost: {@code O(n q dim + n q log k)}.
 *
 * <p>Inactive items are skipped; the catalog's read lock is held for the whole call. Thread affinity:
 * confined to the task thread (it reuses scratch buffers and its mirror).
 */
final class CpuScorer extends CpuOperator implements Scorer {
    /**
     * Largest dimension-major mirror kept between calls (bytes); larger catalogs transpose per call. Each
     * scorer (one per stream task, plus the popular-item cache's) keeps its own mirror, so this bounds
     * the heap a task adds: 10,000 x 64 items (5 MiB) are mirrored, 62,423 x 384 (183 MiB) are not.
     */
    static final long MIRROR_LIMIT_BYTES = 32L << 20;
    private static final int TILE_BYTES = 256 * 1024;
    private static final int GROUP = 4;

    private double[] queries = new double[0];
    /** Per query of the call: where in its exclude array the last exclusion check ended ({@link #excluded}). */
    private int[] exCursor = new int[0];
    private double[][] acc = new double[GROUP][0];
    /**
     * Dimension-major tiles of the catalog (all rows, active or not): {@code mirror[t * dim + d][j]} is
     * component {@code d} of item {@code t * tile + j}; null when not mirrored. One array per tile row
     * (not one flat array) so that the inner loops index every array with the same {@code j}, which the
     * JIT can prove free of cross-iteration dependences and vectorize.
     */
    private double[][] mirror;
    private ItemCatalog mirrored;
    private long mirroredVersion = -1;
    private int mirroredRows;
    private int mirrorTile;
    /** One tile transposed per call when the catalog is not mirrored. */
    private double[][] scratchTile = new double[0][];

    private final long mirrorLimitBytes;

    CpuScorer(ResourceOwner owner) {
        this(owner, MIRROR_LIMIT_BYTES);
    }

    /** A scorer that mirrors catalogs up to {@code mirrorLimitBytes} (0: transposes per call, for tests). */
    CpuScorer(ResourceOwner owner, long mirrorLimitBytes) {
        super(owner, "scorer");
        this.mirrorLimitBytes = mirrorLimitBytes;
    }

    /** Items per tile for dimension {@code dim}: a power of two in [16, 512], tile about 256 KiB. */
    static int tileItems(int dim) {
        int t = 512;
        while (t > 16 && (long) t * dim * Double.BYTES > TILE_BYTES) {
            t >>= 1;
        }
        return t;
    }

    @Override
    public void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
        checkOpen();
        int nq = OperatorChecks.scoreCall(items, batch, k, out);
        if (nq == 0) {
            return;
        }
        int dim = items.dim();
        long cells = (long) nq * dim;
        if (cells > Integer.MAX_VALUE - 8) {
            throw new OperatorException("score batch of " + nq + " x " + dim + " exceeds one Java array");
        }
        if (queries.length < cells) {
            queries = new double[(int) cells];
        }
        float[] src = batch.queries();
        for (int i = 0; i < nq * dim; i++) {
            queries[i] = src[i];
        }
        int tile = tileItems(dim);
        if (acc[0].length < tile) {
            acc = new double[GROUP][tile];
        }
        int[] heapIdx = out.rawIndices();
        float[] heapScore = out.rawScores();
        int[] counts = out.rawCounts();
        if (exCursor.length < nq) {
            exCursor = new int[nq];
        } else {
            Arrays.fill(exCursor, 0, nq, 0);
        }
        Lock lock = items.readLock();
        lock.lock();
        try {
            int n = items.size();
            float[] x = items.rawEmbeddings();
            boolean[] active = items.rawActive();
            boolean mirrored = syncMirror(items, n, dim, tile);
            for (int t0 = 0; t0 < n; t0 += tile) {
                int m = Math.min(tile, n - t0);
                if (!anyActive(active, t0, m)) {
                    continue;
                }
                double[][] xt;
                int base;
                if (mirrored) {
                    xt = mirror;
                    base = t0 / tile * dim;
                } else {
                    xt = transposeTile(x, dim, t0, m, tile);
                    base = 0;
                }
                int g = 0;
                for (; g + GROUP <= nq; g += GROUP) {
                    accumulate4(xt, base, m, dim, g * dim);
                    for (int r = 0; r < GROUP; r++) {
                        offerTile(g + r, r, t0, m, active, batch, k, heapIdx, heapScore, counts);
                    }
                }
                for (; g < nq; g++) {
                    accumulate1(xt, base, m, dim, g * dim);
                    offerTile(g, 0, t0, m, active, batch, k, heapIdx, heapScore, counts);
                }
            }
            if (batch.extrasTotal() > 0) {
                float[] extraScores = out.rawExtraScores();
                for (int r = 0; r < nq; r++) {
                    int[] ex = batch.extras(r);
                    int o = out.extraOffset(r);
                    for (int j = 0; j < ex.length; j++) {
                        extraScores[o + j] = Scorer.exactDot(x, ex[j] * dim, src, r * dim, dim);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        for (int r = 0; r < nq; r++) {
            sortRow(r * k, counts[r], heapIdx, heapScore);
        }
    }

    private static boolean anyActive(boolean[] active, int t0, int m) {
        for (int j = 0; j < m; j++) {
            if (active[t0 + j]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Brings the mirror up to the catalog's version, rewriting only rows whose version is newer.
     *
     * @return false when the catalog is too large to mirror (the caller transposes per tile)
     */
    private boolean syncMirror(ItemCatalog items, int n, int dim, int tile) {
        int tiles = (n + tile - 1) / tile;
        long cells = (long) tiles * tile * dim;
        if (cells * Double.BYTES > mirrorLimitBytes) {
            mirror = null;
            mirrored = null;
            return false;
        }
        long version = items.version();
        if (mirror != null && mirrored == items && mirrorTile == tile && mirroredVersion == version && mirroredRows == n) {
            return true;
        }
        boolean full = mirror == null || mirrored != items || mirrorTile != tile;
        int rows = tiles * dim;
        if (full || mirror.length < rows) {
            double[][] grown = new double[rows][];
            int keep = full ? 0 : mirror.length;
            if (keep > 0) {
                System.arraycopy(mirror, 0, grown, 0, keep);
            }
            for (int r = keep; r < rows; r++) {
                grown[r] = new double[tile];
            }
            mirror = grown;
        }
        float[] x = items.rawEmbeddings();
        long[] rowVersions = items.rawRowVersions();
        for (int i = 0; i < n; i++) {
            if (full || i >= mirroredRows || rowVersions[i] > mirroredVersion) {
                int r0 = i / tile * dim;
                int j = i % tile;
                int src = i * dim;
                for (int d = 0; d < dim; d++) {
                    mirror[r0 + d][j] = x[src + d];
                }
            }
        }
        mirrored = items;
        mirrorTile = tile;
        mirroredVersion = version;
        mirroredRows = n;
        return true;
    }

    private double[][] transposeTile(float[] x, int dim, int t0, int m, int tile) {
        if (scratchTile.length < dim || scratchTile[0].length < tile) {
            scratchTile = new double[dim][tile];
        }
        double[][] xt = scratchTile;
        for (int j = 0; j < m; j++) {
            int src = (t0 + j) * dim;
            for (int d = 0; d < dim; d++) {
                xt[d][j] = x[src + d];
            }
        }
        return xt;
    }

    /**
     * acc_r[j] = sum_d xt[base + d][j] * q_{g+r, d} for four queries, in d order. Two dimensions per
     * pass: each running sum is loaded once, gets its two products added one after the other (the
     * same additions in the same order as one dimension per pass, so the same bits) and is stored
     * once, which halves the loads and stores of the accumulators per multiply-add.
     */
    private void accumulate4(double[][] xt, int base, int m, int dim, int q0) {
        double[] a0 = acc[0];
        double[] a1 = acc[1];
        double[] a2 = acc[2];
        double[] a3 = acc[3];
        double[] q = queries;
        int q1 = q0 + dim;
        int q2 = q1 + dim;
        int q3 = q2 + dim;
        double[] x0 = xt[base];
        double c0 = q[q0];
        double c1 = q[q1];
        double c2 = q[q2];
        double c3 = q[q3];
        for (int j = 0; j < m; j++) {
            double v = x0[j];
            a0[j] = v * c0;
            a1[j] = v * c1;
            a2[j] = v * c2;
            a3[j] = v * c3;
        }
        int d = 1;
        for (; d + 1 < dim; d += 2) {
            double[] xa = xt[base + d];
            double[] xb = xt[base + d + 1];
            double c0a = q[q0 + d];
            double c0b = q[q0 + d + 1];
            double c1a = q[q1 + d];
            double c1b = q[q1 + d + 1];
            double c2a = q[q2 + d];
            double c2b = q[q2 + d + 1];
            double c3a = q[q3 + d];
            double c3b = q[q3 + d + 1];
            for (int j = 0; j < m; j++) {
                double va = xa[j];
                double vb = xb[j];
                double s0 = a0[j] + va * c0a;
                a0[j] = s0 + vb * c0b;
                double s1 = a1[j] + va * c1a;
                a1[j] = s1 + vb * c1b;
                double s2 = a2[j] + va * c2a;
                a2[j] = s2 + vb * c2b;
                double s3 = a3[j] + va * c3a;
                a3[j] = s3 + vb * c3b;
            }
        }
        for (; d < dim; d++) {
            double[] xd = xt[base + d];
            c0 = q[q0 + d];
            c1 = q[q1 + d];
            c2 = q[q2 + d];
            c3 = q[q3 + d];
            for (int j = 0; j < m; j++) {
                double v = xd[j];
                a0[j] += v * c0;
                a1[j] += v * c1;
                a2[j] += v * c2;
                a3[j] += v * c3;
            }
        }
    }

    /** acc_0[j] = sum_d xt[base + d][j] * q_d for one query, in d order (four dimensions per pass, as above). */
    private void accumulate1(double[][] xt, int base, int m, int dim, int q0) {
        double[] a = acc[0];
        double[] x0 = xt[base];
        double c = queries[q0];
        for (int j = 0; j < m; j++) {
            a[j] = x0[j] * c;
        }
        int d = 1;
        for (; d + 3 < dim; d += 4) {
            double[] xa = xt[base + d];
            double[] xb = xt[base + d + 1];
            double[] xc = xt[base + d + 2];
            double[] xe = xt[base + d + 3];
            double ca = queries[q0 + d];
            double cb = queries[q0 + d + 1];
            double cc = queries[q0 + d + 2];
            double ce = queries[q0 + d + 3];
            for (int j = 0; j < m; j++) {
                double t = a[j] + xa[j] * ca;
                t = t + xb[j] * cb;
                t = t + xc[j] * cc;
                a[j] = t + xe[j] * ce;
            }
        }
        for (; d < dim; d++) {
            double[] xd = xt[base + d];
            c = queries[q0 + d];
            for (int j = 0; j < m; j++) {
                a[j] += xd[j] * c;
            }
        }
    }

    /** Offers query {@code row}'s scores of the tile's active items (acc_r[j]) to its heap. */
    private void offerTile(int row, int r, int t0, int m, boolean[] active, ScoreBatch batch, int k,
                           int[] heapIdx, float[] heapScore, int[] counts) {
        double[] a = acc[r];
        int root = row * k;
        int j = 0;
        for (; j < m && counts[row] < k; j++) {
            if (active[t0 + j]) {
                offer(row, t0 + j, (float) a[j], batch, k, heapIdx, heapScore, counts);
            }
        }
        // The heap is full: most scores lose to its root. The scan compares the double sums with a bound below which
        // no double rounds to a float at or above the root's score (the float just below it), so the loop does one
        // load and one comparison per item; the few that pass are checked exactly as before.
        double bound = Math.nextDown(heapScore[root]);
        for (; j < m; j++) {
            if (a[j] >= bound && active[t0 + j]) {
                float score = (float) a[j];
                if (score >= heapScore[root]) {
                    offer(row, t0 + j, score, batch, k, heapIdx, heapScore, counts);
                    bound = Math.nextDown(heapScore[root]);
                }
            }
        }
    }

    private void offer(int row, int item, float score, ScoreBatch batch, int k,
                       int[] heapIdx, float[] heapScore, int[] counts) {
        int base = row * k;
        int c = counts[row];
        if (c == k && !better(score, item, heapScore[base], heapIdx[base])) {
            return;
        }
        int[] ex = batch.exclude(row);
        if (ex.length > 0 && excluded(row, ex, item)) {
            return;
        }
        if (c < k) {
            int i = c;
            counts[row] = c + 1;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (!better(heapScore[base + p], heapIdx[base + p], score, item)) {
                    break;
                }
                heapIdx[base + i] = heapIdx[base + p];
                heapScore[base + i] = heapScore[base + p];
                i = p;
            }
            heapIdx[base + i] = item;
            heapScore[base + i] = score;
        } else {
            siftDown(base, 0, k, item, score, heapIdx, heapScore);
        }
    }

    /**
     * Whether {@code item} is in query {@code row}'s ascending exclude array. A row's items are offered in ascending
     * order (tiles in order, a tile's items in order), so the search continues from where the row's previous one ended,
     * galloping: a user's seen set can hold thousands of items, and a binary search of all of them for each of the
     * few hundred items a query offers made a query with 2,000 excluded items cost about 60 µs against about 47–51 with three
     * (CpuScorerBench on the CPU machine).
     */
    private boolean excluded(int row, int[] ex, int item) {
        int p = exCursor[row];
        if (p < ex.length && ex[p] < item) {
            int lo = p;
            int hi = p + 1;
            for (int step = 1; hi < ex.length && ex[hi] < item; step <<= 1) {
                lo = hi;
                hi = lo + 2 * step;
            }
            int r = Arrays.binarySearch(ex, lo + 1, Math.min(hi, ex.length), item);
            p = r >= 0 ? r : -r - 1;
            exCursor[row] = p;
        }
        return p < ex.length && ex[p] == item;
    }

    /** Places (item, score) at heap slot {@code i} of the heap {@code [base, base+size)} and sifts it down. */
    private static void siftDown(int base, int i, int size, int item, float score, int[] heapIdx, float[] heapScore) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                break;
            }
            int c = l;
            int r = l + 1;
            if (r < size && better(heapScore[base + l], heapIdx[base + l], heapScore[base + r], heapIdx[base + r])) {
                c = r;
            }
            if (!better(score, item, heapScore[base + c], heapIdx[base + c])) {
                break;
            }
            heapIdx[base + i] = heapIdx[base + c];
            heapScore[base + i] = heapScore[base + c];
            i = c;
        }
        heapIdx[base + i] = item;
        heapScore[base + i] = score;
    }

    /** Heap-sorts a row in place: the worst is repeatedly moved to the end, leaving best first. */
    private static void sortRow(int base, int count, int[] heapIdx, float[] heapScore) {
        for (int end = count - 1; end > 0; end--) {
            int item = heapIdx[base + end];
            float score = heapScore[base + end];
            heapIdx[base + end] = heapIdx[base];
            heapScore[base + end] = heapScore[base];
            siftDown(base, 0, end, item, score, heapIdx, heapScore);
        }
    }

    /** Ranking order: higher score first, then lower item index. */
    private static boolean better(float s1, int i1, float s2, int i2) {
        return s1 > s2 || (s1 == s2 && i1 < i2);
    }
}
