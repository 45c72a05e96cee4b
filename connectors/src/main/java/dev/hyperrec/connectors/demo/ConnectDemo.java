package dev.hyperrec.connectors.demo;

import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.connectors.ConnectWorker;
import dev.hyperrec.connectors.PostgresServer;
import dev.hyperrec.connectors.RecommendationsJson;
import dev.hyperrec.connectors.RecommendationsTable;
import dev.hyperrec.connectors.SinkConfigs;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.schemas.registry.LocalApicurioRegistry;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.demo.DemoData;
import dev.hyperrec.topology.demo.PipelineRun;
import dev.hyperrec.topology.demo.SyntheticData;
import dev.hyperrec.topology.embedded.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Kafka Connect path end to end on real components, without Docker: an in-JVM KRaft broker, an
 * Apicurio registry, PostgreSQL on a loopback port (initdb/pg_ctl), a Kafka Connect standalone worker
 * with Debezium's JDBC sink, and a short run of the pipeline (the demo's {@link PipelineRun}). It then
 * waits until every user's latest list is the user's row in the table and ends with
 * {@code connect: users=… rows=… users_in_table=… max_lag_s=…}, where the lag of a row is
 * {@code synced_at − generated_at} (the database's write time minus the app's compute time) of the
 * user's latest list.
 */
@Command(name = "connect-demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the pipeline into PostgreSQL through Kafka Connect and Debezium's JDBC sink.")
public final class ConnectDemo implements Callable<Integer> {
    /** Topic of the JSON-with-schemas alternative (mirrored from {@code recommendations} with --json). */
    public static final String JSON_TOPIC = "recommendations-json";
    public static final String JSON_TABLE = "recommendations_json";
    public static final String AVRO_CONNECTOR = "hyperrec-recommendations-jdbc";
    public static final String JSON_CONNECTOR = "hyperrec-recommendations-jdbc-json";

    @Option(names = "--users", defaultValue = "300", description = "synthetic users (default: ${DEFAULT-VALUE})")
    int users;
    @Option(names = "--items", defaultValue = "600", description = "synthetic items (default: ${DEFAULT-VALUE})")
    int items;
    @Option(names = "--events", defaultValue = "6000", description = "synthetic events (default: ${DEFAULT-VALUE})")
    int events;
    @Option(names = "--clusters", defaultValue = "8", description = "planted taste clusters (default: ${DEFAULT-VALUE})")
    int clusters;
    @Option(names = "--dim", defaultValue = "32", description = "embedding dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the synthetic stream (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--rate", defaultValue = "500", description = "events per second to offer; 0 = as fast as possible (default: ${DEFAULT-VALUE})")
    double rate;
    @Option(names = "--partitions", defaultValue = "4", description = "partitions of the topics (default: ${DEFAULT-VALUE})")
    int partitions;
    @Option(names = "--backend", defaultValue = "auto", description = "operator backend: auto, cpu or cuda (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--json", description = "also run the JsonConverter (schemas.enable=true) sink: the lists are mirrored as"
            + " Connect JSON to " + JSON_TOPIC + " and sunk into table " + JSON_TABLE)
    boolean json;
    @Option(names = "--plugins", paramLabel = "DIR", description = "Connect plugin.path (default: system property"
            + " hyperrec.plugins.dir, else connectors/target/plugins)")
    Path plugins;
    @Option(names = "--pg-port", defaultValue = "0", description = "PostgreSQL port on 127.0.0.1; 0 = a free one (default: ${DEFAULT-VALUE})")
    int pgPort;
    @Option(names = "--sink-timeout", defaultValue = "PT2M", description = "longest wait for the table after the run, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration sinkTimeout;
    @Option(names = "--hold", description = "keep everything running after the summary until Ctrl-C (to query the table with psql)")
    boolean hold;
    @Option(names = "--no-progress", negatable = false, description = "no progress bar")
    boolean noProgress;

    /** Where the demo prints; tests capture it. */
    public PrintStream out = System.out;
    /** The outcome of the last {@link #call()}, for tests. */
    public Result lastResult;

    /** One sink's table after the run, measured against every user's latest list. */
    public record SinkOutcome(String table, long rows, int usersInTable, double maxLagSeconds,
            Map<String, RecommendationsTable.Row> snapshot, List<Map<String, Object>> sampleRanks) {
    }

    /** What a run measured: users in the stream, their latest lists, and each sink's table. */
    public record Result(int users, Map<String, Recommendations> latest, SinkOutcome avro, SinkOutcome json) {
        public String line() {
            return String.format(Locale.ROOT, "connect: users=%d rows=%d users_in_table=%d max_lag_s=%.2f", users,
                    avro.rows(), avro.usersInTable(), avro.maxLagSeconds());
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ConnectDemo()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String runId = "run" + Long.toString(System.currentTimeMillis(), 36);
        Path pluginPath = resolvePlugins();
        Path work = Files.createTempDirectory("hyperrec-connect-demo-");
        List<AutoCloseable> open = new ArrayList<>();
        try {
            EmbeddedKafka kafka = EmbeddedKafka.start();
            open.add(kafka);
            out.println("started in-JVM KRaft broker at " + kafka.bootstrapServers());
            LocalApicurioRegistry registry = LocalApicurioRegistry.start(LocalApicurioRegistry.locate());
            open.add(registry);
            out.println("started Apicurio registry at " + registry.baseUrl());
            PostgresServer pg = PostgresServer.start(pgPort);
            open.add(pg);
            out.println("started PostgreSQL at " + pg.jdbcUrl());
            try (Connection c = pg.connect()) {
                RecommendationsTable.create(c, RecommendationsTable.DEFAULT_TABLE);
                if (json) {
                    RecommendationsTable.create(c, JSON_TABLE);
                }
            }

            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                TopicSetup.ensure(admin, "", partitions, (short) 1);
                if (json) {
                    admin.createTopics(List.of(new NewTopic(JSON_TOPIC, partitions, (short) 1)
                            .configs(Map.of("cleanup.policy", "compact")))).all().get();
                }
            }

            Map<String, String> values = new HashMap<>();
            values.put("bootstrap.servers", bootstrap);
            values.put("offsets.file", work.resolve("connect.offsets").toString());
            values.put("plugin.path", pluginPath.toString());
            values.put("rest.port", "0");
            values.put("apicurio.url", registry.baseUrl() + "/apis/registry/v2");
            values.put("pg.host", pg.host());
            values.put("pg.port", Integer.toString(pg.port()));
            values.put("pg.database", PostgresServer.DATABASE);
            values.put("pg.user", PostgresServer.USER);
            values.put("pg.password", PostgresServer.PASSWORD);
            ConnectWorker worker = ConnectWorker.start(SinkConfigs.load(SinkConfigs.WORKER, values));
            open.add(worker);
            out.println("started Kafka Connect standalone at " + worker.restUrl() + " (plugins " + pluginPath + ")");
            values.put("topic", Topics.RECOMMENDATIONS);
            values.put("table", RecommendationsTable.DEFAULT_TABLE);
            worker.deploy(AVRO_CONNECTOR, SinkConfigs.load(SinkConfigs.SINK_AVRO, values), Duration.ofSeconds(60));
            out.println("connector " + AVRO_CONNECTOR + " RUNNING: " + Topics.RECOMMENDATIONS + " -> table "
                    + RecommendationsTable.DEFAULT_TABLE + " (Avro via Apicurio's AvroConverter)");

            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("bootstrap.servers", bootstrap);
            cfg.put("schema.registry.url", registry.ccompatUrl());
            cfg.put("application.id", "hyperrec-connect-demo-" + runId);
            cfg.put("state.dir", Files.createDirectories(work.resolve("state")).toString());
            cfg.put(HyperrecConfig.EMBEDDING_DIM, dim);
            cfg.put(HyperrecConfig.BACKEND, backend);
            cfg.put(HyperrecConfig.CATALOG_INITIAL_CAPACITY, Math.max(16, items));
            HyperrecConfig config = HyperrecConfig.of(cfg);

            JsonMirror mirror = null;
            if (json) {
                values.put("topic", JSON_TOPIC);
                values.put("table", JSON_TABLE);
                worker.deploy(JSON_CONNECTOR, SinkConfigs.load(SinkConfigs.SINK_JSON, values), Duration.ofSeconds(60));
                mirror = JsonMirror.start(bootstrap, config.serdeConfig(), partitions);
                open.add(mirror);
                out.println("connector " + JSON_CONNECTOR + " RUNNING: " + JSON_TOPIC + " -> table " + JSON_TABLE
                        + " (JsonConverter with schemas; lists mirrored from " + Topics.RECOMMENDATIONS + ")");
            }

            DemoData data = SyntheticData.generate(users, items, events, clusters, dim, 0.9, seed, runId);
            PipelineRun.Result run = PipelineRun.run(data, config, partitions, rate, Duration.ofMinutes(10), out, !noProgress);
            out.println(run.demoLine());

            Map<String, Recommendations> latest = run.latestByUser();
            SinkOutcome avro = awaitTable(pg, RecommendationsTable.DEFAULT_TABLE, latest, sinkTimeout);
            SinkOutcome js = json ? awaitTable(pg, JSON_TABLE, latest, sinkTimeout) : null;
            lastResult = new Result(run.users(), latest, avro, js);
            printSample(avro);
            if (js != null) {
                out.printf(Locale.ROOT, "json sink: rows=%d users_in_table=%d max_lag_s=%.2f (lag includes the mirror hop)%n",
                        js.rows(), js.usersInTable(), js.maxLagSeconds());
            }
            if (hold) {
                out.printf("holding; query with: PGPASSWORD=%s psql -h %s -p %d -U %s %s   (Ctrl-C to stop)%n",
                        PostgresServer.PASSWORD, pg.host(), pg.port(), PostgresServer.USER, PostgresServer.DATABASE);
                out.println(lastResult.line());
                Thread.currentThread().join();
            }
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try {
                    open.get(i).close();
                } catch (Exception e) {
                    out.println("warning: closing " + open.get(i).getClass().getSimpleName() + ": " + e);
                }
            }
            deleteQuietly(work);
        }
        // printed after everything stopped, so that it stays the last line
        out.println(lastResult.line());
        return lastResult.avro().usersInTable() == lastResult.users() ? 0 : 1;
    }

    private Path resolvePlugins() {
        Path p = plugins;
        if (p == null) {
            String prop = System.getProperty("hyperrec.plugins.dir");
            p = Path.of(prop != null && !prop.isBlank() ? prop : "connectors/target/plugins");
        }
        p = p.toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("debezium-connector-jdbc"))) {
            throw new IllegalStateException("no Debezium JDBC sink plugin in " + p + ": build first (./mvnw -pl connectors -am"
                    + " -DskipTests package), or pass --plugins");
        }
        return p;
    }

    /**
     * Polls the table until every user's row holds the user's latest list (same recommendation id) or
     * the timeout passes, then measures it.
     */
    static SinkOutcome awaitTable(PostgresServer pg, String table, Map<String, Recommendations> latest, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection c = pg.connect()) {
            while (true) {
                Map<String, RecommendationsTable.Row> rows = RecommendationsTable.snapshot(c, table);
                int inTable = 0;
                double maxLag = 0;
                for (Map.Entry<String, Recommendations> e : latest.entrySet()) {
                    RecommendationsTable.Row row = rows.get(e.getKey());
                    if (row != null && row.recommendationId().equals(e.getValue().getRecommendationId())) {
                        inTable++;
                        maxLag = Math.max(maxLag, row.lagSeconds());
                    }
                }
                if (inTable == latest.size() || System.nanoTime() > deadline) {
                    return new SinkOutcome(table, rows.size(), inTable, maxLag, rows, sampleRanks(c, table, rows));
                }
                Thread.sleep(200);
            }
        }
    }

    /** One user's list through the per-rank view, as an analyst would query it. */
    private static List<Map<String, Object>> sampleRanks(Connection c, String table, Map<String, RecommendationsTable.Row> rows)
            throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        if (rows.isEmpty()) {
            return out;
        }
        String user = rows.keySet().iterator().next();
        try (var ps = c.prepareStatement("SELECT rank, item_id, score, reason FROM " + RecommendationsTable.viewFor(table)
                + " WHERE user_id = ? ORDER BY rank")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("user_id", user);
                    r.put("rank", rs.getInt(1));
                    r.put("item_id", rs.getString(2));
                    r.put("score", rs.getFloat(3));
                    r.put("reason", rs.getString(4));
                    out.add(r);
                }
            }
        }
        return out;
    }

    private void printSample(SinkOutcome s) {
        if (s.sampleRanks().isEmpty()) {
            return;
        }
        out.println();
        out.println("SELECT rank, item_id, score, reason FROM " + RecommendationsTable.viewFor(s.table()) + " WHERE user_id = '"
                + s.sampleRanks().get(0).get("user_id") + "' ORDER BY rank;");
        for (Map<String, Object> r : s.sampleRanks()) {
            out.printf(Locale.ROOT, "  %3d  %-12s %8.3f  %s%n", r.get("rank"), r.get("item_id"), r.get("score"), r.get("reason"));
        }
        out.println();
    }

    private static void deleteQuietly(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temp folder; the OS cleans it eventually
        }
    }

    /**
     * Copies every committed list from {@code recommendations} to {@value #JSON_TOPIC} as Connect JSON with
     * schemas, same key, in partition order: the producer side of the JSON alternative.
     */
    static final class JsonMirror implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final Thread thread;

        private JsonMirror(Thread thread) {
            this.thread = thread;
        }

        static JsonMirror start(String bootstrap, Map<String, Object> serdeConfig, int partitions) {
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            pp.put(ProducerConfig.ACKS_CONFIG, "all");
            pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            var recsSerde = AvroSerdes.forClass(Recommendations.class, serdeConfig, false);
            JsonMirror[] self = new JsonMirror[1];
            Thread t = new Thread(() -> {
                try (KafkaConsumer<String, Recommendations> consumer = new KafkaConsumer<>(cp, new StringDeserializer(),
                        recsSerde.deserializer());
                        KafkaProducer<String, Recommendations> producer = new KafkaProducer<>(pp, new StringSerializer(),
                                new RecommendationsJson())) {
                    List<TopicPartition> tps = new ArrayList<>();
                    for (int p = 0; p < partitions; p++) {
                        tps.add(new TopicPartition(Topics.RECOMMENDATIONS, p));
                    }
                    consumer.assign(tps);
                    consumer.seekToBeginning(tps);
                    while (!self[0].stop.get()) {
                        for (ConsumerRecord<String, Recommendations> r : consumer.poll(Duration.ofMillis(50))) {
                            producer.send(new ProducerRecord<>(JSON_TOPIC, r.partition(), r.key(), r.value()));
                        }
                        producer.flush();
                    }
                } catch (Exception e) {
                    self[0].failure.set(e);
                }
            }, "recommendations-json-mirror");
            self[0] = new JsonMirror(t);
            t.setDaemon(true);
            t.start();
            return self[0];
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            thread.join(10_000);
            if (failure.get() != null) {
                throw new IllegalStateException("the JSON mirror failed", failure.get());
            }
        }
    }
}
