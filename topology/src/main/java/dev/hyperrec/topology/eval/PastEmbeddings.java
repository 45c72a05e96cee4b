package dev.hyperrec.topology.eval;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Item embeddings learned from the past only: biased matrix factorisation {@code r ≈ mu + b_u + b_i +
 * p_u · q_i} trained by SGD (Koren, Bell &amp; Volinsky 2009) on the events handed to {@link #train},
 * which the caller limits to events already replayed. Training is warm-started: a refresh continues
 * from the current factors instead of re-initialising them, so the embedding space drifts slowly and
 * user vectors built on the previous embeddings stay meaningful. The catalog embedding of an item is
 * its factor {@code q_i} scaled to unit length. Seeded and deterministic.
 */
public final class PastEmbeddings {
    private final int dim;
    private final long seed;
    private final float learningRate;
    private final float regularisation;
    private float[] p = new float[0];
    private float[] q = new float[0];
    private float[] bu = new float[0];
    private float[] bi = new float[0];
    private final BitSet users = new BitSet();
    private final BitSet items = new BitSet();
    private int rounds;

    public PastEmbeddings(int dim, float learningRate, float regularisation, long seed) {
        this.dim = dim;
        this.learningRate = learningRate;
        this.regularisation = regularisation;
        this.seed = seed;
    }

    public int dim() {
        return dim;
    }

    /** Whether {@code item} was in some training set. */
    public boolean trained(int item) {
        return items.get(item);
    }

    /**
     * {@code epochs} passes of SGD over {@code past} (shuffled, seeded by the refresh count).
     * The caller must pass only events that were already replayed.
     */
    public void train(List<Event> past, int epochs) {
        double mu = 0;
        for (Event e : past) {
            mu += e.rating();
            ensure(e.user(), e.item());
        }
        mu = past.isEmpty() ? 0 : mu / past.size();
        int[] order = new int[past.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * ++rounds);
        float lr = learningRate;
        float reg = regularisation;
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int idx : order) {
                Event e = past.get(idx);
                int uo = e.user() * dim;
                int io = e.item() * dim;
                float dot = 0f;
                for (int d = 0; d < dim; d++) {
                    dot += p[uo + d] * q[io + d];
                }
                float err = (float) (e.rating() - (mu + bu[e.user()] + bi[e.item()] + dot));
                bu[e.user()] += lr * (err - reg * bu[e.user()]);
                bi[e.item()] += lr * (err - reg * bi[e.item()]);
                for (int d = 0; d < dim; d++) {
                    float pd = p[uo + d];
                    float qd = q[io + d];
                    p[uo + d] = pd + lr * (err * qd - reg * pd);
                    q[io + d] = qd + lr * (err * pd - reg * qd);
                }
            }
        }
    }

    /** The unit-length catalog embedding of a trained item. */
    public float[] vector(int item) {
        float[] v = Arrays.copyOfRange(q, item * dim, item * dim + dim);
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        float f = s == 0 ? 0f : (float) (1.0 / Math.sqrt(s));
        for (int d = 0; d < dim; d++) {
            v[d] *= f;
        }
        return v;
    }

    private void ensure(int user, int item) {
        if (!users.get(user)) {
            p = grow(p, user);
            bu = Arrays.copyOf(bu, Math.max(bu.length, p.length / dim));
            fill(p, user, 0x1L);
            users.set(user);
        }
        if (!items.get(item)) {
            q = grow(q, item);
            bi = Arrays.copyOf(bi, Math.max(bi.length, q.length / dim));
            fill(q, item, 0x2L);
            items.set(item);
        }
    }

    private float[] grow(float[] m, int row) {
        long need = (long) (row + 1) * dim;
        return m.length >= need ? m : Arrays.copyOf(m, (int) Math.max(need, 2L * m.length));
    }

    private void fill(float[] m, int row, long salt) {
        SplittableRandom r = new SplittableRandom(seed ^ (salt * 0xBF58476D1CE4E5B9L) ^ (row * 0x94D049BB133111EBL));
        for (int d = 0; d < dim; d++) {
            m[row * dim + d] = (float) (r.nextGaussian() * 0.1);
        }
    }
}
