package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.PopularCacheConfig;
import dev.hyperrec.operators.PopularItemCache;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.Vectors;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The CUDA operators' benchmark harness (run by scripts/bench-gpu.sh on the GPU machine; the PyTorch
 * reference is scripts/bench_torch.py in the same run). Writes one JSON object of measurements:
 * median device time (CUDA events around the operator's uploads, kernels and downloads) and median
 * wall time of the Java call, over {@code reps} runs after warm-up. Seeded random unit vectors.
 *
 * <p>Usage: {@code CudaBench <out.json> [quick | thompson | mol | rerank]}; {@code mol} compares the
 * Mixture-of-Logits scorer with dot-product scoring (time and arithmetic intensity), {@code rerank}
 * times the ranking stages' operators per list on both backends (issue 8).
 */
public final class CudaBench {
    private static final int N = 62_423;
    private static final int DIM = 384;

    private final List<String> rows = new ArrayList<>();

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "gpu-bench-java.json");
        boolean quick = args.length > 1 && args[1].equals("quick");
        if (args.length > 1 && args[1].equals("thompson")) {   // one operator, e.g. under a profiler
            CudaBench t = new CudaBench();
            t.thompson();
            Files.writeString(out, "{\"measurements\": [" + String.join(",", t.rows) + "]}\n");
            return;
        }
        if (args.length > 1 && (args[1].equals("mol") || args[1].equals("rerank"))) {
            CudaBench m = new CudaBench();
            String device = CudaBackend.describeDevice();
            if (args[1].equals("mol")) {
                m.mol();
            } else {
                m.rerank();
            }
            Files.writeString(out, "{\"device\": \"" + device.replace("\"", "'") + "\", \"measurements\": [\n    "
                    + String.join(",\n    ", m.rows) + "\n]}\n");
            System.out.println("cuda-bench: wrote " + out);
            return;
        }
        CudaBench b = new CudaBench();
        String device = CudaBackend.describeDevice();
        System.out.println("cuda-bench: device " + device);
        b.scoring(quick);
        b.thompson();
        b.sketch();
        b.ema(quick);
        String json = "{\n  \"device\": \"" + device.replace("\"", "'") + "\",\n  \"measurements\": [\n    "
                + String.join(",\n    ", b.rows) + "\n  ]\n}\n";
        Files.writeString(out, json);
        System.out.println("cuda-bench: wrote " + out);
    }

    private void record(String op, String precision, int batch, int k, double deviceMs, double wallMs, String extra) {
        String row = String.format(Locale.ROOT,
                "{\"op\": \"%s\", \"precision\": \"%s\", \"batch\": %d, \"k\": %d, \"device_ms\": %.4f, \"wall_ms\": %.4f%s}",
                op, precision, batch, k, deviceMs, wallMs, extra == null ? "" : ", " + extra);
        rows.add(row);
        System.out.println("cuda-bench: " + row);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static float[] unit(SplittableRandom rnd, int dim) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) rnd.nextGaussian();
        }
        Vectors.normaliseInPlace(v);
        return v;
    }

    private void scoring(boolean quick) {
        SplittableRandom rnd = new SplittableRandom(42);
        ItemCatalog items = new ItemCatalog(DIM, N);
        for (int i = 0; i < N; i++) {
            items.upsert("i" + i, unit(rnd, DIM));
        }
        int[] batches = quick ? new int[] {1, 1000} : new int[] {1, 100, 1000, 4096};
        int maxB = 10_000;
        ScoreBatch all = new ScoreBatch(DIM, maxB);
        for (int q = 0; q < maxB; q++) {
            all.add(unit(rnd, DIM), null);
        }
        try (CudaBackend cuda = new CudaBackend()) {
            CudaScorer[] scorers = new CudaScorer[ScorePrecision.values().length];
            for (ScorePrecision p : ScorePrecision.values()) {
                scorers[p.ordinal()] = cuda.newScorer(p);
            }
            int[][] cases = new int[batches.length + 3][];
            int c = 0;
            for (int b : batches) {
                cases[c++] = new int[] {b, 20};
            }
            cases[c++] = new int[] {1000, 10};
            cases[c++] = new int[] {1000, 100};
            cases[c++] = new int[] {1000, 1024};
            for (int[] cs : cases) {
                int b = cs[0];
                int k = cs[1];
                ScoreBatch batch = slice(all, b);
                TopKResult exact = new TopKResult();
                for (ScorePrecision p : ScorePrecision.values()) {
                    CudaScorer s = scorers[p.ordinal()];
                    TopKResult out = p == ScorePrecision.EXACT ? exact : new TopKResult();
                    int reps = b >= 4096 ? 5 : 15;
                    double[] dev = new double[reps];
                    double[] kern = new double[reps];
                    double[] wall = new double[reps];
                    for (int w = 0; w < 3; w++) {
                        s.topK(items, batch, k, out);
                    }
                    for (int r = 0; r < reps; r++) {
                        long t0 = System.nanoTime();
                        s.topK(items, batch, k, out);
                        wall[r] = (System.nanoTime() - t0) / 1e6;
                        dev[r] = s.lastDeviceMillis();
                        kern[r] = s.lastKernelMillis();
                    }
                    if (p == ScorePrecision.BF16 || b == 1) {
                        s.profile(true);
                        s.topK(items, batch, k, out);
                        System.out.println("cuda-bench: profile " + p + " B=" + b + " k=" + k + ": " + s.lastProfile());
                        s.gatedTiming(true);
                        s.topK(items, batch, k, out);
                        System.out.println("cuda-bench: profile (gated) " + p + " B=" + b + " k=" + k + ": " + s.lastProfile());
                        s.gatedTiming(false);
                        s.profile(false);
                    }
                    double[] gpu = new double[reps];
                    s.gatedTiming(true);
                    for (int r = 0; r < reps; r++) {
                        s.topK(items, batch, k, out);
                        gpu[r] = s.lastDeviceMillis();
                    }
                    s.gatedTiming(false);
                    double recall = p == ScorePrecision.EXACT ? 1.0 : recall(exact, out, b, k);
                    record("score", p.name().toLowerCase(Locale.ROOT), b, k, median(dev), median(wall),
                            String.format(Locale.ROOT, "\"kernel_ms\": %.4f, \"gpu_ms\": %.4f, \"recall_vs_exact\": %.5f, \"overflow_retries\": %d",
                                    median(kern), median(gpu), recall, s.overflowRetries()));
                }
            }
            // cache rebuild: 10K hot items x the catalog, rows of 50 (PopularItemCache's batched topK)
            ScoreBatch hot = slice(all, maxB);
            for (ScorePrecision p : new ScorePrecision[] {ScorePrecision.EXACT, ScorePrecision.FP32, ScorePrecision.BF16}) {
                CudaScorer s = scorers[p.ordinal()];
                TopKResult out = new TopKResult();
                s.topK(items, hot, 50, out);
                double[] dev = new double[3];
                double[] kern = new double[3];
                double[] wall = new double[3];
                for (int r = 0; r < 3; r++) {
                    long t0 = System.nanoTime();
                    s.topK(items, hot, 50, out);
                    wall[r] = (System.nanoTime() - t0) / 1e6;
                    dev[r] = s.lastDeviceMillis();
                    kern[r] = s.lastKernelMillis();
                }
                double[] gpu = new double[3];
                s.gatedTiming(true);
                for (int r = 0; r < 3; r++) {
                    s.topK(items, hot, 50, out);
                    gpu[r] = s.lastDeviceMillis();
                }
                s.gatedTiming(false);
                s.profile(true);
                s.topK(items, hot, 50, out);
                System.out.println("cuda-bench: profile cache-rebuild " + p + ": " + s.lastProfile());
                s.profile(false);
                record("cache-rebuild", p.name().toLowerCase(Locale.ROOT), maxB, 50, median(dev), median(wall),
                        String.format(Locale.ROOT, "\"kernel_ms\": %.4f, \"gpu_ms\": %.4f", median(kern), median(gpu)));
            }
        }
    }

    private static ScoreBatch slice(ScoreBatch all, int b) {
        ScoreBatch s = new ScoreBatch(DIM, b);
        float[] q = new float[DIM];
        for (int i = 0; i < b; i++) {
            System.arraycopy(all.queries(), i * DIM, q, 0, DIM);
            s.add(q, null);
        }
        return s;
    }

    private static double recall(TopKResult exact, TopKResult approx, int b, int k) {
        double sum = 0;
        for (int r = 0; r < b; r++) {
            Set<Integer> e = new HashSet<>();
            for (int j = 0; j < exact.count(r); j++) {
                e.add(exact.index(r, j));
            }
            int hit = 0;
            for (int j = 0; j < approx.count(r); j++) {
                if (e.contains(approx.index(r, j))) {
                    hit++;
                }
            }
            sum += e.isEmpty() ? 1.0 : (double) hit / e.size();
        }
        return sum / b;
    }

    /**
     * Mixture-of-Logits (P = R = 4 components of width 64 over the 384-dim catalog) against the dot
     * product (fp32 and bf16 scorers) on the same catalog and queries, k = 20. Arithmetic intensity is
     * the ideal one: flops of a batch over the bytes of the item side read once per batch (MoL:
     * R·c + P·R floats an item, precomputed; dot: the fp32 or bf16 row); "achieved" divides the flops
     * by the measured device time.
     */
    private void mol() {
        SplittableRandom rnd = new SplittableRandom(42);
        ItemCatalog items = new ItemCatalog(DIM, N);
        for (int i = 0; i < N; i++) {
            items.upsert("i" + i, unit(rnd, DIM));
        }
        ScoreBatch all = new ScoreBatch(DIM, 1000);
        for (int q = 0; q < 1000; q++) {
            all.add(unit(rnd, DIM), null);
        }
        dev.hyperrec.operators.MixtureOfLogits w = dev.hyperrec.operators.MixtureOfLogits.initial("bench", 4, 4, 64, DIM, 7);
        try (CudaBackend cuda = new CudaBackend()) {
            CudaMolScorer mol = (CudaMolScorer) cuda.newMixtureOfLogitsScorer(w);
            CudaScorer fp32 = cuda.newScorer(ScorePrecision.FP32);
            CudaScorer bf16 = cuda.newScorer(ScorePrecision.BF16);
            for (int b : new int[] {1, 100, 1000}) {
                ScoreBatch batch = slice(all, b);
                TopKResult out = new TopKResult();
                int reps = 9;
                double[] dev = new double[reps];
                double[] wall = new double[reps];
                for (int r = 0; r < 3; r++) {
                    mol.topK(items, batch, 20, out);
                }
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    mol.topK(items, batch, 20, out);
                    wall[r] = (System.nanoTime() - t0) / 1e6;
                    dev[r] = mol.lastDeviceMillis();
                }
                double flops = (double) b * N * w.flopsPerPair();
                double bytes = (double) N * w.itemFloats() * 4;
                record("mol", "fp32", b, 20, median(dev), median(wall), String.format(Locale.ROOT,
                        "\"flops_per_pair\": %d, \"item_bytes\": %d, \"intensity_flops_per_byte\": %.2f, \"achieved_gflops\": %.1f",
                        w.flopsPerPair(), w.itemFloats() * 4, flops / bytes, flops / (median(dev) * 1e6)));
                for (CudaScorer s : new CudaScorer[] {fp32, bf16}) {
                    for (int r = 0; r < 3; r++) {
                        s.topK(items, batch, 20, out);
                    }
                    for (int r = 0; r < reps; r++) {
                        long t0 = System.nanoTime();
                        s.topK(items, batch, 20, out);
                        wall[r] = (System.nanoTime() - t0) / 1e6;
                        dev[r] = s.lastDeviceMillis();
                    }
                    int rowBytes = s == bf16 ? DIM * 2 : DIM * 4;
                    double dflops = (double) b * N * 2 * DIM;
                    record("dot", s == bf16 ? "bf16" : "fp32", b, 20, median(dev), median(wall), String.format(Locale.ROOT,
                            "\"flops_per_pair\": %d, \"item_bytes\": %d, \"intensity_flops_per_byte\": %.2f, \"achieved_gflops\": %.1f",
                            2 * DIM, rowBytes, dflops / ((double) N * rowBytes), dflops / (median(dev) * 1e6)));
                }
            }
        }
    }

    /**
     * Wall time of one list's work in each ranking stage, CPU reference vs CUDA, at the MovieLens
     * dimension (32) and the seeds' (384): the graph signal (one new edge, then 150 candidates scored
     * against a graph of 100,000 Zipf edges over 610 users) and the attention reranker (8 heads, top 50).
     */
    private void rerank() {
        for (int dim : new int[] {32, 384}) {
            SplittableRandom rnd = new SplittableRandom(dim);
            int n = 9_742;
            ItemCatalog items = new ItemCatalog(dim, n);
            for (int i = 0; i < n; i++) {
                items.upsert("i" + i, unit(rnd, dim));
            }
            dev.hyperrec.operators.contract.TestData.Zipf zipf = new dev.hyperrec.operators.contract.TestData.Zipf(n, 1.0);
            int[] eu = new int[100_000];
            int[] ei = new int[100_000];
            for (int e = 0; e < eu.length; e++) {
                eu[e] = rnd.nextInt(610);
                ei[e] = zipf.sample(rnd);
            }
            int[] cand = new int[150];
            for (int j = 0; j < cand.length; j++) {
                cand[j] = rnd.nextInt(n);
            }
            dev.hyperrec.operators.AttentionWeights w = dev.hyperrec.operators.AttentionWeights.identity("bench", 8, dim, 20);
            float[] user = unit(rnd, dim);
            float[] ctx = new float[20];
            for (dev.hyperrec.operators.OperatorBackend b : new dev.hyperrec.operators.OperatorBackend[] {new CpuBackend(), new CudaBackend()}) {
                try (b; dev.hyperrec.operators.GraphSignal g = b.newGraphSignal();
                        dev.hyperrec.operators.AttentionReranker a = b.newAttentionReranker()) {
                    for (int e = 0; e < eu.length; e++) {
                        g.addEdge(items, eu[e], ei[e]);
                    }
                    float[] out = new float[150];
                    int reps = 300;
                    double[] wall = new double[reps];
                    for (int r = -20; r < reps; r++) {
                        long t0 = System.nanoTime();
                        g.addEdge(items, rnd.nextInt(610), zipf.sample(rnd));
                        g.score(items, r & 511, cand, 150, out);
                        if (r >= 0) {
                            wall[r] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                    record("graph_list", b.name(), 1, 150, 0, median(wall), "\"dim\": " + dim + ", \"edges\": " + g.edges());
                    float[] s = new float[50];
                    float[] att = new float[8 * 50];
                    for (int r = -20; r < reps; r++) {
                        long t0 = System.nanoTime();
                        a.score(w, items, user, ctx, cand, 50, s, att);
                        if (r >= 0) {
                            wall[r] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                    record("attention_list", b.name(), 1, 50, 0, median(wall), "\"dim\": " + dim + ", \"heads\": 8");
                }
            }
        }
    }

    private void thompson() {
        int n = 1_000_000;
        SplittableRandom rnd = new SplittableRandom(7);
        long[] keys = new long[n];
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextLong();
            a[i] = 1 + rnd.nextInt(100);
            b[i] = 1 + rnd.nextInt(1000);
        }
        float[] out = new float[n];
        try (CudaBackend cuda = new CudaBackend()) {
            CudaThompsonSampler s = (CudaThompsonSampler) cuda.newThompsonSampler(11);
            for (int w = 0; w < 3; w++) {
                s.sample(w, keys, a, b, n, out);
            }
            double[] dev = new double[10];
            double[] kern = new double[10];
            double[] wall = new double[10];
            for (int r = 0; r < 10; r++) {
                long t0 = System.nanoTime();
                s.sample(r, keys, a, b, n, out);
                wall[r] = (System.nanoTime() - t0) / 1e6;
                dev[r] = s.lastDeviceMillis();
                kern[r] = s.lastKernelMillis();
            }
            // device_ms: the kernel with alpha/beta/keys on the device and the draws left there, as
            // PyTorch's Beta(a, b).sample() is timed; call_ms adds the 24 MB upload and 4 MB download
            record("thompson", "fp64", n, 0, median(kern), median(wall), String.format(Locale.ROOT,
                    "\"shape\": \"1000x1000\", \"inputs_on_device\": true, \"call_ms\": %.4f", median(dev)));
        }
    }

    private void sketch() {
        int n = 1_000_000;
        SplittableRandom rnd = new SplittableRandom(9);
        long[] keys = new long[n];
        long[] times = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextInt(1_000_000) * 0x9E3779B97F4A7C15L;
        }
        CountMinConfig config = new CountMinConfig(Math.E / (1 << 20) * 1.0000001, Math.exp(-6.5), 0, 200, 3);
        try (CudaBackend cuda = new CudaBackend()) {
            CudaPopularitySketch s = (CudaPopularitySketch) cuda.newPopularitySketch(config);
            for (int w = 0; w < 3; w++) {
                s.benchCountOnly(keys, n);
            }
            double[] dev = new double[10];
            double[] fold = new double[10];
            for (int r = 0; r < 10; r++) {
                dev[r] = s.benchCountOnly(keys, n);
                fold[r] = s.lastFoldMillis();
            }
            // device_ms: the 32-bit reductions into the deltas; fold_ms: folding them into the 64-bit
            // bases, which the sketch does once per decay step or snapshot, not per batch
            record("cms-count", "int64", n, 0, median(dev), Double.NaN, String.format(Locale.ROOT,
                    "\"width\": %d, \"depth\": %d, \"inputs_on_device\": true, \"fold_ms\": %.4f",
                    config.width(), config.depth(), median(fold)));
            CudaPopularitySketch full = (CudaPopularitySketch) cuda.newPopularitySketch(config);
            double[] wall = new double[3];
            for (int r = 0; r < 3; r++) {
                long t0 = System.nanoTime();
                full.add(keys, times, n);
                wall[r] = (System.nanoTime() - t0) / 1e6;
            }
            record("cms-add-with-heavy-hitters", "int64", n, 0, Double.NaN, median(wall), null);
        }
        try (CpuBackend cpu = new CpuBackend()) {
            var s = cpu.newPopularitySketch(config);
            double[] wall = new double[3];
            for (int r = 0; r < 3; r++) {
                long t0 = System.nanoTime();
                s.add(keys, times, n);
                wall[r] = (System.nanoTime() - t0) / 1e6;
            }
            record("cms-add-cpu-reference", "int64", n, 0, Double.NaN, median(wall), null);
        }
    }

    private void ema(boolean quick) {
        // issue 3: 10M users x 384 dims resident on one GPU, batches of 100K events, next to the
        // scoring catalog (62,423 x 384, fp32 + bf16) and a popular-item cache rebuilt from it
        int users = quick ? 1_000_000 : 10_000_000;
        int n = 100_000;
        SplittableRandom rnd = new SplittableRandom(5);
        ItemCatalog items = new ItemCatalog(DIM, 10_000);
        for (int i = 0; i < 10_000; i++) {
            items.upsert("i" + i, unit(rnd, DIM));
        }
        long t0 = System.nanoTime();
        UserTable table = new UserTable(DIM, users);
        for (int u = 0; u < users; u++) {
            table.indexOrAdd("u" + u);
        }
        double fillS = (System.nanoTime() - t0) / 1e9;
        UpdateBatch batch = new UpdateBatch(n);
        for (int e = 0; e < n; e++) {
            batch.add(rnd.nextInt(users), rnd.nextInt(10_000), 1f);
        }
        int applied = 0;
        try (CudaBackend cuda = new CudaBackend()) {
            CudaEmbeddingUpdater u = (CudaEmbeddingUpdater) cuda.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
            long p0 = System.nanoTime();
            u.apply(table, items, batch);   // first call promotes every row to the device
            applied++;
            double promoteS = (System.nanoTime() - p0) / 1e9;
            u.apply(table, items, batch);
            applied++;
            double[] dev = new double[7];
            double[] wall = new double[7];
            for (int r = 0; r < 7; r++) {
                long t1 = System.nanoTime();
                u.apply(table, items, batch);
                wall[r] = (System.nanoTime() - t1) / 1e6;
                dev[r] = u.lastDeviceMillis();
                applied++;
            }
            record("ema", "fp64-accumulate", n, 0, median(dev), median(wall), String.format(Locale.ROOT,
                    "\"users\": %d, \"dim\": %d, \"resident\": true, \"first_promotion_s\": %.2f, \"host_fill_s\": %.2f",
                    users, DIM, promoteS, fillS));

            // next to it: the scoring catalog and a popular-item cache of 10K rows
            ItemCatalog catalog = new ItemCatalog(DIM, N);
            SplittableRandom r2 = new SplittableRandom(42);
            for (int i = 0; i < N; i++) {
                catalog.upsert("c" + i, unit(r2, DIM));
            }
            CudaScorer scorer = cuda.newScorer(ScorePrecision.BF16);
            PopularItemCache cache = new PopularItemCache(scorer, new PopularCacheConfig(50, 0.4, 60_000));
            long[] hot = new long[10_000];
            for (int i = 0; i < hot.length; i++) {
                hot[i] = catalog.keyAt(i);
            }
            cache.maybeRebuild(catalog, hot, 0);
            ScoreBatch q = new ScoreBatch(DIM, 1000);
            float[] row = new float[DIM];
            for (int i = 0; i < 1000; i++) {
                table.copyRow(batch.user(i), row, 0);   // pulls the device-newer rows back (one transfer)
                q.add(row, null);
            }
            TopKResult top = new TopKResult();
            scorer.topK(catalog, q, 20, top);
            u.apply(table, items, batch);   // the table is still resident and updates in place
            applied++;
            long[] mem = cuda.memoryInfo();
            String resident = String.format(Locale.ROOT,
                    "\"users\": %d, \"dim\": %d, \"user_table_device_bytes\": %d, \"catalog_items\": %d, \"cache_rows\": %d, "
                            + "\"device_free_bytes\": %d, \"device_total_bytes\": %d, \"scored_users\": %d",
                    table.size(), DIM, u.deviceBytes(table), catalog.size(), cache.rowCount(), mem[0], mem[1], top.rows());
            record("resident", "fp32", users, 0, Double.NaN, Double.NaN, resident);

            // correctness on a sample: the same events applied by the CPU reference to fresh rows
            int sample = 2_000;
            UserTable ref = new UserTable(DIM, sample);
            int[] map = new int[users];
            Arrays.fill(map, -1);
            for (int i = 0; i < n && ref.size() < sample; i++) {
                int uu = batch.user(i);
                if (map[uu] < 0) {
                    map[uu] = ref.indexOrAdd("u" + uu);
                }
            }
            UpdateBatch sub = new UpdateBatch(n);
            for (int i = 0; i < n; i++) {
                if (map[batch.user(i)] >= 0) {
                    sub.add(map[batch.user(i)], batch.item(i), batch.weight(i));
                }
            }
            double maxDiff = 0;
            try (CpuBackend cpu = new CpuBackend()) {
                var c = cpu.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
                for (int a = 0; a < applied; a++) {
                    c.apply(ref, items, sub);
                }
                float[] x = new float[DIM];
                float[] y = new float[DIM];
                for (int i = 0; i < ref.size(); i++) {
                    ref.copyRow(i, x, 0);
                    table.copyRow(Integer.parseInt(ref.idAt(i).substring(1)), y, 0);
                    for (int d = 0; d < DIM; d++) {
                        maxDiff = Math.max(maxDiff, Math.abs(x[d] - y[d]));
                    }
                }
            }
            record("ema-check", "fp64-accumulate", sub.size(), 0, Double.NaN, Double.NaN, String.format(Locale.ROOT,
                    "\"sampled_users\": %d, \"batches\": %d, \"max_abs_diff_vs_cpu\": %.3e", ref.size(), applied, maxDiff));
            if (maxDiff > 2e-5) {
                throw new IllegalStateException("resident EMA rows differ from the CPU reference by " + maxDiff);
            }
        }
        try (CpuBackend cpu = new CpuBackend()) {
            var u = cpu.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults());
            double[] wall = new double[3];
            for (int r = 0; r < 3; r++) {
                long t1 = System.nanoTime();
                u.apply(table, items, batch);
                wall[r] = (System.nanoTime() - t1) / 1e6;
            }
            record("ema-cpu-reference", "fp64-accumulate", n, 0, Double.NaN, median(wall), "\"users\": " + users);
        }
    }
}
