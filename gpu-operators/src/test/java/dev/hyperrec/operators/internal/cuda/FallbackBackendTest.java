package dev.hyperrec.operators.internal.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.AttentionReranker;
import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.GraphSignal;
import dev.hyperrec.operators.HeavyHitter;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.OperatorException;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.SketchState;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.contract.TestData;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fallback logic of {@link FallbackBackend}, on any machine: the "device" is a hand-written fake
 * (the CPU backend whose operators throw {@link CudaException} when armed), so the switch, the counter
 * and the unchanged results are checked without a GPU. {@link CudaFallbackTest} does the same with a
 * real device and the backend's fault-injection seam.
 */
class FallbackBackendTest {

    /** A device stand-in: CPU operators that fail with a CUDA error while {@link #armed} > 0. */
    static final class FaultyBackend implements OperatorBackend {
        private final CpuBackend inner = new CpuBackend();
        int armed;

        void fault() {
            if (armed > 0) {
                armed--;
                throw new CudaException("CUDA_ERROR_LAUNCH_FAILED", "kernel fake", "injected");
            }
        }

        @Override
        public String name() {
            return "cuda";
        }

        @Override
        public EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config) {
            EmbeddingUpdater u = inner.newEmbeddingUpdater(config);
            return (users, items, batch) -> {
                fault();
                u.apply(users, items, batch);
            };
        }

        @Override
        public Scorer newScorer() {
            Scorer s = inner.newScorer();
            return (items, batch, k, out) -> {
                fault();
                s.topK(items, batch, k, out);
            };
        }

        @Override
        public PopularitySketch newPopularitySketch(CountMinConfig config) {
            PopularitySketch s = inner.newPopularitySketch(config);
            return new PopularitySketch() {
                @Override
                public CountMinConfig config() {
                    return s.config();
                }

                @Override
                public void add(long[] keys, long[] eventTimesMs, int n) {
                    // a device fault half-way: the first half is counted, then the call fails
                    if (armed > 0 && n > 1) {
                        s.add(keys, eventTimesMs, n / 2);
                    }
                    fault();
                    s.add(keys, eventTimesMs, n);
                }

                @Override
                public long estimate(long key) {
                    fault();
                    return s.estimate(key);
                }

                @Override
                public void estimate(long[] keys, int n, long[] out) {
                    fault();
                    s.estimate(keys, n, out);
                }

                @Override
                public long total() {
                    return s.total();
                }

                @Override
                public List<HeavyHitter> heavyHitters() {
                    fault();
                    return s.heavyHitters();
                }

                @Override
                public int hotKeys(int limit, long[] out) {
                    fault();
                    return s.hotKeys(limit, out);
                }

                @Override
                public SketchState snapshot() {
                    fault();
                    return s.snapshot();
                }

                @Override
                public void restore(SketchState state) {
                    fault();
                    s.restore(state);
                }
            };
        }

        @Override
        public ThompsonSampler newThompsonSampler(long seed) {
            ThompsonSampler t = inner.newThompsonSampler(seed);
            return (streamKey, itemKeys, alpha, beta, n, out) -> {
                fault();
                t.sample(streamKey, itemKeys, alpha, beta, n, out);
            };
        }

        @Override
        public GraphSignal newGraphSignal() {
            GraphSignal g = inner.newGraphSignal();
            return new GraphSignal() {
                @Override
                public void addEdge(ItemCatalog catalog, int user, int item) {
                    fault();
                    g.addEdge(catalog, user, item);
                }

                @Override
                public void rebuild(ItemCatalog catalog) {
                    fault();
                    g.rebuild(catalog);
                }

                @Override
                public void score(ItemCatalog catalog, int user, int[] items, int n, float[] out) {
                    fault();
                    g.score(catalog, user, items, n, out);
                }

                @Override
                public long edges() {
                    return g.edges();
                }
            };
        }

        @Override
        public AttentionReranker newAttentionReranker() {
            AttentionReranker r = inner.newAttentionReranker();
            return (weights, catalog, query, context, items, n, scores, attention) -> {
                fault();
                r.score(weights, catalog, query, context, items, n, scores, attention);
            };
        }

        @Override
        public Scorer newMixtureOfLogitsScorer(dev.hyperrec.operators.MixtureOfLogits weights) {
            Scorer s = inner.newMixtureOfLogitsScorer(weights);
            return (items, batch, k, out) -> {
                fault();
                s.topK(items, batch, k, out);
            };
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void scorerSwitchesToCpuOnceWithUnchangedResults() {
        SplittableRandom rnd = new SplittableRandom(1);
        ItemCatalog items = TestData.randomCatalog(rnd, 500, 16, 0.1);
        ScoreBatch batch = new ScoreBatch(16, 4);
        for (int q = 0; q < 4; q++) {
            batch.add(TestData.randomVector(rnd, 16), TestData.randomExcludes(rnd, 500, 5));
        }
        TopKResult expected = new TopKResult();
        try (CpuBackend ref = new CpuBackend(); Scorer s = ref.newScorer()) {
            s.topK(items, batch, 10, expected);
        }
        FaultyBackend device = new FaultyBackend();
        try (FallbackBackend backend = new FallbackBackend(device, new CpuBackend()); Scorer scorer = backend.newScorer()) {
            TopKResult out = new TopKResult();
            scorer.topK(items, batch, 10, out);
            assertThat(backend.fallbacks()).isZero();
            device.armed = 1;
            scorer.topK(items, batch, 10, out);
            assertThat(backend.fallbacks()).isEqualTo(1);
            assertSame(expected, out);
            scorer.topK(items, batch, 10, out); // stays on the CPU: no second switch
            assertThat(backend.fallbacks()).isEqualTo(1);
            assertSame(expected, out);
            assertThat(backend.name()).isEqualTo("cuda");
        }
    }

    @Test
    void argumentErrorsAreNotFaults() {
        FaultyBackend device = new FaultyBackend();
        try (FallbackBackend backend = new FallbackBackend(device, new CpuBackend()); Scorer scorer = backend.newScorer()) {
            ItemCatalog items = TestData.randomCatalog(new SplittableRandom(2), 10, 4, 0);
            ScoreBatch wrong = new ScoreBatch(3, 1);
            wrong.add(new float[3], null);
            assertThatThrownBy(() -> scorer.topK(items, wrong, 5, new TopKResult())).isInstanceOf(OperatorException.class)
                    .isNotInstanceOf(CudaException.class);
            assertThat(backend.fallbacks()).isZero();
        }
    }

    @Test
    void sketchResumesOnCpuFromCheckpointAndReplayLog() {
        CountMinConfig config = new CountMinConfig(0.01, 0.02, 5000, 12, 77);
        SplittableRandom rnd = new SplittableRandom(3);
        long[][] keys = new long[6][];
        long[][] times = new long[6][];
        long t = 0;
        for (int b = 0; b < 6; b++) {
            keys[b] = new long[300];
            times[b] = new long[300];
            for (int i = 0; i < 300; i++) {
                keys[b][i] = rnd.nextInt(200);
                t += rnd.nextInt(40);
                times[b][i] = t;
            }
        }
        FaultyBackend device = new FaultyBackend();
        try (CpuBackend ref = new CpuBackend(); PopularitySketch expected = ref.newPopularitySketch(config);
             FallbackBackend backend = new FallbackBackend(device, new CpuBackend());
             PopularitySketch sketch = backend.newPopularitySketch(config)) {
            for (int b = 0; b < 6; b++) {
                if (b == 2) {
                    sketch.snapshot(); // what the store would persist
                }
                if (b == 4) {
                    device.armed = 1; // fails half-way through batch 4
                }
                sketch.add(keys[b], times[b], 300);
                expected.add(keys[b], times[b], 300);
            }
            assertThat(backend.fallbacks()).isEqualTo(1);
            assertThat(sketch.snapshot()).isEqualTo(expected.snapshot());
            assertThat(sketch.heavyHitters()).isEqualTo(expected.heavyHitters());
        }
    }

    @Test
    void updaterAndSamplerFallBackWithUnchangedResults() {
        SplittableRandom rnd = new SplittableRandom(4);
        ItemCatalog items = TestData.randomCatalog(rnd, 20, 8, 0);
        UpdateBatch batch = new UpdateBatch(8);
        for (int e = 0; e < 30; e++) {
            batch.add(rnd.nextInt(5), rnd.nextInt(20), 1f);
        }
        UserTable a = new UserTable(8, 5);
        UserTable b = new UserTable(8, 5);
        for (int u = 0; u < 5; u++) {
            a.indexOrAdd("u" + u);
            b.indexOrAdd("u" + u);
        }
        FaultyBackend device = new FaultyBackend();
        try (CpuBackend ref = new CpuBackend(); EmbeddingUpdater r = ref.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
             ThompsonSampler rs = ref.newThompsonSampler(9);
             FallbackBackend backend = new FallbackBackend(device, new CpuBackend());
             EmbeddingUpdater u = backend.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
             ThompsonSampler ts = backend.newThompsonSampler(9)) {
            device.armed = 1;
            u.apply(a, items, batch);
            r.apply(b, items, batch);
            assertThat(TestData.rows(a, 5)).containsExactly(TestData.rows(b, 5));
            device.armed = 1;
            float[] x = new float[3];
            float[] y = new float[3];
            ts.sample(5, new long[] {1, 2, 3}, new double[] {2, 3, 4}, new double[] {5, 6, 7}, 3, x);
            rs.sample(5, new long[] {1, 2, 3}, new double[] {2, 3, 4}, new double[] {5, 6, 7}, 3, y);
            assertThat(x).containsExactly(y);
            assertThat(backend.fallbacks()).isEqualTo(2);
        }
    }

    @Test
    void graphSignalResumesOnCpuFromItsEdgeLogAndRerankerSwitches() {
        SplittableRandom rnd = new SplittableRandom(6);
        ItemCatalog items = TestData.randomCatalog(rnd, 50, 8, 0);
        FaultyBackend device = new FaultyBackend();
        try (CpuBackend ref = new CpuBackend(); GraphSignal r = ref.newGraphSignal();
             AttentionReranker rr = ref.newAttentionReranker();
             FallbackBackend backend = new FallbackBackend(device, new CpuBackend());
             GraphSignal g = backend.newGraphSignal(); AttentionReranker ar = backend.newAttentionReranker()) {
            for (int e = 0; e < 300; e++) {
                int u = rnd.nextInt(10);
                int i = rnd.nextInt(50);
                if (e == 150) {
                    device.armed = 1; // this edge fails on the device and lands on the rebuilt CPU operator
                }
                g.addEdge(items, u, i);
                r.addEdge(items, u, i);
            }
            int[] cand = java.util.stream.IntStream.range(0, 50).toArray();
            float[] got = new float[50];
            float[] want = new float[50];
            g.score(items, 3, cand, 50, got);
            r.score(items, 3, cand, 50, want);
            for (int j = 0; j < 50; j++) {
                assertThat(got[j]).isCloseTo(want[j], org.assertj.core.api.Assertions.within(1e-5f));
            }
            assertThat(g.edges()).isEqualTo(r.edges());
            dev.hyperrec.operators.AttentionWeights w = dev.hyperrec.operators.AttentionWeights.identity("v", 2, 8, 1);
            float[] s1 = new float[5];
            float[] s2 = new float[5];
            float[] a = new float[10];
            float[] user = TestData.randomUnit(rnd, 8);
            device.armed = 1;
            ar.score(w, items, user, new float[1], new int[] {1, 2, 3, 4, 5}, 5, s1, a);
            rr.score(w, items, user, new float[1], new int[] {1, 2, 3, 4, 5}, 5, s2, a);
            assertThat(s1).containsExactly(s2);
            assertThat(backend.fallbacks()).isEqualTo(2);
        }
    }

    static void assertSame(TopKResult expected, TopKResult out) {
        assertThat(out.rows()).isEqualTo(expected.rows());
        for (int r = 0; r < out.rows(); r++) {
            assertThat(out.count(r)).isEqualTo(expected.count(r));
            for (int j = 0; j < out.count(r); j++) {
                assertThat(out.index(r, j)).isEqualTo(expected.index(r, j));
                assertThat(out.score(r, j)).isEqualTo(expected.score(r, j));
            }
        }
    }
}
