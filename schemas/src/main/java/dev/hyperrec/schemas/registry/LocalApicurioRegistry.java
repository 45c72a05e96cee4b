package dev.hyperrec.schemas.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local Apicurio Registry 2.6.x (in-memory storage) run as a child JVM, for integration tests and the demo
 * on machines without Docker. It serves Confluent's REST API at {@link #ccompatUrl()}; note that its schema ids
 * are Apicurio content ids.
 *
 * <p>{@link #start(Path)} launches {@code <java.home>/bin/java -Xmx384m … -Dquarkus.http.port=<free port>
 * -Dquarkus.http.host=127.0.0.1 -jar <dir>/apicurio-registry-app-*-runner.jar}, writes its output to
 * {@link #logFile()} and returns once {@code GET /apis/ccompat/v7/subjects} answers 200 (at most
 * {@link #STARTUP_TIMEOUT}). {@link #close()} stops the process and its descendants; it is idempotent, and a
 * JVM shutdown hook calls it too. Data is lost on close.
 *
 * <p>The unpacked distribution ({@code io.apicurio:apicurio-registry-app:2.6.13.Final:zip:all}) is found by
 * {@link #locate()}; the schemas module's build unpacks it to {@code schemas/target/apicurio}.
 */
public final class LocalApicurioRegistry implements AutoCloseable {

  /** System property naming the unpacked Apicurio Registry directory. */
  public static final String DIR_PROPERTY = "hyperrec.registry.dir";
  /** Environment variable naming the unpacked Apicurio Registry directory (after the system property). */
  public static final String DIR_ENV = "HYPERREC_REGISTRY_DIR";
  public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  /** Path of Confluent's API below the registry's root. */
  public static final String CCOMPAT_PATH = "/apis/ccompat/v7";

  private static final Logger LOG = LoggerFactory.getLogger(LocalApicurioRegistry.class);
  private static final int PORT_ATTEMPTS = 3;

  private final Process process;
  private final int port;
  private final Path workDir;
  private final Path logFile;
  private final Thread shutdownHook;
  private final AtomicBoolean closed = new AtomicBoolean();

  private LocalApicurioRegistry(Process process, int port, Path workDir, Path logFile) {
    this.process = process;
    this.port = port;
    this.workDir = workDir;
    this.logFile = logFile;
    this.shutdownHook = new Thread(this::stopProcess, "apicurio-registry-shutdown-" + port);
  }

  /**
   * Resolves the unpacked Apicurio Registry directory: system property {@value #DIR_PROPERTY}, else environment
   * variable {@value #DIR_ENV}.
   *
   * @throws IllegalStateException when neither is set, saying how to get the distribution
   */
  public static Path locate() {
    String dir = System.getProperty(DIR_PROPERTY);
    String source = "system property " + DIR_PROPERTY;
    if (dir == null || dir.isBlank()) {
      dir = System.getenv(DIR_ENV);
      source = "environment variable " + DIR_ENV;
    }
    if (dir == null || dir.isBlank()) {
      throw new IllegalStateException("No Apicurio Registry directory: set system property " + DIR_PROPERTY
          + " or environment variable " + DIR_ENV + " to an unpacked io.apicurio:apicurio-registry-app:2.6.13.Final"
          + ":zip:all (the folder holding apicurio-registry-app-2.6.13.Final-runner.jar). `mvn -pl schemas"
          + " generate-resources` unpacks it to schemas/target/apicurio; the schemas module's failsafe ITs set the"
          + " property themselves.");
    }
    Path path = Path.of(dir.trim()).toAbsolutePath();
    if (!Files.isDirectory(path)) {
      throw new IllegalStateException("Apicurio Registry directory " + path + " (from " + source
          + ") does not exist; run `mvn -pl schemas generate-resources` to unpack it");
    }
    return path;
  }

  /** Starts a registry from the distribution at {@code apicurioDir} and waits until it serves requests. */
  public static LocalApicurioRegistry start(Path apicurioDir) {
    Path jar = runnerJar(apicurioDir);
    Path java = Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java");
    Path workDir;
    try {
      workDir = Files.createTempDirectory("hyperrec-apicurio-");
      Files.createDirectories(workDir.resolve("tmp"));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a work directory for Apicurio Registry", e);
    }
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      int port = freePort();
      Path log = workDir.resolve("registry-" + port + ".log");
      List<String> command = command(java, jar, port, workDir.resolve("tmp"));
      Process process;
      try {
        process = new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot launch " + String.join(" ", command), e);
      }
      LocalApicurioRegistry registry = new LocalApicurioRegistry(process, port, workDir, log);
      Runtime.getRuntime().addShutdownHook(registry.shutdownHook);
      long startNanos = System.nanoTime();
      try {
        registry.awaitReady();
        LOG.info("Apicurio Registry ready at {} in {} ms (pid {}, log {})", registry.ccompatUrl(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), process.pid(), log);
        return registry;
      } catch (IllegalStateException e) {
        registry.close();
        last = e;
        if (!tail(log, 200).contains("in use")) {
          break;
        }
        LOG.warn("Port {} was taken before Apicurio Registry bound it; retrying", port);
      }
    }
    throw last;
  }

  /** Port on 127.0.0.1. */
  public int port() {
    checkOpen();
    return port;
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String baseUrl() {
    checkOpen();
    return "http://127.0.0.1:" + port;
  }

  /** Confluent-compatible API root, {@code http://127.0.0.1:PORT/apis/ccompat/v7}: the Serdes' registry URL. */
  public String ccompatUrl() {
    return baseUrl() + CCOMPAT_PATH;
  }

  /** The registry's console output. It stays after {@link #close()} for diagnosis. */
  public Path logFile() {
    return logFile;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isRunning() {
    return !closed.get() && process.isAlive();
  }

  /** Stops the registry (and any process it started); idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or about to: it stops the process itself
    }
    stopProcess();
    deleteRecursively(workDir.resolve("tmp"));
  }

  @Override
  public String toString() {
    return "LocalApicurioRegistry{port=" + port + ", pid=" + process.pid() + ", running=" + isRunning() + "}";
  }

  /** Runs a registry until the JVM is stopped: {@code java -cp … LocalApicurioRegistry [dir]}. */
  public static void main(String[] args) throws InterruptedException {
    Path dir = args.length > 0 ? Path.of(args[0]) : locate();
    LocalApicurioRegistry registry = start(dir);
    System.out.println(registry.ccompatUrl());
    System.out.flush();
    registry.process.waitFor();
  }

  // ---------------------------------------------------------------------------------------------------------

  private static List<String> command(Path java, Path jar, int port, Path tmp) {
    List<String> c = new ArrayList<>();
    c.add(java.toString());
    // a small, quick-starting JVM: tests and demos keep a handful of schemas
    c.add("-Xms64m");
    c.add("-Xmx384m");
    c.add("-Xss512k");
    c.add("-XX:+UseSerialGC");
    c.add("-XX:TieredStopAtLevel=1");
    c.add("-XX:ReservedCodeCacheSize=64m");
    c.add("-XX:CICompilerCount=2");
    c.add("-Djava.io.tmpdir=" + tmp);
    c.add("-Dquarkus.http.port=" + port);
    c.add("-Dquarkus.http.host=127.0.0.1");
    c.add("-Dquarkus.banner.enabled=false");
    c.add("-Dquarkus.vertx.event-loops-pool-size=2");
    c.add("-Dquarkus.thread-pool.core-threads=2");
    c.add("-Dquarkus.thread-pool.max-threads=16");
    c.add("-jar");
    c.add(jar.toString());
    return c;
  }

  private static Path runnerJar(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalStateException("Apicurio Registry directory " + dir + " does not exist; run `mvn -pl schemas"
          + " generate-resources` to unpack io.apicurio:apicurio-registry-app:2.6.13.Final:zip:all");
    }
    List<Path> jars = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "apicurio-registry-app-*-runner.jar")) {
      ds.forEach(jars::add);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    }
    if (jars.isEmpty()) {
      throw new IllegalStateException("No apicurio-registry-app-*-runner.jar in " + dir.toAbsolutePath()
          + "; it should hold the unpacked io.apicurio:apicurio-registry-app:2.6.13.Final:zip:all");
    }
    if (!Files.isDirectory(dir.resolve("lib"))) {
      throw new IllegalStateException("No lib/ next to " + jars.get(0) + "; the Apicurio zip was not fully unpacked");
    }
    jars.sort(Comparator.naturalOrder());
    return jars.get(jars.size() - 1).toAbsolutePath();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free port on 127.0.0.1", e);
    }
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + CCOMPAT_PATH + "/subjects"))
        .timeout(Duration.ofSeconds(5)).GET().build();
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    int lastStatus = -1;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Apicurio Registry exited with status " + process.exitValue()
            + " before it was ready; log " + logFile + ":\n" + tail(logFile, 40));
      }
      try {
        HttpResponse<Void> r = http.send(probe, HttpResponse.BodyHandlers.discarding());
        lastStatus = r.statusCode();
        if (lastStatus == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for Apicurio Registry", e);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for Apicurio Registry", e);
      }
    }
    throw new IllegalStateException("Apicurio Registry not ready after " + STARTUP_TIMEOUT.toSeconds()
        + " s (last status " + lastStatus + "); log " + logFile + ":\n" + tail(logFile, 40));
  }

  private void stopProcess() {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    descendants.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("LocalApicurioRegistry on port " + port + " is closed");
    }
  }

  private static String tail(Path file, int lines) {
    try {
      List<String> all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: it lives under the system temp directory
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static boolean isWindows() {
    return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
  }
}
