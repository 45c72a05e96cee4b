package dev.hyperrec.topology.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** The HTTP endpoint alone: status codes, bodies and content types, without Kafka. */
class MetricsServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(MetricsServer s, String path, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri(path));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthFollowsTheStreamsStateAndMetricsServeTheRegistry() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("hyperrec.test.counter").increment(3);
        AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.CREATED);
        try (MetricsServer s = MetricsServer.start("127.0.0.1", 0, registry,
                () -> new MetricsServer.Health(state.get(), 1234, "cpu", 0, 2))) {
            assertThat(s.address().getAddress().isLoopbackAddress()).isTrue();
            assertThat(s.address().getPort()).isPositive();

            for (KafkaStreams.State st : KafkaStreams.State.values()) {
                state.set(st);
                HttpResponse<String> r = get(s, MetricsServer.HEALTH_PATH, null);
                boolean up = st == KafkaStreams.State.RUNNING || st == KafkaStreams.State.REBALANCING;
                assertThat(r.statusCode()).as(st.name()).isEqualTo(up ? 200 : 503);
                assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
                assertThat(r.body().strip()).isEqualTo("{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"state\":\"" + st.name()
                        + "\",\"stateForMs\":1234,\"backend\":\"cpu\",\"fallbacks\":0,\"threadFailures\":2}");
            }

            HttpResponse<String> m = get(s, MetricsServer.METRICS_PATH, null);
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.headers().firstValue("Content-Type")).hasValue(MetricsServer.TEXT_004);
            assertThat(m.body()).contains("hyperrec_test_counter_total 3.0");

            HttpResponse<String> om = get(s, MetricsServer.METRICS_PATH, "application/openmetrics-text; version=1.0.0");
            assertThat(om.headers().firstValue("Content-Type")).hasValue(MetricsServer.OPENMETRICS);
            assertThat(om.body()).contains("hyperrec_test_counter_total 3.0").contains("# EOF");

            assertThat(get(s, "/nothing", null).statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(s.uri(MetricsServer.HEALTH_PATH))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void closeReleasesThePortAndIsIdempotent() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MetricsServer s = MetricsServer.start("127.0.0.1", 0, registry,
                () -> new MetricsServer.Health(KafkaStreams.State.RUNNING, 5, "cpu", 0, 0));
        int port = s.address().getPort();
        s.close();
        s.close();
        // the port can be bound again
        try (MetricsServer again = MetricsServer.start("127.0.0.1", port, registry,
                () -> new MetricsServer.Health(KafkaStreams.State.RUNNING, 5, "cpu", 0, 0))) {
            assertThat(get(again, MetricsServer.HEALTH_PATH, null).statusCode()).isEqualTo(200);
        }
        assertThatThrownBy(() -> MetricsServer.start("127.0.0.1", 70_000, registry,
                () -> new MetricsServer.Health(KafkaStreams.State.RUNNING, 5, "cpu", 0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    }
}
