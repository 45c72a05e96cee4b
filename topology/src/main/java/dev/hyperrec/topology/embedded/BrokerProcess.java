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
    /**
     * The broker's backoff before it retries adding a partition to a transaction (transactions v2: on the transaction's
     * first produce to it) while the partition's previous transaction is still being completed: 1 ms here, 20 ms by
     * default. With commits every few tens of milliseconds a commit's flush waited for these retries (docs/operations.md,
     * "Brokers").
     */
    public static final String ADD_PARTITIONS_RETRY_BACKOFF = "add.partitions.to.txn.retry.backoff.ms";
    public static final String ADD_PARTITIONS_RETRY_BACKOFF_MS = "1";
    /**
     * How long the broker keeps retrying that add before it fails the produce with {@code CONCURRENT_TRANSACTIONS}: 2 s
     * here, 100 ms by default. A failed first produce makes the requests pipelined behind it fail with
     * {@code OUT_OF_ORDER_SEQUENCE_NUMBER}, and the producer retries them all (docs/operations.md, "Brokers").
     */
    public static final String ADD_PARTITIONS_RETRY_MAX = "add.partitions.to.txn.retry.backoff.max.ms";
    public static final String ADD_PARTITIONS_RETRY_MAX_MS = "2000";

    private static final Logger LOG = LoggerFactory.getLogger(BrokerProcess.class);
    private final Path dir;
    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> extra;
    private final Security security;
    private Process process;
    private boolean closed;

    private BrokerProcess(Path dir, int brokerPort, int controllerPort, Map<String, String> extra, Security security) {
        this.dir = dir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.extra = extra;
        this.security = security;
    }

    /**
     * SASL_SSL with SCRAM-SHA-512 on the client listener, ACLs enforced (StandardAuthorizer, deny when
     * no ACL matches). {@code users} are SCRAM users (name → password) created at format time; the
     * first is the super user the broker itself uses between its listeners. A self-signed key pair
     * for 127.0.0.1 is generated with keytool into the broker's directory.
     */
    public record Security(Map<String, String> users, String storePassword) {
        public String superUser() {
            return users.keySet().iterator().next();
        }
    }

    /** Formats a new single-node cluster in {@code dir} and starts it (PLAINTEXT). */
    public static BrokerProcess create(Path dir, Map<String, String> brokerProps) {
        BrokerProcess b = new BrokerProcess(dir, freePort(), freePort(), brokerProps, null);
        b.format();
        b.start();
        return b;
    }

    /** Formats and starts a broker whose client listener is SASL_SSL / SCRAM-SHA-512 with ACLs. */
    public static BrokerProcess createSecure(Path dir, Security security, Map<String, String> brokerProps) {
        BrokerProcess b = new BrokerProcess(dir, freePort(), freePort(), brokerProps, security);
        b.format();
        b.start();
        return b;
    }

    /** Where the truststore (PKCS12) that trusts this broker's certificate is. */
    public Path truststore() {
        return dir.resolve("truststore.p12");
    }

    /**
     * Client properties for {@code user} on this broker: PLAINTEXT for a plain broker, else SASL_SSL
     * with SCRAM-SHA-512 and the broker's truststore.
     */
    public Map<String, Object> clientConfig(String user, String password) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("bootstrap.servers", bootstrapServers());
        if (security != null) {
            m.put("security.protocol", "SASL_SSL");
            m.put("sasl.mechanism", "SCRAM-SHA-512");
            m.put("sasl.jaas.config", jaas(user, password));
            m.put("ssl.truststore.location", truststore().toString());
            m.put("ssl.truststore.password", security.storePassword());
            m.put("ssl.truststore.type", "PKCS12");
        }
        return m;
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
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
            String client = security == null ? "PLAINTEXT" : "SASL_SSL";
            p.append("process.roles=broker,controller\nnode.id=1\n")
                    .append("controller.quorum.voters=1@127.0.0.1:").append(controllerPort).append('\n')
                    .append("listeners=").append(client).append("://127.0.0.1:").append(brokerPort)
                    .append(",CONTROLLER://127.0.0.1:").append(controllerPort).append('\n')
                    .append("advertised.listeners=").append(client).append("://127.0.0.1:").append(brokerPort).append('\n')
                    .append("controller.listener.names=CONTROLLER\n")
                    .append("listener.security.protocol.map=").append(client).append(':').append(client)
                    .append(",CONTROLLER:PLAINTEXT\n")
                    .append("inter.broker.listener.name=").append(client).append('\n')
                    .append("log.dirs=").append(dir.resolve("data")).append('\n')
                    .append("offsets.topic.replication.factor=1\noffsets.topic.num.partitions=4\n")
                    .append("transaction.state.log.replication.factor=1\ntransaction.state.log.min.isr=1\n")
                    .append("transaction.state.log.num.partitions=4\ngroup.initial.rebalance.delay.ms=0\n")
                    .append("auto.create.topics.enable=false\n")
                    // see ADD_PARTITIONS_RETRY_BACKOFF; a key given in extra comes later in the file and wins
                    .append(ADD_PARTITIONS_RETRY_BACKOFF).append('=').append(ADD_PARTITIONS_RETRY_BACKOFF_MS).append('\n')
                    .append(ADD_PARTITIONS_RETRY_MAX).append('=').append(ADD_PARTITIONS_RETRY_MAX_MS).append('\n');
            List<String> format = new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c",
                    config().toString()));
            if (security != null) {
                makeKeyStores();
                String pw = security.storePassword();
                Path ks = dir.resolve("broker.p12");
                p.append("sasl.enabled.mechanisms=SCRAM-SHA-512\n")
                        .append("sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512\n")
                        .append("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=")
                        .append(jaas(security.superUser(), security.users().get(security.superUser()))).append('\n')
                        .append("ssl.keystore.location=").append(ks).append("\nssl.keystore.type=PKCS12\n")
                        .append("ssl.keystore.password=").append(pw).append("\nssl.key.password=").append(pw).append('\n')
                        .append("ssl.truststore.location=").append(truststore()).append("\nssl.truststore.type=PKCS12\n")
                        .append("ssl.truststore.password=").append(pw).append('\n')
                        .append("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n")
                        .append("allow.everyone.if.no.acl.found=false\n")
                        // the broker's own requests to its controller arrive on the loopback-only
                        // PLAINTEXT controller listener as ANONYMOUS
                        .append("super.users=User:").append(security.superUser()).append(";User:ANONYMOUS\n");
                security.users().forEach((user, password) -> {
                    format.add("--add-scram");
                    format.add("SCRAM-SHA-512=[name=" + user + ",password=" + password + "]");
                });
            }
            extra.forEach((k, v) -> p.append(k).append('=').append(v).append('\n'));
            Files.writeString(config(), p.toString());
            Process f = java("kafka.tools.StorageTool", format.toArray(String[]::new))
                    .redirectOutput(dir.resolve("format.log").toFile()).redirectErrorStream(true).start();
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

    private void makeKeyStores() throws IOException, InterruptedException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        String pw = security.storePassword();
        String ks = dir.resolve("broker.p12").toString();
        String crt = dir.resolve("broker.crt").toString();
        run(keytool, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "30", "-keystore", ks, "-storetype", "PKCS12",
                "-storepass", pw, "-keypass", pw);
        run(keytool, "-exportcert", "-alias", "broker", "-keystore", ks, "-storepass", pw, "-file", crt);
        run(keytool, "-importcert", "-noprompt", "-alias", "broker", "-file", crt, "-keystore", truststore().toString(),
                "-storetype", "PKCS12", "-storepass", pw);
    }

    private void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("keytool.log").toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(cmd[1] + " failed; see " + dir.resolve("keytool.log"));
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
            Process started = process;
            // a harness that is itself terminated must not leave a broker behind
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "broker-process-reaper"));
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
        Map<String, Object> cfg = new java.util.HashMap<>(security == null ? clientConfig(null, null)
                : clientConfig(security.superUser(), security.users().get(security.superUser())));
        cfg.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        cfg.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("broker process exited with " + process.exitValue() + "; see "
                        + dir.resolve("broker.log"));
            }
            if (!listening()) {
                sleep(100);
                continue;
            }
            try (Admin admin = Admin.create(cfg)) {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                // not up yet
            }
            sleep(250);
        }
        throw new IllegalStateException("broker not ready within " + timeout + "; see " + dir.resolve("broker.log"));
    }

    /** A plain TCP probe first, so the admin client does not log a warning per attempt while the JVM starts. */
    private boolean listening() {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", brokerPort), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The broker JVM's heap and collector flags: {@code -Xmx512m} and the serial collector (which suits a small machine
     * but stops the broker for each collection), then the whitespace-separated flags of {@code HYPERREC_BROKER_JAVA_OPTS}
     * ({@code extra}; a later {@code -Xmx} wins, and a collector named there replaces the serial one: the JVM refuses two).
     */
    static List<String> memoryFlags(String extra) {
        List<String> flags = new ArrayList<>();
        flags.add("-Xmx512m");
        List<String> more = extra == null || extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
        if (more.stream().noneMatch(o -> o.matches("-XX:\\+Use\\w+GC"))) {
            flags.add("-XX:+UseSerialGC");
        }
        flags.addAll(more);
        return flags;
    }

    private static ProcessBuilder java(String main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(memoryFlags(System.getenv("HYPERREC_BROKER_JAVA_OPTS")));
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
