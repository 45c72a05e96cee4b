package dev.hyperrec.topology.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The app's HTTP endpoint (the JDK's {@code com.sun.net.httpserver}, one daemon thread):
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus scrape (text format 0.0.4, or OpenMetrics when the
 *       scraper asks for it in {@code Accept});</li>
 *   <li>{@code GET /health}: the Kafka Streams state as JSON; 200 while {@code RUNNING} or
 *       {@code REBALANCING}, 503 otherwise (starting, shutting down, failed).</li>
 * </ul>
 * Binds where {@code hyperrec.metrics.host}/{@code .port} say (loopback by default).
 * {@link #close()} is idempotent.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    public static final String METRICS_PATH = "/metrics";
    public static final String HEALTH_PATH = "/health";
    static final String TEXT_004 = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /**
     * What {@code /health} reports: the Streams state and for how long it has held ({@code stateForMs}:
     * a REBALANCING that does not end, e.g. because no broker answers, shows here), the backend, its
     * CPU fallbacks and the replaced stream threads.
     */
    public record Health(KafkaStreams.State state, long stateForMs, String backend, long fallbacks, long threadFailures) {
        public Health {
            Objects.requireNonNull(state, "state");
        }

        /** RUNNING and REBALANCING serve (a rebalance is routine); every other state does not. */
        public boolean healthy() {
            return state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        }

        public String json() {
            return "{\"status\":\"" + (healthy() ? "UP" : "DOWN") + "\",\"state\":\"" + state.name()
                    + "\",\"stateForMs\":" + stateForMs + ",\"backend\":\"" + backend + "\",\"fallbacks\":" + fallbacks
                    + ",\"threadFailures\":" + threadFailures + "}";
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private final Supplier<Health> health;
    private volatile boolean closed;

    private MetricsServer(HttpServer server, ExecutorService executor, PrometheusMeterRegistry registry, Supplier<Health> health) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
        this.health = health;
    }

    /** Binds {@code host:port} (port 0: any free port) and starts serving. */
    public static MetricsServer start(String host, int port, PrometheusMeterRegistry registry, Supplier<Health> health)
            throws IOException {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(health, "health");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("metrics port must be in [0, 65535], was " + port);
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hyperrec-metrics-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        MetricsServer s = new MetricsServer(http, executor, registry, health);
        http.createContext("/", s::handle);
        http.start();
        LOG.info("metrics and health endpoint at {} ({} and {})", s.uri(""), METRICS_PATH, HEALTH_PATH);
        return s;
    }

    /** The bound address (with the actual port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://host:port<path>}. */
    public URI uri(String path) {
        InetSocketAddress a = address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort() + path);
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
                return;
            }
            switch (path) {
                case METRICS_PATH -> {
                    String accept = ex.getRequestHeaders().getFirst("Accept");
                    boolean om = accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text");
                    String type = om ? OPENMETRICS : TEXT_004;
                    send(ex, 200, type, registry.scrape(type));
                }
                case HEALTH_PATH -> {
                    Health h = health.get();
                    send(ex, h.healthy() ? 200 : 503, "application/json", h.json() + "\n");
                }
                case "/" -> send(ex, 200, "text/plain; charset=utf-8", "hyperrec: " + METRICS_PATH + " " + HEALTH_PATH + "\n");
                default -> send(ex, 404, "text/plain; charset=utf-8", "not found: " + path + "\n");
            }
        } catch (RuntimeException e) {
            LOG.warn("metrics endpoint: {} failed", ex.getRequestURI(), e);
            try {
                send(ex, 500, "text/plain; charset=utf-8", "internal error: " + e + "\n");
            } catch (IOException | RuntimeException ignored) {
                // the response had already started; the client sees a truncated body
            }
        } finally {
            ex.close();
        }
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
    }
}
