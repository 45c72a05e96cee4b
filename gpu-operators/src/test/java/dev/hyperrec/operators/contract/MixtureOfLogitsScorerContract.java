package dev.hyperrec.operators.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.MixtureOfLogits;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Contract of the Mixture-of-Logits {@link Scorer}: each returned score equals the definition
 * {@code φ(q, x) = Σ softmax(G_q q + G_x x + bias)_pr (A_p q · B_r x)}, computed here in double, within
 * {@link #relativeTolerance()}; the returned list is the definition's top k (ties and near-ties
 * within the tolerance in either order); exclusions and removed items never appear; one component
 * pair with identity maps is the dot-product scorer; every backend agrees with the CPU reference.
 */
public abstract class MixtureOfLogitsScorerContract {

    protected abstract OperatorBackend openBackend();

    protected double relativeTolerance() {
        return 1e-4;
    }

    static MixtureOfLogits random(SplittableRandom rnd, int p, int r, int c, int dim) {
        MixtureOfLogits init = MixtureOfLogits.initial("t", p, r, c, dim, rnd.nextLong());
        float[] gq = new float[init.gq().length];
        float[] gx = new float[init.gx().length];
        float[] bias = new float[init.bias().length];
        for (float[] m : new float[][] {gq, gx, bias}) {
            for (int i = 0; i < m.length; i++) {
                m[i] = (float) rnd.nextGaussian();
            }
        }
        return new MixtureOfLogits("t", p, r, c, dim, init.a(), init.b(), gq, gx, bias);
    }

    /** The definition, in double. */
    static double phi(MixtureOfLogits w, float[] q, int qOff, float[] x) {
        int d = w.dim();
        int c = w.width();
        int rr = w.itemComponents();
        double[] z = new double[w.pairs()];
        double[] l = new double[w.pairs()];
        double max = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < w.userComponents(); p++) {
            for (int r = 0; r < rr; r++) {
                int pr = p * rr + r;
                for (int t = 0; t < c; t++) {
                    double f = 0;
                    double g = 0;
                    for (int k = 0; k < d; k++) {
                        f += (double) w.a()[(p * c + t) * d + k] * q[qOff + k];
                        g += (double) w.b()[(r * c + t) * d + k] * x[k];
                    }
                    l[pr] += f * g;
                }
                z[pr] = w.bias()[pr];
                for (int k = 0; k < d; k++) {
                    z[pr] += (double) w.gq()[pr * d + k] * q[qOff + k] + (double) w.gx()[pr * d + k] * x[k];
                }
                max = Math.max(max, z[pr]);
            }
        }
        double sum = 0;
        double phi = 0;
        for (int pr = 0; pr < w.pairs(); pr++) {
            double e = Math.exp(z[pr] - max);
            sum += e;
            phi += e * l[pr];
        }
        return phi / sum;
    }

    private void assertTopK(MixtureOfLogits w, ItemCatalog catalog, ScoreBatch batch, int k, TopKResult out) {
        float[] x = new float[catalog.dim()];
        for (int q = 0; q < batch.size(); q++) {
            int[] ex = batch.exclude(q);
            double[] all = new double[catalog.size()];
            Integer[] order = new Integer[catalog.size()];
            int eligible = 0;
            for (int i = 0; i < catalog.size(); i++) {
                order[i] = i;
                if (!catalog.isActive(i) || Arrays.binarySearch(ex, i) >= 0) {
                    all[i] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                eligible++;
                catalog.copyEmbedding(i, x, 0);
                all[i] = phi(w, batch.queries(), q * catalog.dim(), x);
            }
            Arrays.sort(order, (a, b) -> Double.compare(all[b], all[a]));
            assertThat(out.count(q)).isEqualTo(Math.min(k, eligible));
            for (int j = 0; j < out.count(q); j++) {
                int idx = out.index(q, j);
                assertThat(catalog.isActive(idx)).isTrue();
                assertThat(Arrays.binarySearch(ex, idx)).isNegative();
                double tol = relativeTolerance() * Math.max(1, Math.abs(all[idx]));
                assertThat((double) out.score(q, j)).as("query %d rank %d", q, j).isCloseTo(all[idx], within(tol));
                // rank j holds a score within the tolerance of the definition's j-th best
                assertThat(all[idx]).as("query %d rank %d", q, j).isCloseTo(all[order[j]], within(2 * tol));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"4,4,16,32,500,8,10", "1,1,8,16,300,3,1", "2,8,32,64,2000,17,100", "8,8,4,32,1200,5,1024"})
    public void topKEqualsTheDefinition(int p, int r, int c, int dim, int items, int queries, int k) {
        SplittableRandom rnd = new SplittableRandom(p * 100L + r * 10L + dim + items);
        ItemCatalog catalog = TestData.randomCatalog(rnd, items, dim, 0.05);
        MixtureOfLogits w = random(rnd, p, r, c, dim);
        ScoreBatch batch = new ScoreBatch(dim, queries);
        for (int q = 0; q < queries; q++) {
            int[] ex = rnd.ints(rnd.nextInt(20), 0, items).distinct().sorted().toArray();
            batch.add(TestData.randomUnit(rnd, dim), ex);
        }
        TopKResult out = new TopKResult();
        try (OperatorBackend backend = openBackend(); Scorer s = backend.newMixtureOfLogitsScorer(w)) {
            s.topK(catalog, batch, k, out);
            assertTopK(w, catalog, batch, k, out);
            // the catalog changes between calls: the item side follows
            catalog.upsert("i3", TestData.randomUnit(rnd, dim));
            catalog.upsert("new", TestData.randomUnit(rnd, dim));
            s.topK(catalog, batch, k, out);
            assertTopK(w, catalog, batch, k, out);
        }
    }

    @Test
    public void oneIdentityPairIsTheDotProduct() {
        SplittableRandom rnd = new SplittableRandom(2);
        int dim = 16;
        ItemCatalog catalog = TestData.randomCatalog(rnd, 400, dim, 0);
        float[] eye = new float[dim * dim];
        for (int i = 0; i < dim; i++) {
            eye[i * dim + i] = 1f;
        }
        MixtureOfLogits w = new MixtureOfLogits("eye", 1, 1, dim, dim, eye, eye.clone(), new float[dim], new float[dim], new float[1]);
        ScoreBatch batch = new ScoreBatch(dim, 4);
        for (int q = 0; q < 4; q++) {
            batch.add(TestData.randomUnit(rnd, dim), new int[0]);
        }
        TopKResult mol = new TopKResult();
        TopKResult dot = new TopKResult();
        try (OperatorBackend backend = openBackend(); Scorer s = backend.newMixtureOfLogitsScorer(w);
             CpuBackend ref = new CpuBackend(); Scorer d = ref.newScorer()) {
            s.topK(catalog, batch, 20, mol);
            d.topK(catalog, batch, 20, dot);
        }
        for (int q = 0; q < 4; q++) {
            for (int j = 0; j < 20; j++) {
                assertThat(mol.index(q, j)).isEqualTo(dot.index(q, j));
                assertThat(mol.score(q, j)).isCloseTo(dot.score(q, j), within(1e-5f));
            }
        }
    }

    @Test
    public void agreesWithTheReference() {
        SplittableRandom rnd = new SplittableRandom(9);
        int dim = 32;
        ItemCatalog catalog = TestData.randomCatalog(rnd, 3000, dim, 0.02);
        MixtureOfLogits w = random(rnd, 4, 4, 16, dim);
        ScoreBatch batch = new ScoreBatch(dim, 64);
        for (int q = 0; q < 64; q++) {
            batch.add(TestData.randomUnit(rnd, dim), rnd.ints(10, 0, 3000).distinct().sorted().toArray());
        }
        TopKResult got = new TopKResult();
        TopKResult want = new TopKResult();
        try (OperatorBackend backend = openBackend(); Scorer s = backend.newMixtureOfLogitsScorer(w);
             CpuBackend ref = new CpuBackend(); Scorer r = ref.newMixtureOfLogitsScorer(w)) {
            s.topK(catalog, batch, 50, got);
            r.topK(catalog, batch, 50, want);
        }
        for (int q = 0; q < 64; q++) {
            assertThat(got.count(q)).isEqualTo(want.count(q));
            for (int j = 0; j < got.count(q); j++) {
                double tol = relativeTolerance() * Math.max(1, Math.abs(want.score(q, j)));
                assertThat((double) got.score(q, j)).isCloseTo(want.score(q, j), within(2 * tol));
                if (got.index(q, j) != want.index(q, j)) {
                    // a swap is allowed only between scores that are equal within the tolerance
                    assertThat((double) got.score(q, j)).isCloseTo(want.score(q, j), within(tol));
                }
            }
        }
    }

    @Test
    public void refusesAnotherDimension() {
        ItemCatalog catalog = TestData.randomCatalog(new SplittableRandom(1), 10, 8, 0);
        MixtureOfLogits w = MixtureOfLogits.initial("v", 2, 2, 4, 16, 1);
        ScoreBatch batch = new ScoreBatch(8, 1);
        batch.add(new float[8], new int[0]);
        try (OperatorBackend backend = openBackend(); Scorer s = backend.newMixtureOfLogitsScorer(w)) {
            assertThatThrownBy(() -> s.topK(catalog, batch, 5, new TopKResult())).isInstanceOf(OperatorException.class)
                    .hasMessageContaining("dimension");
        }
    }

    /** Extra items are defined as dot products: a scorer of another similarity refuses them, and says it does not take them. */
    @Test
    public void refusesExtraItems() {
        ItemCatalog catalog = TestData.randomCatalog(new SplittableRandom(2), 10, 8, 0);
        MixtureOfLogits w = MixtureOfLogits.initial("v", 2, 2, 4, 8, 1);
        ScoreBatch batch = new ScoreBatch(8, 1);
        batch.add(new float[8], new int[0], new int[] {1, 2});
        try (OperatorBackend backend = openBackend(); Scorer s = backend.newMixtureOfLogitsScorer(w)) {
            assertThat(s.extrasOnDevice()).isFalse();
            assertThatThrownBy(() -> s.topK(catalog, batch, 5, new TopKResult())).isInstanceOf(OperatorException.class)
                    .hasMessageContaining("extra items");
        }
    }
}
