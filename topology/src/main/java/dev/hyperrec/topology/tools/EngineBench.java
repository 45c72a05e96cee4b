package dev.hyperrec.topology.tools;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.engine.CoOccurrenceCosine;
import dev.hyperrec.topology.engine.EventWeights;
import dev.hyperrec.topology.engine.NeighbourTable;
import dev.hyperrec.topology.engine.PendingEvent;
import dev.hyperrec.topology.engine.RecommenderEngine;
import dev.hyperrec.topology.engine.Segments;
import dev.hyperrec.topology.metrics.PipelineMetrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The recommender engine alone, without Kafka: {@link PipelineBench}'s seeded input (same generator, same event
 * ids) applied through {@link RecommenderEngine#apply} in batches of {@code hyperrec.batch.max.events}, the way the
 * Streams processor's flushes apply it, with a neighbour table learned beforehand from all the events (the published
 * lists of a model that has caught up). It measures what one list costs the engine on one thread, and prints a
 * checksum of every list (items, ranks, score bits, reasons), so that a change meant to keep the results exact can be
 * checked against the code before it: same seed, same flags, same checksum.
 *
 * <p>Usage: {@code EngineBench [--users 10000] [--items 10000] [--dim 64] [--events 40000] [--warmup-events 40000]
 * [--backend cpu] [--set key=value ...] [--out FILE.json]}. Last line:
 * {@code engine: events=<n> lists=<l> us_per_event=<x> us_per_list=<y> checksum=<hex> backend=<b>}.
 */
@Command(name = "engine-bench", mixinStandardHelpOptions = true,
        description = "The recommender engine's cost per event and per list without Kafka, and a checksum of its lists.")
public final class EngineBench implements Callable<Integer> {
    @Option(names = "--users", defaultValue = "10000", description = "users (default: ${DEFAULT-VALUE})")
    int users;
    @Option(names = "--user-zipf", defaultValue = "1.0", description = "Zipf exponent of user activity (default: ${DEFAULT-VALUE})")
    double userZipf;
    @Option(names = "--items", defaultValue = "10000", description = "catalog items (default: ${DEFAULT-VALUE})")
    int items;
    @Option(names = "--dim", defaultValue = "64", description = "embedding dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--clusters", defaultValue = "20", description = "taste clusters (default: ${DEFAULT-VALUE})")
    int clusters;
    @Option(names = "--events", defaultValue = "40000", description = "timed events (default: ${DEFAULT-VALUE})")
    int events;
    @Option(names = "--warmup-events", defaultValue = "40000",
            description = "events applied before the timed ones, from the same stream (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--seed", defaultValue = "7", description = "input seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--no-neighbours", description = "rank without the item-to-item model")
    boolean noNeighbours;
    @Option(names = "--set", description = "extra config key=value (repeatable)")
    Map<String, String> overrides = new LinkedHashMap<>();
    @Option(names = "--out", description = "write the figures as JSON to this file")
    Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EngineBench()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (events < 1 || warmup < 0 || users < 1 || items < 1 || dim < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--events, --users, --items and --dim must be >= 1");
        }
        Map<String, Object> m = new HashMap<>();
        m.put(HyperrecConfig.EMBEDDING_DIM, dim);
        m.put(HyperrecConfig.BACKEND, backend);
        m.put(HyperrecConfig.CATALOG_INITIAL_CAPACITY, Math.max(16384, items));
        m.put(HyperrecConfig.NEIGHBOURS_ENABLED, !noNeighbours);
        m.putAll(overrides);
        HyperrecConfig config = HyperrecConfig.of(m);
        long t0 = System.nanoTime();
        PipelineBench.Synthetic in = PipelineBench.Synthetic.generate(warmup + events, users, userZipf, items, dim, clusters, seed);
        ItemCatalog catalog = new ItemCatalog(dim, Math.max(16384, items));
        for (CatalogItem item : in.catalog()) {
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = item.getEmbedding().get(d);
            }
            catalog.upsert(item.getItemId(), v);
        }
        List<PendingEvent> all = new ArrayList<>(in.events().size());
        for (int i = 0; i < in.events().size(); i++) {
            InteractionEvent e = in.events().get(i);
            long ts = e.getTimestamp().toEpochMilli();
            all.add(new PendingEvent(i, false, e.getEventId(), e.getUserId(), e.getItemId(), e.getType().ordinal(), e.getValue(),
                    ts, ts, null, Segments.of(e.getContext()), 0, null));
        }
        NeighbourTable table = noNeighbours ? null : neighbours(config, all);
        System.out.printf("engine-bench: %d + %d events over %d users (zipf %.2f), catalog %d x %d, neighbour lists %d, backend %s;"
                        + " input ready in %.1f s%n", warmup, events, users, userZipf, items, dim, table == null ? 0 : table.size(),
                backend, (System.nanoTime() - t0) / 1e9);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int batch = config.getInt(HyperrecConfig.BATCH_MAX_EVENTS);
        long[] lists = new long[1];
        long[] checksum = {0xcbf29ce484222325L};
        long[] personal = new long[2];
        long coalesced;
        double seconds;
        Map<String, Double> operators;
        try (OperatorBackend b = Backends.open(config.backend(), config.backendOptions());
             RecommenderEngine engine = new RecommenderEngine(config, b, catalog, PipelineMetrics.of(registry))) {
            if (table != null) {
                engine.itemNeighbours(table);
            }
            apply(engine, all.subList(0, warmup), batch, lists, checksum);
            Map<String, Double> before = operatorSeconds(registry);
            long listsBefore = lists[0];
            long coalescedBefore = engine.coalescedLists();
            long s0 = System.nanoTime();
            apply(engine, all.subList(warmup, all.size()), batch, lists, checksum);
            seconds = (System.nanoTime() - s0) / 1e9;
            lists[0] -= listsBefore;
            operators = operatorSeconds(registry);
            before.forEach((k, v) -> operators.merge(k, -v, Double::sum));
            personal[0] = engine.personalScoresFromScorer();
            personal[1] = engine.personalScoresOnHost();
            coalesced = engine.coalescedLists() - coalescedBefore;
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("events", events);
        report.put("warmup_events", warmup);
        report.put("users", users);
        report.put("items", items);
        report.put("dim", dim);
        report.put("backend", backend);
        report.put("neighbours", !noNeighbours);
        report.put("overrides", overrides);
        report.put("seconds", PipelineBench.round(seconds, 3));
        report.put("lists", lists[0]);
        report.put("us_per_event", PipelineBench.round(seconds * 1e6 / events, 2));
        report.put("us_per_list", PipelineBench.round(seconds * 1e6 / Math.max(1, lists[0]), 2));
        report.put("lists_coalesced", coalesced);
        Map<String, Object> rounded = new LinkedHashMap<>();
        operators.forEach((k, v) -> rounded.put(k, PipelineBench.round(v, 3)));
        report.put("operator_seconds", rounded);
        // the ranked candidates' personal scores outside each list's top-M, warm-up included: from the scorer's call
        // (a device scorer, the candidates the engine foresaw) or computed on the engine's thread
        report.put("personal_scores", Map.of("from_scorer", personal[0], "on_host", personal[1]));
        report.put("checksum", Long.toHexString(checksum[0]));
        String json = PipelineBench.json(report, 0);
        System.out.println(json);
        if (out != null) {
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.writeString(out, json + "\n");
        }
        System.out.printf("engine: events=%d lists=%d us_per_event=%.2f us_per_list=%.2f checksum=%s backend=%s%n", events, lists[0],
                seconds * 1e6 / events, seconds * 1e6 / Math.max(1, lists[0]), Long.toHexString(checksum[0]), backend);
        return 0;
    }

    private static Map<String, Double> operatorSeconds(SimpleMeterRegistry registry) {
        Map<String, Double> m = new java.util.TreeMap<>();
        for (Timer t : registry.find(PipelineMetrics.OPERATOR_LATENCY).timers()) {
            m.merge(String.valueOf(t.getId().getTag("operator")), t.totalTime(TimeUnit.SECONDS), Double::sum);
        }
        return m;
    }

    private static void apply(RecommenderEngine engine, List<PendingEvent> events, int batch, long[] lists, long[] checksum) {
        for (int from = 0; from < events.size(); from += batch) {
            engine.apply(events.subList(from, Math.min(events.size(), from + batch)), out -> {
                lists[0]++;
                checksum[0] = mix(checksum[0], out.recommendations());
            });
        }
    }

    /** FNV-1a over a list's id, items, ranks, score bits and reasons (not the wall-clock generation time). */
    static long mix(long h, Recommendations r) {
        h = fnv(h, r.getRecommendationId());
        for (RecommendedItem item : r.getItems()) {
            h = fnv(h, item.getItemId());
            h = fnv(h, item.getRank());
            h = fnv(h, Float.floatToIntBits(item.getScore()));
            h = fnv(h, item.getReason().ordinal());
        }
        return h;
    }

    private static long fnv(long h, CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    private static long fnv(long h, int v) {
        for (int i = 0; i < 4; i++) {
            h = (h ^ ((v >>> (8 * i)) & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    /**
     * The neighbour lists the streaming model publishes once it has caught up with {@code events}: per user the last
     * {@code hyperrec.neighbours.window} distinct positive items, each new positive item counted once and paired with
     * each of them both ways, then each item's top {@code hyperrec.neighbours.max} by co-occurrence cosine.
     */
    static NeighbourTable neighbours(HyperrecConfig config, List<PendingEvent> events) {
        int window = config.getInt(HyperrecConfig.NEIGHBOURS_WINDOW);
        int max = config.getInt(HyperrecConfig.NEIGHBOURS_MAX);
        EventWeights weights = new EventWeights(config);
        Map<String, long[]> recent = new HashMap<>();
        Map<String, Integer> recentSize = new HashMap<>();
        Map<Long, Long> occurrences = new HashMap<>();
        Map<Long, Map<Long, Long>> together = new HashMap<>();
        for (PendingEvent e : events) {
            if (weights.weight(dev.hyperrec.avro.InteractionType.values()[e.type()], e.value()) <= 0f) {
                continue;
            }
            long item = ItemKeys.hash64(e.itemId());
            long[] r = recent.computeIfAbsent(e.userId(), u -> new long[window]);
            int size = recentSize.getOrDefault(e.userId(), 0);
            if (CoOccurrenceCosine.touch(r, size, item)) {
                continue;
            }
            for (int j = 0; j < size; j++) {
                together.computeIfAbsent(item, k -> new HashMap<>()).merge(r[j], 1L, Long::sum);
                together.computeIfAbsent(r[j], k -> new HashMap<>()).merge(item, 1L, Long::sum);
            }
            occurrences.merge(item, 1L, Long::sum);
            recentSize.put(e.userId(), CoOccurrenceCosine.append(r, size, item));
        }
        NeighbourTable table = new NeighbourTable();
        for (Map.Entry<Long, Map<Long, Long>> row : together.entrySet()) {
            long own = occurrences.getOrDefault(row.getKey(), 0L);
            long[] keys = new long[row.getValue().size()];
            float[] sim = new float[keys.length];
            int n = 0;
            for (Map.Entry<Long, Long> p : row.getValue().entrySet()) {
                keys[n] = p.getKey();
                sim[n++] = CoOccurrenceCosine.cosine(p.getValue(), own, occurrences.getOrDefault(p.getKey(), 0L));
            }
            int top = CoOccurrenceCosine.top(keys, sim, n, max);
            table.put(row.getKey(), new NeighbourTable.Entry(own, java.util.Arrays.copyOf(keys, top), java.util.Arrays.copyOf(sim, top)));
        }
        return table;
    }
}
