package dev.hyperrec.topology.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in its own JVM (KRaft, combined broker/controller, one node), on fixed
 * loopback ports and a data directory that survive {@link #stop()}/{@link #kill()} and
 * {@link #start()}: for tests and harnesses that stop, kill or restart the broker, and for
 * benchmarks that must not share the app's JVM. Uses this JVM's classpath (kafka_2.13 comes with
 * the test kit dependency). Idempotent {@link #close()} kills the process and deletes nothing the
 * caller did not ask for.
 */
public final class BrokerProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerProcess.class);
    private final Path dir;
    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> extra;
    private Process process;
    private boolean closed;

    private BrokerProcess(Path dir, int brokerPort, int controllerPort, Map<String, String> extra) {
        this.dir = dir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.extra = extra;
    }

    /** Formats a new single-node cluster in {@code dir} and starts it. */
    public static BrokerProcess create(Path dir, Map<String, String> brokerProps) {
        BrokerProcess b = new BrokerProcess(dir, freePort(), freePort(), brokerProps);
        b.format();
        b.start();
        return b;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    private Path config() {
        return dir.resolve("server.properties");
    }

    private void format() {
        try {
            Files.createDirectories(dir.resolve("data"));
            StringBuilder p = new StringBuilder();
            p.append("process.roles=broker,controller\nnode.id=1\n")
                    .append("controller.quorum.voters=1@127.0.0.1:").append(controllerPort).append('\n')
                    .append("listeners=PLAINTEXT://127.0.0.1:").append(brokerPort)
                    .append(",CONTROLLER://127.0.0.1:").append(controllerPort).append('\n')
                    .append("advertised.listeners=PLAINTEXT://127.0.0.1:").append(brokerPort).append('\n')
                    .append("controller.listener.names=CONTROLLER\n")
                    .append("listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n")
                    .append("inter.broker.listener.name=PLAINTEXT\n")
                    .append("log.dirs=").append(dir.resolve("data")).append('\n')
                    .append("offsets.topic.replication.factor=1\noffsets.topic.num.partitions=4\n")
                    .append("transaction.state.log.replication.factor=1\ntransaction.state.log.min.isr=1\n")
                    .append("transaction.state.log.num.partitions=4\ngroup.initial.rebalance.delay.ms=0\n")
                    .append("auto.create.topics.enable=false\n");
            extra.forEach((k, v) -> p.append(k).append('=').append(v).append('\n'));
            Files.writeString(config(), p.toString());
            Process f = java("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
                    config().toString()).redirectOutput(dir.resolve("format.log").toFile())
                    .redirectErrorStream(true).start();
            if (!f.waitFor(120, TimeUnit.SECONDS) || f.exitValue() != 0) {
                throw new IllegalStateException("formatting the broker's storage failed; see " + dir.resolve("format.log"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts the broker process (again) and waits until it serves requests. */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("broker process is closed");
        }
        if (process != null && process.isAlive()) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            process = java("kafka.Kafka", config().toString())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady(Duration.ofSeconds(90));
        LOG.info("broker process {} ready at {} in {} ms", process.pid(), bootstrapServers(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** Stops the broker with SIGTERM (a clean shutdown) and waits for it to exit. */
    public synchronized void stop() {
        end(false);
    }

    /** Kills the broker with SIGKILL. */
    public synchronized void kill() {
        end(true);
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    private void end(boolean force) {
        if (process == null || !process.isAlive()) {
            return;
        }
        if (force) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> cfg = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("broker process exited with " + process.exitValue() + "; see "
                        + dir.resolve("broker.log"));
            }
            try (Admin admin = Admin.create(cfg)) {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                // not up yet
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("broker not ready within " + timeout + "; see " + dir.resolve("broker.log"));
    }

    private static ProcessBuilder java(String main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        if (Runtime.version().feature() >= 24) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        end(true);
    }
}
