package dev.hyperrec.topology;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's entry point against an existing cluster: loads config, builds the topology,
 * starts it and closes it on shutdown. {@code java dev.hyperrec.topology.HyperrecApp app.properties}
 * (keys: docs/operations.md; environment variables {@code HYPERREC_*} override the file, e.g.
 * {@code HYPERREC_BOOTSTRAP_SERVERS} → {@code bootstrap.servers}, {@code HYPERREC_BACKEND} → {@code hyperrec.backend}).
 */
public final class HyperrecApp {
    private static final Logger LOG = LoggerFactory.getLogger(HyperrecApp.class);

    private HyperrecApp() {
    }

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        if (args.length > 0) {
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                props.load(in);
            }
        }
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("HYPERREC_") && !k.equals("HYPERREC_REGISTRY_DIR")) {
                String key = k.substring("HYPERREC_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.');
                props.setProperty(HyperrecConfig.defaults().containsKey("hyperrec." + key) ? "hyperrec." + key : key, v);
            }
        });
        HyperrecConfig config = HyperrecConfig.of(props);
        if (Boolean.parseBoolean(config.get(HyperrecConfig.TOPICS_CREATE))) {
            prepare(config);
        }
        HyperrecRuntime runtime = HyperrecRuntime.create(config);
        KafkaStreams streams = start(runtime);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close();
            runtime.close();
            done.countDown();
        }, "hyperrec-shutdown"));
        done.await();
    }

    /** Creates the missing topics and registers the value schemas with BACKWARD compatibility. */
    static void prepare(HyperrecConfig config) throws java.io.IOException {
        java.util.Map<String, Object> admin = new java.util.HashMap<>();
        config.streamsProperties().forEach((k, v) -> admin.put((String) k, v));
        admin.keySet().removeIf(k -> !org.apache.kafka.clients.admin.AdminClientConfig.configNames().contains(k));
        try (org.apache.kafka.clients.admin.Admin a = org.apache.kafka.clients.admin.Admin.create(admin)) {
            var created = TopicSetup.ensure(a, config.get(HyperrecConfig.TOPIC_PREFIX), config.getInt(HyperrecConfig.TOPICS_PARTITIONS),
                    (short) config.getInt(HyperrecConfig.TOPICS_REPLICATION));
            LOG.info("topics created: {}", created);
        }
        try (var registry = dev.hyperrec.schemas.registry.HttpSchemaRegistryClient.fromConfig(config.serdeConfig())) {
            SchemaSetup.ensure(registry, config);
        }
    }

    /** Builds and starts the topology; the caller closes the returned instance, then the runtime. */
    public static KafkaStreams start(HyperrecRuntime runtime) {
        KafkaStreams streams = new KafkaStreams(HyperrecTopology.build(runtime), runtime.config().streamsProperties());
        streams.setUncaughtExceptionHandler(e -> {
            runtime.recordThreadFailure();
            LOG.error("stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        LOG.info("hyperrec starting: backend={} application.id={} config={}", runtime.backend().name(),
                runtime.config().streamsProperties().getProperty("application.id"), runtime.config().redacted());
        streams.start();
        return streams;
    }
}
