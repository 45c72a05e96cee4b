package dev.hyperrec.topology.tools;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.engine.UserHistory;
import dev.hyperrec.topology.internal.BatchingProcessor;
import dev.hyperrec.topology.internal.Codecs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Restore after a restart (issue 7, item 5): how long an instance takes to rebuild its in-memory and
 * device state for U users from its tasks' local RocksDB stores, the path a restarted instance takes
 * when its state directory survived. The users are spread over P tasks restored by T threads, as an
 * instance with P partitions and T stream threads restores them ({@code --tasks 1} is the worst
 * case: one task holding every user).
 *
 * <p>It fills each task's stores (the topology's own store builders, persistent RocksDB, changelog
 * off: a restart with local state reads RocksDB, not the changelog) with U users (a row of
 * {@code dim} floats, a seen-set of {@code --seen} items and the id dictionary), closes them, then
 * for each timed run reopens them as a restarted task would and runs the pipeline's own
 * {@link BatchingProcessor#init} (which rebuilds the engine from the stores), followed by one flush
 * of one event: on the CUDA backend that flush uploads every restored row to the device (the device
 * tier promotes host-newer rows before its first kernel), so "restore + first flush" is the time to
 * device-resident state.
 *
 * <p>Writes {@code <out>/restore-<backend>.json}; last line
 * {@code restore: users=<U> tasks=<P> threads=<T> dim=<d> backend=<b> open_s=<x> restore_s=<y> first_flush_s=<z> total_s=<t>}
 * (medians over the runs of the wall time, split between the phases in proportion to the time the
 * tasks spent in each; the total is their sum).
 */
@Command(name = "restore-bench", mixinStandardHelpOptions = true,
        description = "Time to rebuild a task's state for U users from its RocksDB stores after a restart.")
public final class RestoreBench implements Callable<Integer> {
    private static final int WRITE_BATCH = 10_000;

    @Option(names = "--users", defaultValue = "1000000", description = "U: users in the task's stores (default: ${DEFAULT-VALUE})")
    int users;
    @Option(names = "--dim", defaultValue = "64", description = "embedding dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--items", defaultValue = "10000", description = "catalog items (default: ${DEFAULT-VALUE})")
    int items;
    @Option(names = "--seen", defaultValue = "8",
            description = "items in each user's seen-set, the same ones are their recent items (default: ${DEFAULT-VALUE})")
    int seen;
    @Option(names = "--tasks", defaultValue = "1",
            description = "P: tasks (partitions) the users are spread over, user u in task u mod P (default: ${DEFAULT-VALUE})")
    int tasks;
    @Option(names = "--threads", defaultValue = "1",
            description = "T: threads restoring the tasks, as T stream threads would (default: ${DEFAULT-VALUE})")
    int threads;
    @Option(names = "--runs", defaultValue = "3", description = "timed restores (default: ${DEFAULT-VALUE})")
    int runs;
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--work-dir", description = "where the stores go (default: a temp dir, deleted at the end)")
    Path workDir;
    @Option(names = "--out", defaultValue = "docs/benchmarks", description = "where restore-<backend>.json goes (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--seed", defaultValue = "11", description = "seed of the rows and histories (default: ${DEFAULT-VALUE})")
    long seed;

    public static void main(String[] args) {
        System.exit(new CommandLine(new RestoreBench()).execute(args));
    }

    /** The times of one restore, in seconds. */
    record Run(double openS, double restoreS, double firstFlushS) {
        double totalS() {
            return openS + restoreS + firstFlushS;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (users < 1 || dim < 1 || items < 1 || seen < 0 || runs < 1 || tasks < 1 || threads < 1 || tasks > users) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--users, --dim, --items, --runs, --tasks, --threads must be >= 1, --seen >= 0, --tasks <= --users");
        }
        boolean tempDir = workDir == null;
        Path dir = tempDir ? Files.createTempDirectory("hyperrec-restore-bench-") : workDir;
        Files.createDirectories(dir);
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", "localhost:9");
        m.put("schema.registry.url", "mock://restore-bench-" + ProcessHandle.current().pid());
        m.put("application.id", "restore-bench");
        m.put("state.dir", dir.toString());
        m.put(HyperrecConfig.EMBEDDING_DIM, dim);
        m.put(HyperrecConfig.BACKEND, backend);
        m.put(HyperrecConfig.METRICS_PORT, -1);
        m.put(HyperrecConfig.CATALOG_INITIAL_CAPACITY, Math.max(16384, items));
        HyperrecConfig config = HyperrecConfig.of(m);
        try (HyperrecRuntime runtime = HyperrecRuntime.create(config)) {
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int i = 0; i < items; i++) {
                runtime.catalog().upsert("item-" + i, ScalingBench.unit(rnd, dim));
            }
            log("filling the stores of %d task(s) with %,d users (dim %d, %d seen items each) under %s", tasks, users, dim,
                    seen, dir);
            long t0 = System.nanoTime();
            parallel(p -> fill(config, dir, p));
            double fillS = (System.nanoTime() - t0) / 1e9;
            long bytes = sizeOf(dir);
            log("filled in %.1f s; %,d bytes on disk", fillS, bytes);
            var serializer = runtime.serdes().serde(InteractionEvent.class, false).serializer();
            byte[][] eventValues = new byte[tasks][];
            for (int p = 0; p < tasks; p++) {
                // user p is the first user of task p
                eventValues[p] = serializer.serialize(config.topic(Topics.INTERACTIONS), InteractionEvent.newBuilder()
                        .setEventId("restore-bench-" + p).setUserId("user-" + p).setItemId("item-0")
                        .setType(InteractionType.CLICK).setValue(1f).setTimestamp(Instant.parse("2024-06-01T00:00:00Z"))
                        .setContext(null).setRecommendationId(null).build());
            }
            List<Run> done = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                Run run = restoreAll(runtime, config, dir, eventValues);
                done.add(run);
                log("run %d: open %.2f s, restore %.2f s, first flush %.2f s, total %.2f s", r + 1, run.openS(),
                        run.restoreS(), run.firstFlushS(), run.totalS());
                System.gc();
            }
            Run med = new Run(ScalingBench.median(done.stream().mapToDouble(Run::openS).toArray()),
                    ScalingBench.median(done.stream().mapToDouble(Run::restoreS).toArray()),
                    ScalingBench.median(done.stream().mapToDouble(Run::firstFlushS).toArray()));
            write(runtime, fillS, bytes, done, med);
            System.out.printf(Locale.ROOT, "restore: users=%d tasks=%d threads=%d dim=%d backend=%s open_s=%.2f restore_s=%.2f first_flush_s=%.2f total_s=%.2f%n",
                    users, tasks, threads, dim, runtime.backend().name(), med.openS(), med.restoreS(), med.firstFlushS(), med.totalS());
        } finally {
            if (tempDir) {
                deleteTree(dir);
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- stores

    /** Runs {@code work} for every task on {@code --threads} threads; rethrows the first failure. */
    private void parallel(java.util.function.IntConsumer work) throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int p = 0; p < tasks; p++) {
                int task = p;
                futures.add(pool.submit(() -> work.accept(task)));
            }
            for (var f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Writes task {@code task}'s users (u with u mod P = task, at dense indices in that order) the way
     * the processor's write-back does (same keys and encodings), in write batches.
     */
    private void fill(HyperrecConfig config, Path dir, int task) {
        SplittableRandom rnd = new SplittableRandom(seed * 31 + task);
        try (TaskStores stores = TaskStores.open(config, dir, task)) {
            MockProcessorContext<Object, Object> ctx = stores.context();
            KeyValueStore<String, byte[]> vectors = ctx.getStateStore(StoreNames.USER_VECTORS);
            KeyValueStore<String, Integer> dictionary = ctx.getStateStore(StoreNames.ID_DICTIONARY);
            KeyValueStore<String, byte[]> seenSets = ctx.getStateStore(StoreNames.SEEN_SETS);
            List<KeyValue<String, byte[]>> v = new ArrayList<>(WRITE_BATCH);
            List<KeyValue<String, Integer>> d = new ArrayList<>(WRITE_BATCH);
            List<KeyValue<String, byte[]>> h = new ArrayList<>(WRITE_BATCH);
            int recentCap = config.getInt(HyperrecConfig.RECENT_ITEMS);
            int seenMax = config.getInt(HyperrecConfig.SEEN_MAX);
            float[] row = new float[dim];
            int index = 0;
            for (int u = task; u < users; u += tasks) {
                String id = "user-" + u;
                for (int j = 0; j < dim; j++) {
                    row[j] = (float) (rnd.nextGaussian() * 0.1);
                }
                UserHistory history = new UserHistory(recentCap);
                for (int j = 0; j < seen; j++) {
                    long key = ItemKeys.hash64("item-" + rnd.nextInt(items));
                    history.addSeen(key, seenMax);
                    history.touchRecent(key);
                }
                v.add(KeyValue.pair(id, Codecs.floats(row, 0, dim)));
                d.add(KeyValue.pair(id, index++));
                h.add(KeyValue.pair(id, history.encode()));
                if (v.size() == WRITE_BATCH || u + tasks >= users) {
                    vectors.putAll(v);
                    dictionary.putAll(d);
                    seenSets.putAll(h);
                    v.clear();
                    d.clear();
                    h.clear();
                }
                if (index % 1_000_000 == 0) {
                    log("  task %d: %,d users written", task, index);
                }
            }
        }
    }

    /**
     * One restart of every task on {@code --threads} threads: each task reopens its stores, runs the
     * processor's init (the restore), then one flush of one event. The phases are summed over tasks
     * and scaled to wall time (they overlap across threads); the total is the wall time of the whole.
     */
    private Run restoreAll(HyperrecRuntime runtime, HyperrecConfig config, Path dir, byte[][] eventValues) throws Exception {
        long[][] phases = new long[tasks][];
        long t0 = System.nanoTime();
        parallel(p -> phases[p] = restore(runtime, config, dir, p, eventValues[p]));
        double wall = (System.nanoTime() - t0) / 1e9;
        double open = 0;
        double init = 0;
        double flush = 0;
        for (long[] ph : phases) {
            open += ph[0] / 1e9;
            init += ph[1] / 1e9;
            flush += ph[2] / 1e9;
        }
        double sum = open + init + flush;
        return new Run(wall * open / sum, wall * init / sum, wall * flush / sum);
    }

    /** One task's restart: nanoseconds to reopen its stores, to run init, and to run the first flush. */
    private long[] restore(HyperrecRuntime runtime, HyperrecConfig config, Path dir, int task, byte[] eventValue) {
        long t0 = System.nanoTime();
        TaskStores stores = TaskStores.open(config, dir, task);
        MockProcessorContext<Object, Object> ctx = stores.context();
        long t1 = System.nanoTime();
        BatchingProcessor processor = new BatchingProcessor(runtime);
        try {
            processor.init(ctx);
            long t2 = System.nanoTime();
            int expected = users / tasks + (task < users % tasks ? 1 : 0);
            if (processor.userCount() != expected) {
                throw new IllegalStateException("task " + task + " restored " + processor.userCount() + " users, its stores hold "
                        + expected);
            }
            ctx.setRecordMetadata(config.topic(Topics.INTERACTIONS), task, 0);
            processor.process(new Record<>(("user-" + task).getBytes(StandardCharsets.UTF_8), eventValue,
                    Instant.parse("2024-06-01T00:00:00Z").toEpochMilli()));
            ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(System.currentTimeMillis());
            long t3 = System.nanoTime();
            if (ctx.forwarded().stream().noneMatch(f -> f.record().value() instanceof dev.hyperrec.avro.Recommendations)) {
                throw new IllegalStateException("the first flush after the restore emitted no list: " + ctx.forwarded());
            }
            return new long[] {t1 - t0, t2 - t1, t3 - t2};
        } finally {
            processor.close();
            stores.close();
        }
    }

    // ---------------------------------------------------------------- output

    private void write(HyperrecRuntime runtime, double fillS, long bytes, List<Run> done, Run med) throws IOException {
        StringBuilder runsJson = new StringBuilder();
        for (Run r : done) {
            runsJson.append(runsJson.length() == 0 ? "" : ",\n    ").append(String.format(Locale.ROOT,
                    "{\"open_s\": %.3f, \"restore_s\": %.3f, \"first_flush_s\": %.3f, \"total_s\": %.3f}", r.openS(),
                    r.restoreS(), r.firstFlushS(), r.totalS()));
        }
        double total = med.totalS();
        String json = String.format(Locale.ROOT, "{\n  \"issue\": 7,\n  \"item\": \"restore\",\n  \"backend\": \"%s\",\n"
                        + "  \"java\": \"%s\",\n  \"cpus\": %d,\n  \"max_heap_bytes\": %d,\n  \"users\": %d,\n  \"dim\": %d,\n"
                        + "  \"tasks\": %d,\n  \"threads\": %d,\n  \"seen_per_user\": %d,\n  \"items\": %d,\n  \"store_bytes_on_disk\": %d,\n  \"fill_s\": %.3f,\n"
                        + "  \"median\": {\"open_s\": %.3f, \"restore_s\": %.3f, \"first_flush_s\": %.3f, \"total_s\": %.3f},\n"
                        + "  \"users_per_s\": %.0f,\n  \"runs\": [\n    %s\n  ]\n}\n",
                runtime.backend().name(), System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory(), users, dim, tasks, threads, seen, items, bytes, fillS, med.openS(), med.restoreS(),
                med.firstFlushS(), total, users / Math.max(1e-9, med.restoreS() + med.firstFlushS()), runsJson);
        Files.createDirectories(out);
        Path file = out.resolve("restore-" + backend + ".json");
        Files.writeString(file, json);
        log("wrote %s", file);
    }

    // ---------------------------------------------------------------- helpers

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "restore-bench: " + format + "%n", args);
    }
}
