package dev.hyperrec.topology.tools;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.Vectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scaling curves of the two per-event costs of the pipeline's operators (issue 7, item 3), on one
 * backend: the cost of one recommendation (exact top-20 over the whole catalog, the pipeline's
 * scorer) against the catalog's size, and the cost of one event's embedding update against the number
 * of users resident in the user table (on the CUDA backend: on the device, updated in place). Each
 * point is the median of several timed calls after warm-up calls (2 s by default: the JIT); wall-clock time of the call, so on
 * the CUDA backend it includes the batch's transfers.
 *
 * <p>Writes {@code <out>/scaling-<backend>.json}; {@link ScalingPlot} draws the CPU and GPU files
 * together. Usage: {@code ScalingBench --backend cpu|cuda [--dim D] [--items 1000,...] [--users ...]}.
 */
@Command(name = "scaling-bench", mixinStandardHelpOptions = true,
        description = "Cost per recommendation vs catalog size and per event vs resident users, one backend.")
public final class ScalingBench implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--dim", defaultValue = "64", description = "embedding dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--items", split = ",", defaultValue = "1000,10000,62423,250000,1000000",
            description = "catalog sizes (default: ${DEFAULT-VALUE})")
    int[] items;
    @Option(names = "--users", split = ",", defaultValue = "10000,100000,1000000,10000000",
            description = "resident users (default: ${DEFAULT-VALUE})")
    int[] users;
    @Option(names = "--queries", defaultValue = "16",
            description = "recommendations scored per call (the pipeline batches a flush's lists; default: ${DEFAULT-VALUE})")
    int queries;
    @Option(names = "--events", defaultValue = "10000", description = "events per update call (default: ${DEFAULT-VALUE})")
    int events;
    @Option(names = "--reps", defaultValue = "5", description = "timed calls per point (default: ${DEFAULT-VALUE})")
    int reps;
    @Option(names = "--warmup-ms", defaultValue = "2000",
            description = "warm-up calls per point, at least this long and 3 calls (default: ${DEFAULT-VALUE})")
    long warmupMs;
    @Option(names = "--out", defaultValue = "docs/benchmarks", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    private final List<String> rows = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new ScalingBench()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        BackendKind kind = BackendKind.valueOf(backend.toUpperCase(Locale.ROOT));
        try (OperatorBackend ops = Backends.open(kind)) {
            String device = kind == BackendKind.CPU ? cpuModel()
                    : dev.hyperrec.operators.internal.cuda.CudaBackend.describeDevice();
            for (int n : items) {
                scoring(ops, n);
            }
            for (int u : users) {
                updates(ops, u);
            }
            Files.createDirectories(out);
            Path file = out.resolve("scaling-" + backend + ".json");
            String json = String.format(Locale.ROOT,
                    "{\n  \"issue\": 7,\n  \"backend\": \"%s\",\n  \"device\": \"%s\",\n  \"java\": \"%s\",\n  \"cpus\": %d,\n"
                            + "  \"dim\": %d,\n  \"queries_per_call\": %d,\n  \"events_per_call\": %d,\n  \"k\": 20,\n"
                            + "  \"points\": [\n    %s\n  ]\n}\n",
                    backend, device.replace("\"", "'"), System.getProperty("java.vm.version"),
                    Runtime.getRuntime().availableProcessors(), dim, queries, events, String.join(",\n    ", rows));
            Files.writeString(file, json);
            System.out.println("scaling-bench: wrote " + file);
        }
        return 0;
    }

    private static String cpuModel() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse(System.getProperty("os.arch"));
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }

    /** A random unit vector (Gaussian components, normalised). */
    static float[] unit(SplittableRandom rnd, int dim) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) rnd.nextGaussian();
        }
        Vectors.normaliseInPlace(v);
        return v;
    }

    /** Calls {@code call} for at least {@code --warmup-ms} and 3 times (the JIT compiles the hot loops meanwhile). */
    private void warmUp(Runnable call) {
        long t0 = System.nanoTime();
        for (int i = 0; i < 3 || System.nanoTime() - t0 < warmupMs * 1_000_000L; i++) {
            call.run();
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** One catalog of {@code n} items: median wall time of a call scoring {@code queries} lists. */
    private void scoring(OperatorBackend ops, int n) {
        SplittableRandom rnd = new SplittableRandom(n);
        ItemCatalog catalog = new ItemCatalog(dim, n);
        for (int i = 0; i < n; i++) {
            catalog.upsert("i" + i, unit(rnd, dim));
        }
        ScoreBatch batch = new ScoreBatch(dim, queries);
        for (int q = 0; q < queries; q++) {
            int[] exclude = new int[20];
            for (int j = 0; j < exclude.length; j++) {
                exclude[j] = rnd.nextInt(n);
            }
            Arrays.sort(exclude);
            batch.add(unit(rnd, dim), exclude);
        }
        try (Scorer scorer = ops.newScorer()) {
            TopKResult top = new TopKResult();
            warmUp(() -> scorer.topK(catalog, batch, 20, top));
            double[] ms = new double[reps];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                scorer.topK(catalog, batch, 20, top);
                ms[r] = (System.nanoTime() - t0) / 1e6;
            }
            double call = median(ms);
            double perRec = call * 1000 / queries;
            rows.add(String.format(Locale.ROOT,
                    "{\"op\": \"score\", \"items\": %d, \"call_ms\": %.4f, \"us_per_recommendation\": %.3f, \"gmac_per_s\": %.2f}",
                    n, call, perRec, (double) n * dim * queries / (call * 1e6)));
            System.out.printf(Locale.ROOT, "scaling-bench: %s score items=%d queries=%d call %.3f ms, %.3f us per recommendation%n",
                    backend, n, queries, call, perRec);
        }
    }

    /** {@code u} users resident: median wall time of an update call of {@code events} events. */
    private void updates(OperatorBackend ops, int u) {
        SplittableRandom rnd = new SplittableRandom(u);
        int nItems = 10_000;
        ItemCatalog catalog = new ItemCatalog(dim, nItems);
        for (int i = 0; i < nItems; i++) {
            catalog.upsert("i" + i, unit(rnd, dim));
        }
        UserTable table = new UserTable(dim, u);
        for (int i = 0; i < u; i++) {
            table.indexOrAdd("u" + i);
        }
        ZipfSampler zipf = new ZipfSampler(u, 1.0);
        UpdateBatch batch = new UpdateBatch(events);
        for (int e = 0; e < events; e++) {
            batch.add(zipf.sample(rnd), rnd.nextInt(nItems), 1f);
        }
        // a first call over every user makes all rows resident (device tier: promoted once)
        int chunk = Math.min(u, 1 << 20);
        UpdateBatch all = new UpdateBatch(chunk);
        try (EmbeddingUpdater updater = ops.newEmbeddingUpdater(EmbeddingUpdateConfig.defaults())) {
            for (int start = 0; start < u; start += chunk) {
                all.clear();
                for (int i = start; i < Math.min(u, start + chunk); i++) {
                    all.add(i, i % nItems, 1f);
                }
                updater.apply(table, catalog, all);
            }
            warmUp(() -> updater.apply(table, catalog, batch));
            double[] ms = new double[reps];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                updater.apply(table, catalog, batch);
                ms[r] = (System.nanoTime() - t0) / 1e6;
            }
            double call = median(ms);
            double perEvent = call * 1e6 / events;
            rows.add(String.format(Locale.ROOT,
                    "{\"op\": \"update\", \"users\": %d, \"call_ms\": %.4f, \"ns_per_event\": %.1f}", u, call, perEvent));
            System.out.printf(Locale.ROOT, "scaling-bench: %s update users=%d events=%d call %.3f ms, %.1f ns per event%n",
                    backend, u, events, call, perEvent);
        }
    }
}
