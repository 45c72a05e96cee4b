package dev.hyperrec.connectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Connect standalone worker in this JVM: the same {@link ConnectStandalone} that
 * {@code connect-standalone.sh} runs, started from a worker configuration (connectors/config/
 * connect-standalone.properties) and driven through its REST API like any other worker. Plugins
 * (Debezium's JDBC sink, Apicurio's converter, hyperrec's row transform) load from {@code plugin.path}
 * in their own class loaders. {@link #close()} stops the worker; it is idempotent.
 */
public final class ConnectWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectWorker.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connect<StandaloneHerder> connect;
    private final URI rest;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ConnectWorker(Connect<StandaloneHerder> connect) {
        this.connect = connect;
        this.rest = connect.rest().advertisedUrl();
    }

    /** Starts a worker with these properties (bootstrap.servers, plugin.path, offset file, listeners, ...). */
    public static ConnectWorker start(Map<String, String> workerProps) {
        long t0 = System.nanoTime();
        Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(new LinkedHashMap<>(workerProps));
        ConnectWorker worker = new ConnectWorker(connect);
        LOG.info("Kafka Connect standalone worker ready at {} in {} ms", worker.rest,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return worker;
    }

    /** The worker's REST root, e.g. {@code http://127.0.0.1:37041/}. */
    public URI restUrl() {
        checkOpen();
        return rest;
    }

    /**
     * Creates (or replaces) a connector through {@code PUT /connectors/NAME/config} and waits until the
     * connector and all its tasks are RUNNING.
     *
     * @throws IllegalStateException when it fails or does not run within {@code timeout}, with the worker's trace
     */
    public void deploy(String name, Map<String, String> config, Duration timeout) throws InterruptedException {
        checkOpen();
        Map<String, String> cfg = new LinkedHashMap<>(config);
        cfg.put("name", name);
        long t0 = System.nanoTime();
        HttpResponse<String> put = send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/config"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(toJson(cfg))).build());
        if (put.statusCode() / 100 != 2) {
            throw new IllegalStateException("connector " + name + " was refused (HTTP " + put.statusCode() + "): " + put.body());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> st = send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/status")).GET().build());
            if (st.statusCode() == 200) {
                last = st.body();
                JsonNode status = readJson(last);
                String state = status.path("connector").path("state").asText();
                JsonNode tasks = status.path("tasks");
                boolean tasksRunning = tasks.size() > 0;
                for (JsonNode t : tasks) {
                    if ("FAILED".equals(t.path("state").asText())) {
                        throw new IllegalStateException("connector " + name + " task " + t.path("id").asInt() + " FAILED: "
                                + t.path("trace").asText());
                    }
                    tasksRunning &= "RUNNING".equals(t.path("state").asText());
                }
                if ("FAILED".equals(state)) {
                    throw new IllegalStateException("connector " + name + " FAILED: " + status.path("connector").path("trace").asText());
                }
                if ("RUNNING".equals(state) && tasksRunning) {
                    LOG.info("connector {} RUNNING with {} task(s) after {} ms", name, tasks.size(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("connector " + name + " not RUNNING within " + timeout + "; last status: " + last);
    }

    /** {@code GET /connectors/NAME/status} as JSON text. */
    public String status(String name) {
        checkOpen();
        return send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/status")).GET().build()).body();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("Connect REST call " + request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + request.method() + " " + request.uri(), e);
        }
    }

    private static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static JsonNode readJson(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException("Connect answered with invalid JSON: " + s, e);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Connect worker " + rest + " is closed");
        }
    }

    /** Stops the worker and its connectors; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        connect.stop();
        connect.awaitStop();
    }
}
