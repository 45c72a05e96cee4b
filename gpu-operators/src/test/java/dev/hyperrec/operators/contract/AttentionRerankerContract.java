package dev.hyperrec.operators.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.AttentionReranker;
import dev.hyperrec.operators.AttentionWeights;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Contract of {@link AttentionReranker}: scores and attention weights equal a brute-force evaluation
 * of the model in double (written out here, independent of the backends' code) within
 * {@link #scoreTolerance()} (relative) and {@link #attentionTolerance()} (absolute); identity weights
 * give the personal dot product; the result does not depend on the candidates' order; every backend
 * reranks a list like the CPU reference, modulo scores closer than the tolerance.
 */
public abstract class AttentionRerankerContract {

    protected abstract OperatorBackend openBackend();

    protected double scoreTolerance() {
        return 1e-4;
    }

    protected double attentionTolerance() {
        return 1e-5;
    }

    static AttentionWeights random(SplittableRandom rnd, int heads, int dim, int ctx, float scale) {
        float[][] w = {new float[dim * (dim + ctx)], new float[dim * dim], new float[dim * dim], new float[dim * dim]};
        for (float[] m : w) {
            for (int i = 0; i < m.length; i++) {
                m[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
            }
        }
        return new AttentionWeights("test", heads, dim, ctx, 1f, w[0], w[1], w[2], w[3]);
    }

    /** The model by its definition, in double: {scores[n], attention[heads*n]}. */
    static double[][] definition(AttentionWeights w, ItemCatalog c, float[] user, float[] ctx, int[] items) {
        int d = w.dim();
        int qw = w.queryWidth();
        int n = items.length;
        int dh = d / w.heads();
        double[] in = new double[qw];
        for (int i = 0; i < d; i++) {
            in[i] = user[i];
        }
        for (int i = 0; i < w.context(); i++) {
            in[d + i] = ctx[i];
        }
        double[] q = new double[d];
        double[][] k = new double[n][d];
        double[][] v = new double[n][d];
        float[] x = new float[d];
        for (int r = 0; r < d; r++) {
            for (int col = 0; col < qw; col++) {
                q[r] += w.wq()[r * qw + col] * in[col];
            }
        }
        for (int j = 0; j < n; j++) {
            c.copyEmbedding(items[j], x, 0);
            for (int r = 0; r < d; r++) {
                for (int col = 0; col < d; col++) {
                    k[j][r] += w.wk()[r * d + col] * x[col];
                    v[j][r] += w.wv()[r * d + col] * x[col];
                }
            }
        }
        double[] att = new double[w.heads() * n];
        double[] pooled = new double[d];
        for (int h = 0; h < w.heads(); h++) {
            double[] l = new double[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                for (int t = h * dh; t < (h + 1) * dh; t++) {
                    l[j] += q[t] * k[j][t];
                }
                l[j] /= Math.sqrt(dh);
                max = Math.max(max, l[j]);
            }
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += Math.exp(l[j] - max);
            }
            for (int j = 0; j < n; j++) {
                att[h * n + j] = Math.exp(l[j] - max) / sum;
                for (int t = h * dh; t < (h + 1) * dh; t++) {
                    pooled[t] += att[h * n + j] * v[j][t];
                }
            }
        }
        double[] z = new double[d];
        for (int r = 0; r < d; r++) {
            for (int col = 0; col < d; col++) {
                z[r] += w.wo()[r * d + col] * pooled[col];
            }
            z[r] += q[r];
        }
        double[] s = new double[n];
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < d; r++) {
                s[j] += z[r] * k[j][r];
            }
            s[j] /= Math.sqrt(d);
        }
        return new double[][] {s, att};
    }

    private void assertMatches(double[][] want, float[] scores, float[] attention) {
        for (int j = 0; j < want[0].length; j++) {
            assertThat((double) scores[j]).as("score %d", j)
                    .isCloseTo(want[0][j], within(scoreTolerance() * Math.max(1, Math.abs(want[0][j]))));
        }
        for (int i = 0; i < want[1].length; i++) {
            assertThat((double) attention[i]).as("attention %d", i).isCloseTo(want[1][i], within(attentionTolerance()));
        }
    }

    @ParameterizedTest
    @CsvSource({"8,32,20,50", "4,32,0,7", "1,16,5,1", "8,64,20,300", "2,48,3,1024"})
    public void scoresAndAttentionEqualTheDefinition(int heads, int dim, int ctx, int n) {
        SplittableRandom rnd = new SplittableRandom(heads * 1000L + dim + n);
        ItemCatalog catalog = TestData.randomCatalog(rnd, Math.max(n, 50) + 10, dim, 0);
        AttentionWeights w = random(rnd, heads, dim, ctx, 0.3f);
        int[] items = IntStream.range(0, n).map(j -> (j * 7 + 3) % catalog.size()).toArray();
        float[] user = TestData.randomUnit(rnd, dim);
        float[] context = TestData.randomUnit(rnd, ctx);
        float[] scores = new float[n];
        float[] attention = new float[heads * n];
        try (OperatorBackend backend = openBackend(); AttentionReranker r = backend.newAttentionReranker()) {
            r.score(w, catalog, user, context, items, n, scores, attention);
        }
        assertMatches(definition(w, catalog, user, context, items), scores, attention);
        for (int h = 0; h < heads; h++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += attention[h * n + j];
            }
            assertThat(sum).isCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    public void identityWeightsGiveThePersonalDotProduct() {
        SplittableRandom rnd = new SplittableRandom(3);
        ItemCatalog catalog = TestData.randomCatalog(rnd, 40, 32, 0);
        AttentionWeights w = AttentionWeights.identity("v0", 8, 32, 6);
        float[] user = TestData.randomUnit(rnd, 32);
        int[] items = IntStream.range(0, 40).toArray();
        float[] scores = new float[40];
        float[] attention = new float[8 * 40];
        try (OperatorBackend backend = openBackend(); AttentionReranker r = backend.newAttentionReranker()) {
            r.score(w, catalog, user, new float[6], items, 40, scores, attention);
        }
        float[] x = new float[32];
        for (int j = 0; j < 40; j++) {
            catalog.copyEmbedding(j, x, 0);
            double dot = 0;
            for (int k = 0; k < 32; k++) {
                dot += (double) user[k] * x[k];
            }
            assertThat((double) scores[j]).isCloseTo(dot / Math.sqrt(32), within(1e-5));
        }
    }

    @Test
    public void candidateOrderDoesNotMatter() {
        SplittableRandom rnd = new SplittableRandom(8);
        ItemCatalog catalog = TestData.randomCatalog(rnd, 80, 32, 0);
        AttentionWeights w = random(rnd, 8, 32, 4, 0.4f);
        int n = 60;
        int[] items = IntStream.range(0, n).toArray();
        int[] reversed = IntStream.range(0, n).map(j -> n - 1 - j).toArray();
        float[] user = TestData.randomUnit(rnd, 32);
        float[] ctx = TestData.randomUnit(rnd, 4);
        float[] a = new float[n];
        float[] b = new float[n];
        float[] att = new float[8 * n];
        float[] attR = new float[8 * n];
        try (OperatorBackend backend = openBackend(); AttentionReranker r = backend.newAttentionReranker()) {
            r.score(w, catalog, user, ctx, items, n, a, att);
            r.score(w, catalog, user, ctx, reversed, n, b, attR);
        }
        for (int j = 0; j < n; j++) {
            assertThat(b[n - 1 - j]).isCloseTo(a[j], within((float) (scoreTolerance() * Math.max(1, Math.abs(a[j])))));
            assertThat(attR[n - 1 - j]).isCloseTo(att[j], within((float) attentionTolerance()));
        }
    }

    /** The list reranked by score, ties within {@code tol} in either order: equal to the reference's up to such ties. */
    @Test
    public void reranksLikeTheReference() {
        SplittableRandom rnd = new SplittableRandom(21);
        ItemCatalog catalog = TestData.randomCatalog(rnd, 400, 32, 0);
        int n = 100;
        float[] got = new float[n];
        float[] want = new float[n];
        float[] att = new float[8 * n];
        try (OperatorBackend backend = openBackend(); AttentionReranker r = backend.newAttentionReranker();
             CpuBackend ref = new CpuBackend(); AttentionReranker cpu = ref.newAttentionReranker()) {
            for (int list = 0; list < 20; list++) {
                AttentionWeights w = random(rnd, 8, 32, 20, 0.3f);
                int[] items = rnd.ints(0, 400).distinct().limit(n).toArray();
                float[] user = TestData.randomUnit(rnd, 32);
                float[] ctx = TestData.randomUnit(rnd, 20);
                r.score(w, catalog, user, ctx, items, n, got, att);
                cpu.score(w, catalog, user, ctx, items, n, want, att);
                Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.comparingDouble(j -> -got[j]));
                for (int p = 1; p < n; p++) {
                    float prev = want[order[p - 1]];
                    float cur = want[order[p]];
                    double tol = 2 * scoreTolerance() * Math.max(1, Math.abs(prev));
                    assertThat((double) prev).as("list %d position %d", list, p).isGreaterThanOrEqualTo(cur - tol);
                }
            }
        }
    }

    @Test
    public void refusesBadArguments() {
        ItemCatalog c = new ItemCatalog(8, 4);
        c.upsert("a", new float[8]);
        AttentionWeights w = AttentionWeights.identity("v", 2, 8, 2);
        float[] s = new float[4];
        float[] a = new float[8];
        try (OperatorBackend backend = openBackend(); AttentionReranker r = backend.newAttentionReranker()) {
            assertThatThrownBy(() -> r.score(w, c, new float[8], new float[2], new int[] {3}, 1, s, a))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("outside");
            assertThatThrownBy(() -> r.score(w, c, new float[8], new float[2], new int[] {0}, 0, s, a))
                    .isInstanceOf(OperatorException.class);
            assertThatThrownBy(() -> r.score(w, c, new float[8], new float[2], new int[] {0, 0, 0, 0, 0}, 5, new float[5], a))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("heads * n");
            ItemCatalog other = new ItemCatalog(4, 1);
            other.upsert("b", new float[4]);
            assertThatThrownBy(() -> r.score(w, other, new float[8], new float[2], new int[] {0}, 1, s, a))
                    .isInstanceOf(OperatorException.class).hasMessageContaining("dimension");
        }
    }
}
