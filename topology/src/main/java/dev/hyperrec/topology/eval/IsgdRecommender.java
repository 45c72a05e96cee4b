package dev.hyperrec.topology.eval;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/**
 * ISGD (Vinagre, Jorge &amp; Gama 2014, "Fast incremental matrix factorization for recommendation with
 * positive-only feedback"): each positive interaction {@code (u, i)} is one SGD step on
 * {@code (1 - p_u · q_i)^2 + lambda (|p_u|^2 + |q_i|^2)}: {@code err = 1 - p_u · q_i},
 * {@code p_u += eta (err q_i - lambda p_u)}, {@code q_i += eta (err p_u - lambda q_i)}. New users and
 * items start at seeded N(0, 0.1) vectors. A list ranks items by {@code p_u · q_i} (with targets of 1
 * the paper's {@code |1 - p_u · q_i|} ordering coincides with it below 1, where almost all scores lie).
 */
public final class IsgdRecommender implements StreamingRecommender {
    private final int dim;
    private final float eta;
    private final float lambda;
    private final float positive;
    private final long seed;
    private float[] p = new float[0];
    private float[] q = new float[0];
    private final BitSet knownUsers = new BitSet();
    private final BitSet knownItems = new BitSet();
    private int[] items = new int[1024];
    private int itemCount;
    private float[] score = new float[0];

    /** @param positive the rating at or above which an event is positive feedback (0: every event is) */
    public IsgdRecommender(int dim, float eta, float lambda, float positive, long seed) {
        this.dim = dim;
        this.eta = eta;
        this.lambda = lambda;
        this.positive = positive;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "isgd";
    }

    @Override
    public int recommend(Event event, int k, IntPredicate excluded, int[] out) {
        if (!knownUsers.get(event.user())) {
            return 0;
        }
        int uo = event.user() * dim;
        for (int c = 0; c < itemCount; c++) {
            int item = items[c];
            int io = item * dim;
            float s = 0f;
            for (int d = 0; d < dim; d++) {
                s += p[uo + d] * q[io + d];
            }
            score[item] = s;
        }
        return TopK.select(items, itemCount, score, k, excluded, out);
    }

    @Override
    public void learn(Event e) {
        int u = e.user();
        int i = e.item();
        if (!knownUsers.get(u)) {
            p = init(p, u, 0x5EEDL);
            knownUsers.set(u);
        }
        if (!knownItems.get(i)) {
            q = init(q, i, 0x17E3L);
            knownItems.set(i);
            if (itemCount == items.length) {
                items = Arrays.copyOf(items, itemCount * 2);
            }
            items[itemCount++] = i;
            if (score.length <= i) {
                score = Arrays.copyOf(score, Math.max(i + 1, score.length * 2));
            }
        }
        if (e.rating() < positive) {
            return;
        }
        int uo = u * dim;
        int io = i * dim;
        float dot = 0f;
        for (int d = 0; d < dim; d++) {
            dot += p[uo + d] * q[io + d];
        }
        float err = 1f - dot;
        for (int d = 0; d < dim; d++) {
            float pu = p[uo + d];
            float qi = q[io + d];
            p[uo + d] = pu + eta * (err * qi - lambda * pu);
            q[io + d] = qi + eta * (err * pu - lambda * qi);
        }
    }

    private float[] init(float[] m, int row, long salt) {
        if (m.length < (row + 1) * dim) {
            m = Arrays.copyOf(m, Math.max((row + 1) * dim, m.length * 2));
        }
        SplittableRandom rnd = new SplittableRandom(seed ^ salt ^ (row * 0x9E3779B97F4A7C15L));
        for (int d = 0; d < dim; d++) {
            m[row * dim + d] = (float) (rnd.nextGaussian() * 0.1);
        }
        return m;
    }
}
