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
 * <p><b>Loop structure.</b> The catalog is walked in blocks of about 128 KiB of embeddings (so a
 * block stays in L2 while every query passes over it); within a block, four queries and two items
 * are scored together (eight independent accumulation chains, each item row loaded once per four
 * queries). Each query keeps a bounded min-heap of its best {@code k} (stored in place in the
 * {@link TopKResult} arrays, root = worst); a candidate that does not beat the root is dropped
 * before the exclusion check, which is a binary search in the query's ascending exclude array.
 * Rows are heap-sorted best first at the end. Cost: {@code O(n q dim + n q log k)}.
 *
 * <p>Inactive items are skipped; the catalog's read lock is held for the whole call. Thread affinity:
 * confined to the task thread (it reuses scratch buffers).
 */
final class CpuScorer extends CpuOperator implements Scorer {
    private static final int BLOCK_BYTES = 128 * 1024;
    private static final int GROUP = 4;

    private double[] queries = new double[0];
    private int[] block = new int[0];

    CpuScorer(ResourceOwner owner) {
        super(owner, "scorer");
    }

    @Override
    public void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
        checkOpen();
        int nq = OperatorChecks.scoreCall(items, batch, k, out);
        if (nq == 0) {
            return;
        }
        int dim = items.dim();
        int padded = (nq + GROUP - 1) / GROUP * GROUP;
        long cells = (long) padded * dim;
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
        Arrays.fill(queries, nq * dim, (int) cells, 0.0);

        int blockItems = Math.max(16, Math.min(4096, BLOCK_BYTES / (4 * dim)));
        if (block.length < blockItems) {
            block = new int[blockItems];
        }
        int[] heapIdx = out.rawIndices();
        float[] heapScore = out.rawScores();
        int[] counts = out.rawCounts();
        Lock lock = items.readLock();
        lock.lock();
        try {
            int n = items.size();
            float[] x = items.rawEmbeddings();
            boolean[] active = items.rawActive();
            for (int b0 = 0; b0 < n; b0 += blockItems) {
                int b1 = Math.min(n, b0 + blockItems);
                int m = 0;
                for (int i = b0; i < b1; i++) {
                    if (active[i]) {
                        block[m++] = i;
                    }
                }
                if (m == 0) {
                    continue;
                }
                for (int g = 0; g < padded; g += GROUP) {
                    scoreGroup(x, dim, g, nq, m, batch, k, heapIdx, heapScore, counts);
                }
            }
        } finally {
            lock.unlock();
        }
        for (int r = 0; r < nq; r++) {
            sortRow(r * k, counts[r], heapIdx, heapScore);
        }
    }


    /** Scores queries {@code [g, g+4)} against the {@code m} active items of the current block. */
    private void scoreGroup(float[] x, int dim, int g, int nq, int m, ScoreBatch batch, int k,
                            int[] heapIdx, float[] heapScore, int[] counts) {
        double[] q = queries;
        int q0 = g * dim;
        if (g + 1 >= nq) {
            // A lone query in its group (e.g. a batch of one request): skip the padding lanes. Same
            // arithmetic per score (double products summed in dimension order), so same results.
            // Four items at a time: four independent accumulation chains instead of one.
            int j = 0;
            for (; j + 3 < m; j += 4) {
                int i0 = block[j];
                int i1 = block[j + 1];
                int i2 = block[j + 2];
                int i3 = block[j + 3];
                int x0 = i0 * dim;
                int x1 = i1 * dim;
                int x2 = i2 * dim;
                int x3 = i3 * dim;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int d = 0; d < dim; d++) {
                    double c = q[q0 + d];
                    s0 += x[x0 + d] * c;
                    s1 += x[x1 + d] * c;
                    s2 += x[x2 + d] * c;
                    s3 += x[x3 + d] * c;
                }
                offer(g, nq, i0, (float) s0, batch, k, heapIdx, heapScore, counts);
                offer(g, nq, i1, (float) s1, batch, k, heapIdx, heapScore, counts);
                offer(g, nq, i2, (float) s2, batch, k, heapIdx, heapScore, counts);
                offer(g, nq, i3, (float) s3, batch, k, heapIdx, heapScore, counts);
            }
            for (; j < m; j++) {
                int i0 = block[j];
                int x0 = i0 * dim;
                double s0 = 0;
                for (int d = 0; d < dim; d++) {
                    s0 += x[x0 + d] * q[q0 + d];
                }
                offer(g, nq, i0, (float) s0, batch, k, heapIdx, heapScore, counts);
            }
            return;
        }
        int q1 = q0 + dim;
        int q2 = q1 + dim;
        int q3 = q2 + dim;
        int j = 0;
        for (; j + 1 < m; j += 2) {
            int i0 = block[j];
            int i1 = block[j + 1];
            int x0 = i0 * dim;
            int x1 = i1 * dim;
            double s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
            for (int d = 0; d < dim; d++) {
                double a = x[x0 + d];
                double b = x[x1 + d];
                double c0 = q[q0 + d];
                double c1 = q[q1 + d];
                double c2 = q[q2 + d];
                double c3 = q[q3 + d];
                s00 += a * c0;
                s01 += b * c0;
                s10 += a * c1;
                s11 += b * c1;
                s20 += a * c2;
                s21 += b * c2;
                s30 += a * c3;
                s31 += b * c3;
            }
            offer(g, nq, i0, (float) s00, batch, k, heapIdx, heapScore, counts);
            offer(g, nq, i1, (float) s01, batch, k, heapIdx, heapScore, counts);
            offer(g + 1, nq, i0, (float) s10, batch, k, heapIdx, heapScore, counts);
            offer(g + 1, nq, i1, (float) s11, batch, k, heapIdx, heapScore, counts);
            offer(g + 2, nq, i0, (float) s20, batch, k, heapIdx, heapScore, counts);
            offer(g + 2, nq, i1, (float) s21, batch, k, heapIdx, heapScore, counts);
            offer(g + 3, nq, i0, (float) s30, batch, k, heapIdx, heapScore, counts);
            offer(g + 3, nq, i1, (float) s31, batch, k, heapIdx, heapScore, counts);
        }
        if (j < m) {
            int i0 = block[j];
            int x0 = i0 * dim;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int d = 0; d < dim; d++) {
                double a = x[x0 + d];
                s0 += a * q[q0 + d];
                s1 += a * q[q1 + d];
                s2 += a * q[q2 + d];
                s3 += a * q[q3 + d];
            }
            offer(g, nq, i0, (float) s0, batch, k, heapIdx, heapScore, counts);
            offer(g + 1, nq, i0, (float) s1, batch, k, heapIdx, heapScore, counts);
            offer(g + 2, nq, i0, (float) s2, batch, k, heapIdx, heapScore, counts);
            offer(g + 3, nq, i0, (float) s3, batch, k, heapIdx, heapScore, counts);
        }
    }

    private static void offer(int row, int nq, int item, float score, ScoreBatch batch, int k,
                              int[] heapIdx, float[] heapScore, int[] counts) {
        if (row >= nq) {
            return; // padding query
        }
        int base = row * k;
        int c = counts[row];
        if (c == k && !better(score, item, heapScore[base], heapIdx[base])) {
            return;
        }
        int[] ex = batch.exclude(row);
        if (ex.length > 0 && Arrays.binarySearch(ex, item) >= 0) {
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
