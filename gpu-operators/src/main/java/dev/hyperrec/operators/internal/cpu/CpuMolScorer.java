package dev.hyperrec.operators.internal.cpu;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.MixtureOfLogits;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.internal.MolMath;
import dev.hyperrec.operators.internal.OperatorChecks;
import dev.hyperrec.operators.internal.ResourceOwner;
import java.util.Arrays;
import java.util.concurrent.locks.Lock;

/**
 * The reference Mixture-of-Logits {@link Scorer}: the item side of every catalog row is precomputed
 * and kept in step with the catalog's row versions (only changed rows are recomputed); each query's
 * side is computed once, then every active, non-excluded item is scored ({@link MolMath#score}, in
 * double, rounded to float) and the top k kept by score, ties by lower index. Thread affinity:
 * confined to the task thread.
 */
final class CpuMolScorer extends CpuOperator implements Scorer {
    private final MixtureOfLogits w;
    private ItemCatalog catalog;
    private long version = -1;
    private int rows;
    private float[] itemSide = new float[0];
    private float[] querySide;
    private float[] x;

    CpuMolScorer(ResourceOwner owner, MixtureOfLogits weights) {
        super(owner, "mixture-of-logits scorer");
        this.w = weights;
        this.querySide = new float[weights.queryFloats()];
        this.x = new float[weights.dim()];
    }

    private void sync(ItemCatalog items) {
        int n = items.size();
        boolean full = items != catalog;
        if (!full && items.version() == version) {
            return;
        }
        int f = w.itemFloats();
        if ((long) n * f > itemSide.length) {
            itemSide = Arrays.copyOf(itemSide, Math.toIntExact(Math.max((long) n * f, (long) (itemSide.length * 1.5))));
        }
        long[] rv = items.rawRowVersions();
        for (int i = 0; i < n; i++) {
            if (full || i >= rows || rv[i] > version) {
                items.copyEmbedding(i, x, 0);
                MolMath.item(w, x, 0, itemSide, i * f);
            }
        }
        catalog = items;
        rows = n;
        version = items.version();
    }

    @Override
    public void topK(ItemCatalog items, ScoreBatch batch, int k, TopKResult out) {
        checkOpen();
        int nq = OperatorChecks.molScoreCall(items, batch, k, out, w.dim());
        if (nq == 0) {
            return;
        }
        Lock lock = items.readLock();
        lock.lock();
        try {
            sync(items);
            int n = items.size();
            int f = w.itemFloats();
            boolean[] active = items.rawActive();
            float[] q = batch.queries();
            int[] heapIdx = new int[k];
            float[] heapScore = new float[k];
            for (int qi = 0; qi < nq; qi++) {
                MolMath.query(w, q, qi * w.dim(), querySide, 0);
                int[] ex = batch.exclude(qi);
                int size = 0;
                int e = 0; // items come in ascending order: the exclude array is walked once, not searched per item
                for (int i = 0; i < n; i++) {
                    while (e < ex.length && ex[e] < i) {
                        e++;
                    }
                    if (!active[i] || (e < ex.length && ex[e] == i)) {
                        continue;
                    }
                    float s = (float) MolMath.score(w, querySide, 0, itemSide, i * f, null, null);
                    if (size < k) {
                        heapIdx[size] = i;
                        heapScore[size] = s;
                        siftUp(heapIdx, heapScore, size++);
                    } else if (better(s, i, heapScore[0], heapIdx[0])) {
                        heapIdx[0] = i;
                        heapScore[0] = s;
                        siftDown(heapIdx, heapScore, size);
                    }
                }
                int[] idx = out.rawIndices();
                float[] sc = out.rawScores();
                for (int r = size - 1; r >= 0; r--) {
                    idx[qi * k + r] = heapIdx[0];
                    sc[qi * k + r] = heapScore[0];
                    heapIdx[0] = heapIdx[r];
                    heapScore[0] = heapScore[r];
                    siftDown(heapIdx, heapScore, r);
                }
                out.rawCounts()[qi] = size;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether (s, i) ranks before (t, j): higher score, then lower index. */
    private static boolean better(float s, int i, float t, int j) {
        return s > t || (s == t && i < j);
    }

    /** Min-heap on rank: the root is the worst kept entry. */
    private static void siftUp(int[] idx, float[] sc, int pos) {
        while (pos > 0) {
            int parent = (pos - 1) / 2;
            if (!better(sc[parent], idx[parent], sc[pos], idx[pos])) {
                break;
            }
            swap(idx, sc, pos, parent);
            pos = parent;
        }
    }

    private static void siftDown(int[] idx, float[] sc, int size) {
        int pos = 0;
        while (true) {
            int l = 2 * pos + 1;
            int worst = pos;
            if (l < size && better(sc[worst], idx[worst], sc[l], idx[l])) {
                worst = l;
            }
            if (l + 1 < size && better(sc[worst], idx[worst], sc[l + 1], idx[l + 1])) {
                worst = l + 1;
            }
            if (worst == pos) {
                return;
            }
            swap(idx, sc, pos, worst);
            pos = worst;
        }
    }

    private static void swap(int[] idx, float[] sc, int a, int b) {
        int ti = idx[a];
        idx[a] = idx[b];
        idx[b] = ti;
        float ts = sc[a];
        sc[a] = sc[b];
        sc[b] = ts;
    }
}
