package dev.hyperrec.topology.tools;

import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The item-to-item model's instance of an app in a JVM of its own ({@code hyperrec.role=model}, the production entry point
 * {@link HyperrecApp#main} on a properties file), for the benchmarks: the lists' instance then shares neither its heap,
 * its collector nor, under {@code nice}, its priority on the CPUs with the model. {@link #close()} stops it with SIGTERM
 * (the app's shutdown hook closes Streams and leaves the group) and kills it after a minute.
 */
public final class ModelProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelProcess.class);
    private static final List<String> NICE = List.of("/usr/bin/nice", "/bin/nice");

    private final Process process;
    private final Path log;
    private final String group;

    private ModelProcess(Process process, Path log, String group) {
        this.process = process;
        this.log = log;
        this.group = group;
    }

    /**
     * Starts the model's instance of {@code app} (whatever its role) with its working files under {@code dir}, and
     * waits until its group is stable: the model's consumer group has members and is not rebalancing.
     *
     * @param nice the niceness to run it at (0 = as this JVM); ignored, with a warning, where there is no nice(1)
     * @param heap the child's {@code -Xmx}, e.g. {@code 4g}
     */
    public static ModelProcess start(HyperrecConfig app, Path dir, int nice, String heap, Duration timeout) {
        // its own state directory: the stores of another process's instance are not its business
        HyperrecConfig model = app.with(HyperrecConfig.ROLE, "model")
                .with(org.apache.kafka.streams.StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        if (!model.modelInOwnApp()) {
            throw new IllegalArgumentException("the model runs in a process of its own only when it runs in an instance of its own");
        }
        try {
            Files.createDirectories(dir);
            Path props = dir.resolve("model.properties");
            try (Writer w = Files.newBufferedWriter(props)) {
                properties(model).store(w, "hyperrec.role=model, written by the benchmark");
            }
            String niceBin = NICE.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
            if (nice != 0 && niceBin == null) {
                LOG.warn("no nice(1) here: the model's process runs at this JVM's priority");
            }
            List<String> cmd = command(props, nice != 0 ? niceBin : null, nice, heap);
            Path log = dir.resolve("model-process.log");
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true).start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "model-process-reaper"));
            ModelProcess m = new ModelProcess(p, log, model.modelStreamsProperties().getProperty("application.id"));
            LOG.info("model process {} started (nice {}, -Xmx{}), log {}", p.pid(), niceBin == null ? 0 : nice, heap, log);
            m.awaitStable(model, timeout);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The config as the child reads it: every key, the role model, no metrics endpoint, no topic creation. */
    static Properties properties(HyperrecConfig model) {
        Properties p = new Properties();
        model.asMap().forEach(p::setProperty);
        p.setProperty(HyperrecConfig.ROLE, "model");
        p.setProperty(HyperrecConfig.METRICS_PORT, "-1");
        p.setProperty(HyperrecConfig.TOPICS_CREATE, "false");
        return p;
    }

    /**
     * The child's command line: [nice -n N] java -Xmx.. -XX:+UseG1GC [native access] [$HYPERREC_MODEL_JAVA_OPTS] -cp (this
     * JVM's) HyperrecApp PROPS.
     */
    static List<String> command(Path props, String niceBin, int nice, String heap) {
        List<String> cmd = new ArrayList<>();
        if (niceBin != null) {
            cmd.addAll(List.of(niceBin, "-n", Integer.toString(nice)));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.add("-XX:+UseG1GC");
        if (Runtime.version().feature() >= 24) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        // e.g. a JFR recording of the model's JVM: -XX:StartFlightRecording=filename=model.jfr,settings=profile
        String extra = System.getenv("HYPERREC_MODEL_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HyperrecApp.class.getName());
        cmd.add(props.toString());
        return cmd;
    }

    private void awaitStable(HyperrecConfig c, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(c.adminConfig())) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the model process exited with " + process.exitValue() + "; see " + log);
                }
                try {
                    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(5, TimeUnit.SECONDS)
                            .get(group);
                    if (d.groupState() == GroupState.STABLE && !d.members().isEmpty()
                            && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // the group does not exist yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the model process's group " + group + " was not stable within " + timeout
                            + "; see " + log);
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** CPU seconds the child has used so far (NaN where the platform does not say). */
    public double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        try {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                LOG.warn("model process {} still running a minute after SIGTERM: killing it", process.pid());
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
