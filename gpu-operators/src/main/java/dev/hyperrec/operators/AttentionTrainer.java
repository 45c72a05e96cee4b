package dev.hyperrec.operators;

import dev.hyperrec.operators.internal.AttentionMath;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Learns {@link AttentionWeights} from logged lists: each example is a list the pipeline ranked (its
 * candidates' embeddings, the user vector and context at the time) and the candidate the user then
 * interacted with. The loss is softmax cross-entropy of that candidate over the list — a sampled
 * softmax whose negatives are the ranker's own top candidates (hard negatives, Covington, Adams &amp;
 * Sargin 2016) — over the logits {@code baseScale · base_j + s_j}, so the reranker learns what the
 * base ranking misses and how much to trust it, plus L2 on the weights' distance from their start,
 * minimised by Adam (Kingma &amp; Ba
 * 2015) with seeded shuffling, so the same examples give the same weights. Training starts from the
 * given weights (warm start on refresh) or from {@link AttentionWeights#identity}.
 *
 * <p>The caller must hand it only examples whose outcome is in the past (no leakage). Not thread-safe.
 */
public final class AttentionTrainer {
    /**
     * One logged list and its outcome: {@code query} is {@code [user; context]}, {@code candidates}
     * the {@code n × dim} row-major embeddings, {@code base} the base ranking's scores (null: none),
     * {@code positive} the candidate the user interacted with.
     */
    public record Example(float[] query, float[] candidates, float[] base, int n, int positive) {
        public Example {
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(candidates, "candidates");
            if (positive < 0 || positive >= n) {
                throw new OperatorException("positive " + positive + " outside the list of " + n);
            }
        }
    }

    private final double learningRate;
    private final double l2;
    private final long seed;
    private final List<Example> examples = new ArrayList<>();

    public AttentionTrainer(double learningRate, double l2, long seed) {
        if (!(learningRate > 0) || !(l2 >= 0)) {
            throw new OperatorException("learning rate must be > 0 and l2 >= 0, were " + learningRate + ", " + l2);
        }
        this.learningRate = learningRate;
        this.l2 = l2;
        this.seed = seed;
    }

    /** Adds an example (its arrays are kept, not copied). */
    public void add(Example e) {
        examples.add(e);
    }

    public int size() {
        return examples.size();
    }

    /** Mean loss of {@code w} over the examples (no update). */
    public double loss(AttentionWeights w) {
        AttentionMath.Pass p = new AttentionMath.Pass();
        double sum = 0;
        for (Example e : examples) {
            AttentionMath.forward(w, e.query(), e.candidates(), e.n(), p);
            sum += AttentionMath.backward(w, e.query(), e.candidates(), e.base(), e.positive(), p, sink(w.wq()), sink(w.wk()),
                    sink(w.wv()), sink(w.wo()), new double[1]);
        }
        return examples.isEmpty() ? 0 : sum / examples.size();
    }

    private static double[] sink(float[] like) {
        return new double[like.length];
    }

    /**
     * {@code epochs} passes of minibatch Adam from {@code start}; returns new weights labelled {@code version}.
     * The L2 term pulls towards {@code start}, so a refresh cannot wander far on few examples.
     */
    public AttentionWeights train(AttentionWeights start, String version, int epochs, int batch) {
        int dim = start.dim();
        float[][] w = {start.wq().clone(), start.wk().clone(), start.wv().clone(), start.wo().clone()};
        float[][] anchor = {start.wq(), start.wk(), start.wv(), start.wo()};
        double[][] g = new double[4][];
        double[][] m = new double[4][];
        double[][] v = new double[4][];
        for (int i = 0; i < 4; i++) {
            g[i] = new double[w[i].length];
            m[i] = new double[w[i].length];
            v[i] = new double[w[i].length];
        }
        double baseScale = start.baseScale();
        double[] gBase = new double[1];
        double mBase = 0;
        double vBase = 0;
        int[] order = new int[examples.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        AttentionMath.Pass p = new AttentionMath.Pass();
        int step = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int from = 0; from < order.length; from += batch) {
                int to = Math.min(order.length, from + batch);
                AttentionWeights cur = new AttentionWeights(version, start.heads(), dim, start.context(), (float) baseScale,
                        w[0], w[1], w[2], w[3]);
                for (double[] gi : g) {
                    java.util.Arrays.fill(gi, 0);
                }
                gBase[0] = 0;
                for (int b = from; b < to; b++) {
                    Example e = examples.get(order[b]);
                    AttentionMath.forward(cur, e.query(), e.candidates(), e.n(), p);
                    AttentionMath.backward(cur, e.query(), e.candidates(), e.base(), e.positive(), p, g[0], g[1], g[2], g[3], gBase);
                }
                step++;
                double scale = 1.0 / (to - from);
                double b1 = 0.9;
                double b2 = 0.999;
                double c1 = 1 - Math.pow(b1, step);
                double c2 = 1 - Math.pow(b2, step);
                for (int i = 0; i < 4; i++) {
                    for (int k = 0; k < w[i].length; k++) {
                        double gk = g[i][k] * scale + l2 * (w[i][k] - anchor[i][k]);
                        m[i][k] = b1 * m[i][k] + (1 - b1) * gk;
                        v[i][k] = b2 * v[i][k] + (1 - b2) * gk * gk;
                        w[i][k] -= (float) (learningRate * (m[i][k] / c1) / (Math.sqrt(v[i][k] / c2) + 1e-8));
                    }
                }
                double gb = gBase[0] * scale;
                mBase = b1 * mBase + (1 - b1) * gb;
                vBase = b2 * vBase + (1 - b2) * gb * gb;
                // the base scale stays positive: the final score divides by it
                baseScale = Math.max(1e-3, baseScale - learningRate * (mBase / c1) / (Math.sqrt(vBase / c2) + 1e-8));
            }
        }
        return new AttentionWeights(version, start.heads(), dim, start.context(), (float) baseScale, w[0], w[1], w[2], w[3]);
    }
}
