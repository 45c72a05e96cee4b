package dev.hyperrec.topology.demo;

import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.schemas.registry.LocalApicurioRegistry;
import dev.hyperrec.topology.ConfigSources;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.embedded.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job: starts a real broker (in-JVM KRaft) and a real registry (Apicurio, ccompat API)
 * unless given existing ones, publishes a catalog and an interaction stream, runs the topology,
 * prints a few users' recommendations and ends with the {@code demo:} line.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the hyperrec pipeline end to end on real components and prints recommendations.")
public final class Demo implements Callable<Integer> {
    @Option(names = "--ratings", paramLabel = "PATH", description = "MovieLens ratings.csv or u.data to replay (default: a seeded synthetic stream)")
    Path ratings;
    @Option(names = "--bootstrap-servers", description = "an existing Kafka cluster (default: bootstrap.servers from the environment"
            + " or --config, else start an in-JVM KRaft broker)")
    String bootstrapServers;
    @Option(names = "--schema-registry-url", description = "an existing Confluent-compatible registry (default: schema.registry.url"
            + " from the environment or --config, else start Apicurio)")
    String registryUrl;
    @Option(names = "--config", paramLabel = "FILE", description = "properties file with hyperrec.* and Kafka Streams settings"
            + " (default: $HYPERREC_CONFIG; precedence: flags > HYPERREC_* environment > file > defaults)")
    Path configFile;
    @Option(names = "--backend", description = "operator backend: auto, cpu or cuda (default: hyperrec.backend from the environment"
            + " or --config, else auto)")
    String backend;
    @Option(names = "--partitions", defaultValue = "4", description = "partitions of the interaction topics (default: ${DEFAULT-VALUE})")
    int partitions;
    @Option(names = "--rate", defaultValue = "500", description = "events per second to offer; 0 = as fast as possible (default: ${DEFAULT-VALUE})")
    double rate;
    @Option(names = "--users", defaultValue = "1000", description = "synthetic users (default: ${DEFAULT-VALUE})")
    int users;
    @Option(names = "--items", defaultValue = "2000", description = "synthetic items (default: ${DEFAULT-VALUE})")
    int items;
    @Option(names = "--events", defaultValue = "20000", description = "synthetic events (default: ${DEFAULT-VALUE})")
    int events;
    @Option(names = "--clusters", defaultValue = "8", description = "planted taste clusters (default: ${DEFAULT-VALUE})")
    int clusters;
    @Option(names = "--dim", description = "embedding dimension (default: hyperrec.embedding.dim from the environment or --config, else 32)")
    Integer dim;
    @Option(names = "--train-fraction", defaultValue = "0.2", description = "share of a ratings file used to learn item embeddings (default: ${DEFAULT-VALUE})")
    double trainFraction;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the synthetic stream and the trainer (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--examples", defaultValue = "3", description = "users to print (default: ${DEFAULT-VALUE})")
    int examples;
    @Option(names = "--timeout", defaultValue = "PT10M", description = "longest wait for the last lists, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration timeout;
    @Option(names = "--no-progress", negatable = false, description = "no progress bar")
    boolean noProgress;
    @Option(names = "--run-id", description = "prefix of event ids and the application id (default: from the clock); fix it to compare runs")
    String fixedRunId;
    @Option(names = "--dump", paramLabel = "FILE", description = "write each user's latest list (user, then item=score in rank order) as TSV, sorted by user")
    Path dump;

    /** Where the demo prints; tests capture it. */
    PrintStream out = System.out;

    /** The environment read for {@code HYPERREC_*} keys and {@code HYPERREC_CONFIG}; tests and the CLI pass their own. */
    private Map<String, String> env = System.getenv();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Demo()).execute(args));
    }

    /** Reads configuration from {@code environment} instead of the process environment. */
    public Demo environment(Map<String, String> environment) {
        this.env = Map.copyOf(environment);
        return this;
    }

    @Override
    public Integer call() throws Exception {
        String runId = fixedRunId != null ? fixedRunId : "run" + Long.toString(System.currentTimeMillis(), 36);
        // one precedence (ConfigSources): flags > HYPERREC_* > --config > the demo's own defaults > defaults
        Map<String, Object> own = new LinkedHashMap<>();
        own.put("application.id", "hyperrec-demo-" + runId);
        own.put("state.dir", Files.createTempDirectory("hyperrec-state-").toString());
        own.put(HyperrecConfig.EMBEDDING_DIM, 32);
        Map<String, Object> flags = new LinkedHashMap<>();
        putIfSet(flags, "bootstrap.servers", bootstrapServers);
        putIfSet(flags, "schema.registry.url", registryUrl);
        putIfSet(flags, HyperrecConfig.BACKEND, backend);
        putIfSet(flags, HyperrecConfig.EMBEDDING_DIM, dim);
        ConfigSources.Resolved resolved = ConfigSources.resolve(own, configFile, env, flags);
        EmbeddedKafka kafka = null;
        LocalApicurioRegistry registry = null;
        try {
            String bootstrap = resolved.values().get("bootstrap.servers");
            if (bootstrap == null) {
                kafka = EmbeddedKafka.start();
                bootstrap = kafka.bootstrapServers();
                out.println("started in-JVM KRaft broker at " + bootstrap);
            }
            String url = resolved.values().get("schema.registry.url");
            if (url == null) {
                registry = LocalApicurioRegistry.start(LocalApicurioRegistry.locate());
                url = registry.ccompatUrl();
                out.println("started Apicurio registry at " + url);
            }
            HyperrecConfig config = resolved.config().with("bootstrap.servers", bootstrap).with("schema.registry.url", url);
            int d = config.dim();
            DemoData data = ratings != null
                    ? MovieLens.load(ratings, d, trainFraction, seed, runId)
                    : SyntheticData.generate(users, items, events, clusters, d, 0.9, seed, runId);
            if (!resolved.isUserSet(HyperrecConfig.CATALOG_INITIAL_CAPACITY)) {
                config = config.with(HyperrecConfig.CATALOG_INITIAL_CAPACITY, Math.max(16, data.catalog().size()));
            }
            PipelineRun.Result result = PipelineRun.run(data, config, partitions, rate, timeout, out, !noProgress);
            printExamples(out, data, result);
            if (dump != null) {
                writeDump(dump, result);
                out.println("wrote the latest list of " + result.latestByUser().size() + " users to " + dump);
            }
            out.println(result.demoLine());
            return 0;
        } finally {
            if (registry != null) {
                registry.close();
            }
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    static void writeDump(Path file, PipelineRun.Result result) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        new java.util.TreeMap<>(result.latestByUser()).forEach((user, recs) -> {
            sb.append(user).append('\t');
            for (int i = 0; i < recs.getItems().size(); i++) {
                var item = recs.getItems().get(i);
                sb.append(i == 0 ? "" : ",").append(item.getItemId()).append('=').append(item.getScore());
            }
            sb.append('\n');
        });
        Files.writeString(file, sb.toString());
    }

    private static void putIfSet(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private void printExamples(PrintStream out, DemoData data, PipelineRun.Result result) {
        Map<String, List<String>> recent = new HashMap<>();
        Map<String, Integer> count = new HashMap<>();
        for (InteractionEvent e : data.events()) {
            List<String> l = recent.computeIfAbsent(e.getUserId(), k -> new ArrayList<>());
            l.add(e.getItemId());
            if (l.size() > 5) {
                l.remove(0);
            }
            count.merge(e.getUserId(), 1, Integer::sum);
        }
        List<String> chosen = result.latestByUser().keySet().stream()
                .sorted(Comparator.comparing((String u) -> -count.getOrDefault(u, 0)).thenComparing(u -> u))
                .limit(examples).toList();
        for (String user : chosen) {
            Recommendations recs = result.latestByUser().get(user);
            out.println();
            out.println("user " + user + (data.userCluster().containsKey(user) ? " (cluster " + data.userCluster().get(user) + ")" : "")
                    + ", " + count.getOrDefault(user, 0) + " events");
            out.println("  recently: " + String.join("; ", recent.getOrDefault(user, List.of()).stream()
                    .map(i -> data.titles().getOrDefault(i, i)).toList()));
            out.println("  recommended (" + recs.getRecommendationId() + "):");
            for (RecommendedItem it : recs.getItems()) {
                out.printf(java.util.Locale.ROOT, "    %2d. %-50s %-8s score %.3f%n", it.getRank(),
                        abbreviate(data.titles().getOrDefault(it.getItemId(), it.getItemId())), it.getReason(), it.getScore());
            }
        }
        out.println();
    }

    private static String abbreviate(String s) {
        return s.length() > 50 ? s.substring(0, 47) + "..." : s;
    }
}
