package dev.hyperrec.connectors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away PostgreSQL server on a loopback port, made with the machine's own {@code initdb} and
 * {@code pg_ctl} (no Docker): a fresh cluster in a temporary directory, password authentication, one
 * database. PostgreSQL refuses to run as root; when this JVM is root, the server runs as the
 * {@code postgres} user through {@code runuser}. {@link #close()} stops the server (fast shutdown) and
 * deletes the cluster; it is idempotent, and a JVM shutdown hook calls it too.
 *
 * <p>Binaries: system property {@value #BIN_PROPERTY} or environment variable {@value #BIN_ENV} (a
 * folder holding {@code initdb} and {@code pg_ctl}), else {@code initdb} on the PATH, else the newest
 * {@code /usr/lib/postgresql/<major>/bin}.
 */
public final class PostgresServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    public static final String BIN_PROPERTY = "hyperrec.pg.bin";
    public static final String BIN_ENV = "HYPERREC_PG_BIN";
    /** The role and password of the cluster's superuser, and the database the sink writes to. */
    public static final String USER = "hyperrec";
    public static final String PASSWORD = "hyperrec";
    public static final String DATABASE = "hyperrec";

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgresUser;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostgresServer(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
        this.shutdownHook = new Thread(this::stop, "postgres-shutdown-" + port);
    }

    /** Creates a cluster, starts it on a free loopback port (or {@code port} when positive) and creates {@link #DATABASE}. */
    public static PostgresServer start(int port) {
        Path bin = locateBinaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        long t0 = System.nanoTime();
        Path dir;
        try {
            dir = Files.createTempDirectory("hyperrec-postgres-");
            Path pw = dir.resolve("pwfile");
            Files.writeString(pw, PASSWORD + "\n", StandardCharsets.UTF_8);
            if (root) {
                run(List.of("chown", "-R", "postgres:postgres", dir.toString()), dir, false, 30);
            }
            run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", USER,
                    "--pwfile=" + pw, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"), dir, root, 120);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a PostgreSQL cluster", e);
        }
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            int p = port > 0 ? port : freePort();
            PostgresServer server = new PostgresServer(bin, dir, p, root);
            try {
                // -k: the socket in our own directory (the default /var/run/postgresql may not be writable)
                run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
                        dir.resolve("postgres.log").toString(), "-w", "-t", "60", "-o",
                        "-h 127.0.0.1 -p " + p + " -k " + dir, "start"), dir, root, 90);
                Runtime.getRuntime().addShutdownHook(server.shutdownHook);
                try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + DATABASE);
                }
                LOG.info("PostgreSQL ready at 127.0.0.1:{} in {} ms (cluster {})", p,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), dir);
                return server;
            } catch (IllegalStateException | SQLException e) {
                last = new IllegalStateException("PostgreSQL did not start on port " + p + ": " + e.getMessage()
                        + "\n" + tail(dir.resolve("postgres.log")), e);
                server.stop();
                if (port > 0) {
                    break;
                }
            }
        }
        deleteRecursively(dir);
        throw last;
    }

    public int port() {
        checkOpen();
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/hyperrec}. */
    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /** A new connection to {@link #DATABASE} as {@link #USER}; the caller closes it. */
    public Connection connect() throws SQLException {
        return connect(DATABASE);
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, PASSWORD);
    }

    public Path logFile() {
        return dir.resolve("postgres.log");
    }

    @Override
    public void close() {
        if (closed.get()) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it stops the server itself
        }
        stop();
        deleteRecursively(dir);
    }

    private void stop() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w",
                    "stop"), dir, asPostgresUser, 60);
        } catch (RuntimeException e) {
            LOG.warn("pg_ctl stop failed: {}", e.getMessage());
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("PostgreSQL server on port " + port + " is closed");
        }
    }

    static Path locateBinaries() {
        String configured = System.getProperty(BIN_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(BIN_ENV);
        }
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured.trim());
            if (!Files.isExecutable(p.resolve("initdb"))) {
                throw new IllegalStateException("no executable initdb in " + p + " (from " + BIN_PROPERTY + "/" + BIN_ENV + ")");
            }
            return p;
        }
        for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path initdb = Path.of(entry.isEmpty() ? "." : entry, "initdb");
            if (Files.isExecutable(initdb) && Files.isExecutable(initdb.resolveSibling("pg_ctl"))) {
                return initdb.toAbsolutePath().getParent();
            }
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> majors = Files.list(debian)) {
                var newest = majors.map(m -> m.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparingInt(b -> parseMajor(b.getParent().getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL"
                + " (e.g. apt-get install postgresql) or set " + BIN_ENV + " to the folder holding them");
    }

    private static int parseMajor(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void run(List<String> command, Path workDir, boolean asPostgres, int timeoutSeconds) {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(command);
        try {
            Path out = Files.createTempFile("hyperrec-pg-cmd-", ".out");
            try {
                Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": "
                            + Files.readString(out).strip());
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", cmd), e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage().toLowerCase(Locale.ROOT) + ")";
        }
    }

    private static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", root, e.getMessage());
        }
    }
}
