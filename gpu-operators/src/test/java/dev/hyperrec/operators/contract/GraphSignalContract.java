package dev.hyperrec.operators.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hyperrec.operators.GraphSignal;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Contract of {@link GraphSignal}: the incremental signal equals the definition
 * {@code g(u, c) = mean_{i∈N(u)} x_i · mean_{v∈N(c)} mean_{j∈N(v)} x_j}, computed here by brute force
 * in double, within {@link #relativeTolerance()}; duplicates are ignored; a rebuild after the
 * embeddings change equals the definition on the new embeddings; and every backend equals the CPU
 * reference on a seeded stream.
 */
public abstract class GraphSignalContract {

    protected abstract OperatorBackend openBackend();

    /** Relative tolerance against the double-precision definition (float sums, atomics on a device). */
    protected double relativeTolerance() {
        return 1e-4;
    }

    /** Brute-force definition over an edge list, in double. */
    static double[] definition(ItemCatalog catalog, List<int[]> edges, int user, int[] items) {
        int dim = catalog.dim();
        java.util.Map<Integer, java.util.LinkedHashSet<Integer>> byUser = new java.util.HashMap<>();
        java.util.Map<Integer, java.util.LinkedHashSet<Integer>> byItem = new java.util.HashMap<>();
        for (int[] e : edges) {
            byUser.computeIfAbsent(e[0], k -> new java.util.LinkedHashSet<>()).add(e[1]);
            byItem.computeIfAbsent(e[1], k -> new java.util.LinkedHashSet<>()).add(e[0]);
        }
        float[] x = new float[dim];
        java.util.function.IntFunction<double[]> mean = u -> {
            double[] a = new double[dim];
            java.util.Set<Integer> its = byUser.getOrDefault(u, new java.util.LinkedHashSet<>());
            for (int i : its) {
                catalog.copyEmbedding(i, x, 0);
                for (int k = 0; k < dim; k++) {
                    a[k] += x[k] / (double) its.size();
                }
            }
            return a;
        };
        double[] a = mean.apply(user);
        double[] out = new double[items.length];
        for (int j = 0; j < items.length; j++) {
            java.util.Set<Integer> us = byItem.get(items[j]);
            if (us == null || !byUser.containsKey(user)) {
                continue;
            }
            double[] h = new double[dim];
            for (int v : us) {
                double[] av = mean.apply(v);
                for (int k = 0; k < dim; k++) {
                    h[k] += av[k] / us.size();
                }
            }
            double dot = 0;
            for (int k = 0; k < dim; k++) {
                dot += a[k] * h[k];
            }
            out[j] = dot;
        }
        return out;
    }

    private void assertClose(float[] got, double[] want) {
        for (int j = 0; j < want.length; j++) {
            assertThat((double) got[j]).as("candidate %d", j)
                    .isCloseTo(want[j], within(relativeTolerance() * Math.max(1e-2, Math.abs(want[j]))));
        }
    }

    @Test
    public void tinyGraphByHand() {
        ItemCatalog c = new ItemCatalog(2, 4);
        c.upsert("a", new float[] {1, 0});
        c.upsert("b", new float[] {0, 1});
        c.upsert("c", new float[] {1, 1});
        try (OperatorBackend backend = openBackend(); GraphSignal g = backend.newGraphSignal()) {
            g.addEdge(c, 0, 0); // user 0: a
            g.addEdge(c, 1, 0); // user 1: a, b
            g.addEdge(c, 1, 1);
            g.addEdge(c, 1, 1); // duplicate: ignored
            float[] out = new float[3];
            g.score(c, 0, new int[] {0, 1, 2}, 3, out);
            // a_0 = (1,0); a_1 = (0.5,0.5); h_a = mean(a_0, a_1) = (0.75, 0.25); h_b = a_1; c has no edge
            assertThat(out[0]).isCloseTo(0.75f, within(1e-6f));
            assertThat(out[1]).isCloseTo(0.5f, within(1e-6f));
            assertThat(out[2]).isZero();
            assertThat(g.edges()).isEqualTo(3);
            g.score(c, 7, new int[] {0}, 1, out); // a user without edges
            assertThat(out[0]).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 32, 48})
    public void incrementalSignalEqualsTheDefinition(int dim) {
        SplittableRandom rnd = new SplittableRandom(dim);
        ItemCatalog catalog = TestData.randomCatalog(rnd, 120, dim, 0);
        TestData.Zipf zipf = new TestData.Zipf(120, 1.0);
        List<int[]> edges = new ArrayList<>();
        try (OperatorBackend backend = openBackend(); GraphSignal g = backend.newGraphSignal()) {
            int[] cand = new int[40];
            float[] out = new float[40];
            for (int step = 0; step < 6; step++) {
                for (int e = 0; e < 150; e++) {
                    int[] edge = {rnd.nextInt(30), zipf.sample(rnd)};
                    edges.add(edge);
                    g.addEdge(catalog, edge[0], edge[1]);
                }
                int user = rnd.nextInt(30);
                for (int j = 0; j < cand.length; j++) {
                    cand[j] = rnd.nextInt(120);
                }
                g.score(catalog, user, cand, cand.length, out);
                assertClose(out, definition(catalog, edges, user, cand));
            }
        }
    }

    @Test
    public void rebuildFollowsNewEmbeddings() {
        SplittableRandom rnd = new SplittableRandom(5);
        ItemCatalog catalog = TestData.randomCatalog(rnd, 60, 16, 0);
        List<int[]> edges = new ArrayList<>();
        try (OperatorBackend backend = openBackend(); GraphSignal g = backend.newGraphSignal()) {
            for (int e = 0; e < 400; e++) {
                int[] edge = {rnd.nextInt(20), rnd.nextInt(60)};
                edges.add(edge);
                g.addEdge(catalog, edge[0], edge[1]);
            }
            for (int i = 0; i < 60; i++) {
                catalog.upsert("i" + i, TestData.randomUnit(rnd, 16));
            }
            g.rebuild(catalog);
            int[] cand = new int[60];
            for (int j = 0; j < 60; j++) {
                cand[j] = j;
            }
            float[] out = new float[60];
            for (int u = 0; u < 20; u += 7) {
                g.score(catalog, u, cand, 60, out);
                assertClose(out, definition(catalog, edges, u, cand));
            }
        }
    }

    @Test
    public void agreesWithTheReferenceOnASeededStream() {
        SplittableRandom rnd = new SplittableRandom(11);
        ItemCatalog catalog = TestData.randomCatalog(rnd, 500, 32, 0);
        TestData.Zipf zipf = new TestData.Zipf(500, 1.1);
        try (OperatorBackend backend = openBackend(); GraphSignal g = backend.newGraphSignal();
             CpuBackend ref = new CpuBackend(); GraphSignal r = ref.newGraphSignal()) {
            int[] cand = new int[100];
            float[] got = new float[100];
            float[] want = new float[100];
            for (int step = 0; step < 20; step++) {
                for (int e = 0; e < 200; e++) {
                    int u = rnd.nextInt(80);
                    int i = zipf.sample(rnd);
                    g.addEdge(catalog, u, i);
                    r.addEdge(catalog, u, i);
                }
                int user = rnd.nextInt(80);
                for (int j = 0; j < cand.length; j++) {
                    cand[j] = rnd.nextInt(500);
                }
                g.score(catalog, user, cand, 100, got);
                r.score(catalog, user, cand, 100, want);
                for (int j = 0; j < 100; j++) {
                    assertThat(got[j]).isCloseTo(want[j], within((float) (relativeTolerance() * Math.max(1e-2, Math.abs(want[j])))));
                }
            }
            assertThat(g.edges()).isEqualTo(r.edges());
        }
    }

    @Test
    public void refusesBadArguments() {
        ItemCatalog c = new ItemCatalog(4, 4);
        c.upsert("a", new float[] {1, 0, 0, 0});
        try (OperatorBackend backend = openBackend(); GraphSignal g = backend.newGraphSignal()) {
            assertThatThrownBy(() -> g.addEdge(c, 0, 5)).isInstanceOf(OperatorException.class).hasMessageContaining("outside");
            assertThatThrownBy(() -> g.addEdge(c, -1, 0)).isInstanceOf(OperatorException.class);
            assertThatThrownBy(() -> g.score(c, 0, new int[] {0}, 2, new float[2])).isInstanceOf(OperatorException.class);
        }
    }
}
