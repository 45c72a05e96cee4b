package dev.hyperrec.operators;

import dev.hyperrec.operators.internal.MolMath;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Learns {@link MixtureOfLogits} weights from (query, chosen item, other candidates) examples by
 * sampled softmax cross-entropy, minimised with Adam (Kingma &amp; Ba 2015) and seeded shuffling, so
 * the same examples give the same weights. The caller supplies the negatives (e.g. sampled items, or
 * a ranker's other top candidates) and must use only past outcomes. Not thread-safe.
 */
public final class MolTrainer {
    /** A query vector, {@code n} candidates' embeddings ({@code n × dim}) and the chosen one's position. */
    public record Example(float[] query, float[] candidates, int n, int positive) {
        public Example {
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(candidates, "candidates");
            if (positive < 0 || positive >= n) {
                throw new OperatorException("positive " + positive + " outside the list of " + n);
            }
        }
    }

    private final double learningRate;
    private final long seed;
    private final List<Example> examples = new ArrayList<>();

    public MolTrainer(double learningRate, long seed) {
        if (!(learningRate > 0)) {
            throw new OperatorException("learning rate must be > 0, was " + learningRate);
        }
        this.learningRate = learningRate;
        this.seed = seed;
    }

    public void add(Example e) {
        examples.add(e);
    }

    public int size() {
        return examples.size();
    }

    /** Mean loss of {@code w} over the examples. */
    public double loss(MixtureOfLogits w) {
        double sum = 0;
        for (Example e : examples) {
            sum += MolMath.backward(w, e.query(), e.candidates(), e.n(), e.positive(), new double[w.a().length],
                    new double[w.b().length], new double[w.gq().length], new double[w.gx().length], new double[w.bias().length]);
        }
        return examples.isEmpty() ? 0 : sum / examples.size();
    }

    /** {@code epochs} passes of minibatch Adam from {@code start}; the result is labelled {@code version}. */
    public MixtureOfLogits train(MixtureOfLogits start, String version, int epochs, int batch) {
        float[][] w = {start.a().clone(), start.b().clone(), start.gq().clone(), start.gx().clone(), start.bias().clone()};
        double[][] g = new double[5][];
        double[][] m = new double[5][];
        double[][] v = new double[5][];
        for (int i = 0; i < 5; i++) {
            g[i] = new double[w[i].length];
            m[i] = new double[w[i].length];
            v[i] = new double[w[i].length];
        }
        int[] order = new int[examples.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
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
                MixtureOfLogits cur = new MixtureOfLogits(version, start.userComponents(), start.itemComponents(), start.width(),
                        start.dim(), w[0], w[1], w[2], w[3], w[4]);
                for (double[] gi : g) {
                    java.util.Arrays.fill(gi, 0);
                }
                for (int b = from; b < to; b++) {
                    Example e = examples.get(order[b]);
                    MolMath.backward(cur, e.query(), e.candidates(), e.n(), e.positive(), g[0], g[1], g[2], g[3], g[4]);
                }
                step++;
                double scale = 1.0 / (to - from);
                double c1 = 1 - Math.pow(0.9, step);
                double c2 = 1 - Math.pow(0.999, step);
                for (int i = 0; i < 5; i++) {
                    for (int k = 0; k < w[i].length; k++) {
                        double gk = g[i][k] * scale;
                        m[i][k] = 0.9 * m[i][k] + 0.1 * gk;
                        v[i][k] = 0.999 * v[i][k] + 0.001 * gk * gk;
                        w[i][k] -= (float) (learningRate * (m[i][k] / c1) / (Math.sqrt(v[i][k] / c2) + 1e-8));
                    }
                }
            }
        }
        return new MixtureOfLogits(version, start.userComponents(), start.itemComponents(), start.width(), start.dim(),
                w[0], w[1], w[2], w[3], w[4]);
    }
}
