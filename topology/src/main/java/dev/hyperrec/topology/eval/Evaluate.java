package dev.hyperrec.topology.eval;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.demo.MovieLens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The prequential evaluation (see {@link Prequential}) of hyperrec against baselines on a MovieLens
 * ratings file, and the Open Bandit Dataset replay of its Thompson sampler (see {@link BanditReplay}).
 * Writes {@code report.json}, {@code report.md} and {@code recall.png} to {@code --out}; the last line
 * printed is {@code evaluate: best=<name> best_recall_at_10=<x> popular_recall_at_10=<y> lift=<x/y>}.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Replays MovieLens ratings test-then-learn through hyperrec and baselines; replays OBD logs through its bandit.")
public final class Evaluate implements Callable<Integer> {
    /** Heavy-hitter capacity of the popularity baseline: how deep into the ranking a list can reach. */
    static final int POPULAR_DEPTH = 1000;
    /** Co-occurrence window of item-knn: a user's last items (hyperrec's model: {@code hyperrec.neighbours.window}). */
    static final int KNN_WINDOW = 50;
    public static final List<String> ALL_METHODS = List.of("random", "popular", "item-knn", "seed-ema", "isgd", "hyperrec");

    @Option(names = "--ratings", required = true, paramLabel = "PATH", description = "MovieLens ratings.csv (ml-latest-small, ml-25m, ml-32m) or ml-100k's u.data")
    Path ratings;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where report.json, report.md and recall.png go")
    Path out;
    @Option(names = "--methods", split = ",", description = "methods to run (default: all of ${DEFAULT-VALUE})",
            defaultValue = "random,popular,item-knn,seed-ema,isgd,hyperrec")
    List<String> methods;
    @Option(names = "--backend", description = "operator backend: cpu, cuda or auto (default: hyperrec.backend from the environment"
            + " or --config, else cpu)")
    String backend;
    @Option(names = "--seed", defaultValue = "42", description = "seed of every random choice (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--train-fraction", defaultValue = "0.2", description = "share of the replay that only trains (default: ${DEFAULT-VALUE})")
    double trainFraction;
    @Option(names = "--half-lives", split = ",", defaultValue = "0,90,365,730",
            description = "popularity half-lives tried, in days; 0 = all-time (default: ${DEFAULT-VALUE})")
    List<Double> halfLivesDays;
    @Option(names = "--obd", paramLabel = "DIR", description = "Open Bandit Dataset folder (default: obd/ next to the ratings' folder, if present)")
    Path obd;
    @Option(names = "--config", paramLabel = "FILE", description = "properties with hyperrec.* overrides for the hyperrec method"
            + " (default: $HYPERREC_CONFIG; precedence: flags > HYPERREC_* environment > file > the pipeline defaults on the CPU backend)")
    Path configFile;
    @Option(names = "--window", defaultValue = "2000", description = "test events per point of the moving-window plot (default: ${DEFAULT-VALUE})")
    int window;
    @Option(names = "--threads", description = "methods replayed in parallel (default: the number of cores, at most 2)")
    int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
    @Option(names = "--no-bandit", description = "skip the Open Bandit Dataset replay")
    boolean noBandit;
    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;
    @Option(names = "--ablation", description = "also replay hyperrec without / with each component (report.json \"ablation\"; several more replays)")
    boolean ablation;
    @Option(names = "--ablation-variants", split = ",", description = "ablation variants (default: all of ${DEFAULT-VALUE})",
            defaultValue = "hyperrec,-similar,-popularity,-bandit,-personal,+graph,+attention,+graph+attention,+mol")
    List<String> ablationVariants;
    @Option(names = "--graph-weight", defaultValue = "2", description = "weight of the graph signal in the +graph ablation variants"
            + " (default: ${DEFAULT-VALUE})")
    double graphWeight;

    /** The environment read for {@code HYPERREC_*} keys and {@code HYPERREC_CONFIG}; tests and the CLI pass their own. */
    private java.util.Map<String, String> env = System.getenv();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Evaluate()).execute(args));
    }

    /** Reads configuration from {@code environment} instead of the process environment. */
    public Evaluate environment(java.util.Map<String, String> environment) {
        this.env = java.util.Map.copyOf(environment);
        return this;
    }

    @Override
    public Integer call() throws Exception {
        for (String m : methods) {
            if (!ALL_METHODS.contains(m)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "unknown method '" + m + "'; known: " + ALL_METHODS);
            }
        }
        Path obdDir = (obd != null ? obd : ratings.toAbsolutePath().getParent().resolveSibling("obd")).toAbsolutePath().normalize();
        if (obd != null && !Files.isDirectory(obd)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--obd " + obd + " is not a directory");
        }
        long wallStart = System.nanoTime();
        Prequential.Dataset data = Prequential.Dataset.of(datasetName(ratings), MovieLens.read(ratings), trainFraction);
        int tests = data.testEvents();
        System.out.printf(Locale.ROOT, "dataset %s: %,d events, %,d users, %,d items, %,d train-only, %,d test events%n",
                data.name(), data.events().size(), data.users(), data.items(), data.trainEvents(), tests);
        HyperrecConfig hyperrec = hyperrecConfig();
        List<Prequential.Result> results = new ArrayList<>();
        List<Map<String, Object>> popularGrid = new ArrayList<>();
        long popularHalfLife = -1;
        int runs = 0;
        for (String m : methods) {
            runs += m.equals("popular") ? halfLivesDays.size() : 1;
        }
        long total = (long) runs * data.events().size();
        BackendKind kind = hyperrec.backend();
        // Methods are independent replays of the same read-only data: run them on up to --threads
        // threads, each with its own operator backend (operators are confined to one thread). The
        // results do not depend on the thread count.
        List<Callable<Prequential.Result>> tasks = new ArrayList<>();
        Map<String, Object> bandit = null;
        java.util.concurrent.Future<Map<String, Object>> banditFuture = null;
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        try (ProgressBar bar = noProgress ? null : new ProgressBarBuilder().setTaskName("evaluate").setInitialMax(total)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate()
                        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build()) {
            List<Double> grid = new ArrayList<>();
            for (String m : methods) {
                if (m.equals("popular")) {
                    for (double days : halfLivesDays) {
                        long hl = Math.round(days * 86_400_000L);
                        grid.add(days);
                        tasks.add(() -> {
                            try (OperatorBackend ops = Backends.open(kind);
                                    PopularRecommender p = new PopularRecommender(ops, hl, POPULAR_DEPTH, seed)) {
                                return run(data, p, bar, done);
                            }
                        });
                    }
                } else {
                    tasks.add(() -> {
                        try (OperatorBackend ops = Backends.open(kind);
                                StreamingRecommender method = create(m, data, ops, hyperrec)) {
                            return run(data, method, bar, done);
                        }
                    });
                }
            }
            // the slowest (engine) methods first, so the threads finish together
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < tasks.size(); i++) {
                order.add(i);
            }
            List<String> taskNames = new ArrayList<>();
            for (String m : methods) {
                if (m.equals("popular")) {
                    halfLivesDays.forEach(d -> taskNames.add("popular"));
                } else {
                    taskNames.add(m);
                }
            }
            order.sort(java.util.Comparator.comparingInt(i -> taskNames.get(i).equals("hyperrec") ? 0
                    : taskNames.get(i).equals("seed-ema") ? 1 : 2));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                    Math.max(1, Math.min(threads, tasks.size())));
            List<java.util.concurrent.Future<Prequential.Result>> futures = new ArrayList<>();
            for (int i = 0; i < tasks.size(); i++) {
                futures.add(null);
            }
            try {
                for (int i : order) {
                    futures.set(i, pool.submit(tasks.get(i)));
                }
                if (noBandit) {
                    System.out.println("bandit replay skipped (--no-bandit)");
                } else if (Files.isDirectory(obdDir)) {
                    banditFuture = pool.submit(() -> BanditReplay.evaluate(obdDir, seed));
                } else {
                    System.out.println("no Open Bandit Dataset at " + obdDir + ": bandit replay skipped");
                }
                Prequential.Result best = null;
                int g = 0;
                for (int i = 0; i < tasks.size(); i++) {
                    Prequential.Result r;
                    try {
                        r = futures.get(i).get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw e.getCause() instanceof Exception ex ? ex : e;
                    }
                    if (!taskNames.get(i).equals("popular")) {
                        results.add(r);
                        continue;
                    }
                    double days = grid.get(g++);
                    Map<String, Object> gm = new LinkedHashMap<>();
                    gm.put("half_life_days", days);
                    gm.put("recall_at_10", r.metrics().recallAt10());
                    gm.put("ndcg_at_10", r.metrics().ndcgAt10());
                    popularGrid.add(gm);
                    if (best == null || r.metrics().recallAt10() > best.metrics().recallAt10()) {
                        best = r;
                        popularHalfLife = Math.round(days * 86_400_000L);
                    }
                    if (g == halfLivesDays.size()) {
                        results.add(best);
                    }
                }
                if (banditFuture != null) {
                    try {
                        bandit = banditFuture.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw e.getCause() instanceof Exception ex ? ex : e;
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
        Map<String, Object> ablationReport = null;
        if (ablation) {
            long t0 = System.nanoTime();
            List<Ablation.Run> variantRuns = Ablation.run(data, ablationVariants, hyperrec, kind, graphWeight, seed, threads);
            ablationReport = Ablation.report(variantRuns, graphWeight);
            ablationReport.put("seconds", (System.nanoTime() - t0) / 1e9);
            for (Ablation.Run r : variantRuns) {
                System.out.printf(Locale.ROOT, "ablation %-17s recall@10=%.4f ndcg@10=%.4f %.1f us/batch (stages %.1f us/batch)%n",
                        r.variant(), r.result().metrics().recallAt10(), r.result().metrics().ndcgAt10(), r.batchMicros(),
                        r.stageMicros());
            }
        }
        double seconds = (System.nanoTime() - wallStart) / 1e9;
        Report.write(out, data, results, popularHalfLife, popularGrid, bandit, hyperrec, seed, window, seconds,
                commandLine(), ablationReport);
        Prequential.Result best = null;
        Prequential.Result popular = null;
        for (Prequential.Result r : results) {
            System.out.printf(Locale.ROOT, "%-9s recall@10=%.4f recall@20=%.4f ndcg@10=%.4f coverage@10=%.4f %,.0f events/s%n",
                    r.name(), r.metrics().recallAt10(), r.metrics().recallAt20(), r.metrics().ndcgAt10(),
                    r.metrics().coverageAt10(r.catalogSize()), r.eventsPerSecond());
            if (best == null || r.metrics().recallAt10() > best.metrics().recallAt10()) {
                best = r;
            }
            if (r.name().equals("popular")) {
                popular = r;
            }
        }
        if (bandit != null) {
            System.out.println("bandit: " + Report.banditLine(bandit));
        }
        System.out.printf(Locale.ROOT, "report: %s (%.1f s)%n", out.resolve("report.md"), seconds);
        double x = best == null ? 0 : best.metrics().recallAt10();
        double y = popular == null ? Double.NaN : popular.metrics().recallAt10();
        System.out.printf(Locale.ROOT, "evaluate: best=%s best_recall_at_10=%.4f popular_recall_at_10=%.4f lift=%.3f%n",
                best == null ? "none" : best.name(), x, y, x / y);
        return 0;
    }

    private String commandLine() {
        StringBuilder sb = new StringBuilder("scripts/evaluate.sh --ratings ").append(ratings).append(" --out ").append(out);
        if (!methods.equals(ALL_METHODS)) {
            sb.append(" --methods ").append(String.join(",", methods));
        }
        sb.append(" --backend ").append(hyperrecConfig().backend().id()).append(" --seed ").append(seed);
        if (ablation) {
            sb.append(" --ablation");
            if (!ablationVariants.equals(Ablation.VARIANTS)) {
                sb.append(" --ablation-variants ").append(String.join(",", ablationVariants));
            }
            sb.append(" --graph-weight ").append(graphWeight);
        }
        return sb.toString();
    }

    private static Prequential.Result run(Prequential.Dataset data, StreamingRecommender method, ProgressBar bar,
            java.util.concurrent.atomic.AtomicLong done) {
        int[] last = {0};
        IntConsumer progress = bar == null ? null : n -> {
            bar.stepTo(done.addAndGet(n - last[0]));
            last[0] = n;
        };
        return Prequential.run(data, method, progress);
    }

    private HyperrecConfig hyperrecConfig() {
        // the pipeline's defaults on the CPU backend; a --config file, HYPERREC_* and flags override them
        java.util.Map<String, String> command = java.util.Map.of(HyperrecConfig.BACKEND, "cpu");
        java.util.Map<String, Object> flags = new java.util.HashMap<>();
        if (backend != null) {
            flags.put(HyperrecConfig.BACKEND, backend);
        }
        return dev.hyperrec.topology.ConfigSources.resolve(command, configFile, env, flags).config();
    }

    /** The method named {@code m}, configured as reported (defaults are the pipeline's for hyperrec). */
    static StreamingRecommender create(String m, Prequential.Dataset data, OperatorBackend ops, HyperrecConfig hyperrec, long seed) {
        int refreshEvery = Math.max(1000, data.events().size() / 20);
        return switch (m) {
            case "random" -> new RandomRecommender(seed);
            case "popular" -> new PopularRecommender(ops, 0L, POPULAR_DEPTH, seed);
            case "item-knn" -> new ItemKnnRecommender(KNN_WINDOW, 5, 0.8f);
            case "isgd" -> new IsgdRecommender(10, 0.05f, 0.01f, 0f, seed);
            case "seed-ema" -> new EngineRecommender("seed-ema", seedEma(hyperrec), ops,
                    new PastEmbeddings(hyperrec.dim(), 0.01f, 0.05f, seed), data.trainEvents(), refreshEvery, 25, 3, seed);
            case "hyperrec" -> new EngineRecommender("hyperrec", hyperrec, ops,
                    new PastEmbeddings(hyperrec.dim(), 0.01f, 0.05f, seed), data.trainEvents(), refreshEvery, 25, 3, seed)
                    .withNeighbours();
            default -> throw new IllegalArgumentException("unknown method " + m);
        };
    }

    private StreamingRecommender create(String m, Prequential.Dataset data, OperatorBackend ops, HyperrecConfig hyperrec) {
        return create(m, data, ops, hyperrec, seed);
    }

    /** The seeds' rule alone: EMA user vectors scored against the catalog, no popularity, bandit or cache. */
    static HyperrecConfig seedEma(HyperrecConfig base) {
        return base.with(HyperrecConfig.RANK_WEIGHT_BANDIT, 0).with(HyperrecConfig.RANK_WEIGHT_POPULARITY, 0)
                .with(HyperrecConfig.RECS_POPULAR_CANDIDATES, 0).with(HyperrecConfig.RECS_SIMILAR_PER_ITEM, 0)
                .with(HyperrecConfig.RANK_WEIGHT_SIMILAR, 0).with(HyperrecConfig.CACHE_CHECK_EVERY_EVENTS, Integer.MAX_VALUE)
                .with(HyperrecConfig.MODEL_VERSION, "seed-ema");
    }

    static String datasetName(Path ratings) {
        Path abs = ratings.toAbsolutePath();
        Path dir = abs.getParent();
        return dir == null ? abs.getFileName().toString() : dir.getFileName().toString();
    }
}
