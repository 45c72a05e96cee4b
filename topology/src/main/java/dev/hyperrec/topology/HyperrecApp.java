package dev.hyperrec.topology;

import dev.hyperrec.topology.metrics.MetricsServer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's entry point against an existing cluster: loads config, builds the topology,
 * starts it with its metrics and health endpoint, and closes everything on shutdown.
 * {@code java dev.hyperrec.topology.HyperrecApp [app.properties]} (or {@code hyperrec run}); keys:
 * docs/operations.md; precedence: {@link ConfigSources} (environment {@code HYPERREC_*} over the file,
 * e.g. {@code HYPERREC_BOOTSTRAP_SERVERS} → {@code bootstrap.servers}, {@code HYPERREC_BACKEND} →
 * {@code hyperrec.backend}).
 */
public final class HyperrecApp {
    private static final Logger LOG = LoggerFactory.getLogger(HyperrecApp.class);
    /** How often Kafka Streams' metrics are re-scanned for meters of new threads and tasks. */
    static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(10);
    /**
     * The lists' instance of an app whose item-to-item model runs in an instance of its own
     * ({@code hyperrec.neighbours.separate.app}): it owns that instance, so every {@code close} of it closes the model's
     * instance too, after its own (which stops sending it increments), with the same options. The model's instance is
     * {@link #model(KafkaStreams)}. (Before 2026-11-24 a static map held the pairs, and only {@link #stop} closed the
     * model's instance: a plain {@code close()} left it running.) Kafka Streams logs under the instance's class, so the
     * lists' instance logs as {@code dev.hyperrec.topology.HyperrecApp$WithModel} (kept at warn in simplelogger.properties,
     * as Kafka's own loggers are).
     */
    static final class WithModel extends KafkaStreams {
        private final KafkaStreams model;

        WithModel(org.apache.kafka.streams.Topology topology, java.util.Properties props, KafkaStreams model) {
            super(topology, props);
            this.model = java.util.Objects.requireNonNull(model, "model");
        }

        KafkaStreams model() {
            return model;
        }

        @Override
        public void close() {
            super.close();
            model.close();
        }

        @Override
        public synchronized boolean close(Duration timeout) {
            boolean lists = super.close(timeout);
            return model.close(timeout) && lists;
        }

        @Override
        public synchronized boolean close(org.apache.kafka.streams.CloseOptions options) {
            boolean lists = super.close(options);
            return model.close(options) && lists;
        }

        @Override
        @SuppressWarnings("deprecation")
        public synchronized boolean close(KafkaStreams.CloseOptions options) {
            boolean lists = super.close(options);
            return model.close(options) && lists;
        }
    }

    private HyperrecApp() {
    }

    public static void main(String[] args) throws Exception {
        ConfigSources.Resolved resolved = ConfigSources.resolve(Map.of(), args.length > 0 ? Path.of(args[0]) : null,
                System.getenv(), Map.of());
        runUntilShutdown(resolved.config());
    }

    /** Launches the app and blocks until the JVM shuts down (the shutdown hook closes it). */
    public static void runUntilShutdown(HyperrecConfig config) throws Exception {
        Running app = launch(config);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            done.countDown();
        }, "hyperrec-shutdown"));
        done.await();
    }

    /**
     * A started app: the Streams instance, its runtime, the meter registry and the HTTP endpoint
     * (null when {@code hyperrec.metrics.port} is -1). {@link #close()} stops them in reverse order
     * and is idempotent; the health endpoint answers 503 while Streams shuts down.
     */
    public static final class Running implements AutoCloseable {
        private final KafkaStreams streams;
        private final HyperrecRuntime runtime;
        private final PrometheusMeterRegistry registry;
        private final List<KafkaStreamsMetrics> kafkaMetrics;
        private final ScheduledExecutorService kafkaMetricsRefresh;
        private final JvmGcMetrics gcMetrics;
        private final MetricsServer server;
        private boolean closed;

        private Running(KafkaStreams streams, HyperrecRuntime runtime, PrometheusMeterRegistry registry,
                List<KafkaStreamsMetrics> kafkaMetrics, ScheduledExecutorService kafkaMetricsRefresh, JvmGcMetrics gcMetrics,
                MetricsServer server) {
            this.streams = streams;
            this.runtime = runtime;
            this.registry = registry;
            this.kafkaMetrics = kafkaMetrics;
            this.kafkaMetricsRefresh = kafkaMetricsRefresh;
            this.gcMetrics = gcMetrics;
            this.server = server;
        }

        public KafkaStreams streams() {
            return streams;
        }

        public HyperrecRuntime runtime() {
            return runtime;
        }

        public PrometheusMeterRegistry registry() {
            return registry;
        }

        /** The metrics and health endpoint, or null when turned off. */
        public MetricsServer server() {
            return server;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                stop(streams, Duration.ofSeconds(30));
            } finally {
                kafkaMetrics.forEach(KafkaStreamsMetrics::close);
                kafkaMetricsRefresh.shutdownNow();
                gcMetrics.close();
                runtime.close();
                if (server != null) {
                    server.close();
                }
                registry.close();
            }
        }
    }

    /**
     * Prepares topics and schemas when {@code hyperrec.topics.create} is set, starts the topology and
     * the metrics and health endpoint ({@code hyperrec.metrics.host}/{@code .port}).
     */
    public static Running launch(HyperrecConfig config) throws IOException {
        if (Boolean.parseBoolean(config.get(HyperrecConfig.TOPICS_CREATE))) {
            prepare(config);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        HyperrecRuntime runtime = HyperrecRuntime.create(runtimeConfig(config), registry);
        KafkaStreams streams = create(runtime);
        // when the current state began: a REBALANCING that lasts (e.g. no broker reachable) shows in /health
        java.util.concurrent.atomic.AtomicLong stateSince = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        streams.setStateListener((next, previous) -> stateSince.set(System.nanoTime()));
        ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hyperrec-kafka-metrics");
            t.setDaemon(true);
            return t;
        });
        // the model's instance (when it has one) reports through the same registry: its clients' meters differ by client id
        List<KafkaStreamsMetrics> kafkaMetrics = new java.util.ArrayList<>();
        for (KafkaStreams s : model(streams) == null ? List.of(streams) : List.of(streams, model(streams))) {
            KafkaStreamsMetrics m = new KafkaStreamsMetrics(s, List.of(), refresh, KAFKA_METRICS_REFRESH);
            m.bindTo(registry);
            kafkaMetrics.add(m);
        }
        MetricsServer server = null;
        int port = config.getInt(HyperrecConfig.METRICS_PORT);
        try {
            if (port >= 0) {
                server = MetricsServer.start(config.get(HyperrecConfig.METRICS_HOST).trim(), port, registry,
                        () -> new MetricsServer.Health(state(streams), (System.nanoTime() - stateSince.get()) / 1_000_000,
                                runtime.backend().name(), runtime.backendFallbacks(), runtime.threadFailures()));
            }
            start(streams, runtime);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            stop(streams, Duration.ofSeconds(30));
            kafkaMetrics.forEach(KafkaStreamsMetrics::close);
            refresh.shutdownNow();
            gc.close();
            runtime.close();
            registry.close();
            throw e;
        }
        return new Running(streams, runtime, registry, kafkaMetrics, refresh, gc, server);
    }

    /**
     * The config a process of {@code config}'s {@link HyperrecConfig#ROLE role} runs with: the model's role runs no
     * operator, so it opens the CPU backend whatever {@code hyperrec.backend} says (a model process needs no GPU).
     */
    static HyperrecConfig runtimeConfig(HyperrecConfig config) {
        return config.role() == HyperrecConfig.Role.MODEL ? config.with(HyperrecConfig.BACKEND, "cpu") : config;
    }

    /** Creates the missing topics and registers the value schemas with BACKWARD compatibility. */
    public static void prepare(HyperrecConfig config) throws java.io.IOException {
        try (org.apache.kafka.clients.admin.Admin a = org.apache.kafka.clients.admin.Admin.create(config.adminConfig())) {
            var created = TopicSetup.ensure(a, config.get(HyperrecConfig.TOPIC_PREFIX), config.getInt(HyperrecConfig.TOPICS_PARTITIONS),
                    (short) config.getInt(HyperrecConfig.TOPICS_REPLICATION));
            LOG.info("topics created: {}", created);
        }
        try (var registry = dev.hyperrec.schemas.registry.SchemaRegistryClient.fromConfig(config.serdeConfig())) {
            SchemaSetup.ensure(registry, config);
        }
    }

    /**
     * Closes a hyperrec Streams instance and leaves its consumer group, so that the partitions it
     * owned move to the other instances (or to its own restart) at once. Kafka Streams' plain
     * {@code close()} keeps a dynamic member in the group until {@code session.timeout.ms} (45 s)
     * runs out, and its partitions are processed by nobody until then. With the model in an instance
     * of its own ({@link #model}), that instance is closed the same way after this one (which stops
     * sending it increments). Returns whether every thread of both stopped within {@code timeout} each.
     */
    public static boolean stop(KafkaStreams streams, Duration timeout) {
        // a WithModel closes its model's instance with the same options
        return streams.close(org.apache.kafka.streams.CloseOptions.timeout(timeout)
                .withGroupMembershipOperation(org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }

    /**
     * The instance that runs the co-occurrence aggregation for {@code streams} (application id
     * {@code <application.id>-model}; {@code hyperrec.neighbours.separate.app}), or null when {@code streams}
     * runs it itself or the model is off. Started with {@code streams}, and closed by every {@code close} of it.
     */
    public static KafkaStreams model(KafkaStreams streams) {
        return streams instanceof WithModel w ? w.model() : null;
    }

    /** The state to report for the app: the lists' instance's, unless the model's instance has failed or stopped under it. */
    static KafkaStreams.State state(KafkaStreams streams) {
        KafkaStreams model = model(streams);
        KafkaStreams.State s = streams.state();
        if (model != null && s.isRunningOrRebalancing() && !model.state().isRunningOrRebalancing()
                && model.state() != KafkaStreams.State.CREATED) {
            return model.state();
        }
        return s;
    }

    /** Builds and starts the topology; the caller stops the returned instance ({@link #stop}), then the runtime. */
    public static KafkaStreams start(HyperrecRuntime runtime) {
        KafkaStreams streams = create(runtime);
        start(streams, runtime);
        return streams;
    }

    private static KafkaStreams create(HyperrecRuntime runtime) {
        HyperrecConfig config = runtime.config();
        switch (config.role()) {
            case MODEL:
                // the model's instance alone (the config requires the model on, in an instance of its own)
                return withHandler(new KafkaStreams(HyperrecTopology.buildModel(runtime), config.modelStreamsProperties()),
                        runtime);
            case LISTS:
                // the lists' instance alone: the model runs in other processes (role model) of the same application
                return withHandler(new KafkaStreams(HyperrecTopology.buildLists(runtime), config.streamsProperties()), runtime);
            default:
                break;
        }
        if (!config.modelInOwnApp()) {
            return withHandler(new KafkaStreams(HyperrecTopology.build(runtime), config.streamsProperties()), runtime);
        }
        KafkaStreams model = withHandler(new KafkaStreams(HyperrecTopology.buildModel(runtime), config.modelStreamsProperties()),
                runtime);
        return withHandler(new WithModel(HyperrecTopology.buildLists(runtime), config.streamsProperties(), model), runtime);
    }

    private static KafkaStreams withHandler(KafkaStreams streams, HyperrecRuntime runtime) {
        streams.setUncaughtExceptionHandler(e -> {
            runtime.recordThreadFailure();
            LOG.error("stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        return streams;
    }

    private static void start(KafkaStreams streams, HyperrecRuntime runtime) {
        HyperrecConfig config = runtime.config();
        LOG.info("hyperrec starting: role={} backend={} application.id={} config={}",
                config.role().name().toLowerCase(java.util.Locale.ROOT), runtime.backend().name(),
                (config.role() == HyperrecConfig.Role.MODEL ? config.modelStreamsProperties() : config.streamsProperties())
                        .getProperty("application.id"), config.redacted());
        KafkaStreams model = model(streams);
        if (model != null) {
            LOG.info("item-to-item model starting as its own instance: application.id={} commit.interval.ms={} threads={}",
                    runtime.config().modelStreamsProperties().getProperty("application.id"),
                    runtime.config().get(HyperrecConfig.NEIGHBOURS_COMMIT_INTERVAL_MS),
                    runtime.config().get(HyperrecConfig.NEIGHBOURS_THREADS));
            model.start();
        }
        streams.start();
    }
}
