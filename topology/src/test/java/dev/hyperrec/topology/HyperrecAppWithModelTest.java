package dev.hyperrec.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app whose model runs in an instance of its own hands back the lists' instance, which owns the model's: every way
 * of closing the lists' instance closes the model's too (a plain {@code close()} used to leave it running).
 */
class HyperrecAppWithModelTest {
    @TempDir
    Path dir;

    @Test
    void everyCloseOfTheListsInstanceClosesTheModelsInstance() {
        java.util.Map<String, Function<KafkaStreams, Boolean>> closes = new java.util.LinkedHashMap<>();
        closes.put("close()", s -> {
            s.close();
            return true;
        });
        closes.put("close(Duration)", s -> s.close(Duration.ofSeconds(10)));
        closes.put("close(CloseOptions)", s -> s.close(CloseOptions.timeout(Duration.ofSeconds(10))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)));
        closes.put("HyperrecApp.stop", s -> HyperrecApp.stop(s, Duration.ofSeconds(10)));
        for (var close : closes.entrySet()) {
            KafkaStreams model = new KafkaStreams(topology(), props("model-" + close.getKey().hashCode()));
            KafkaStreams lists = new HyperrecApp.WithModel(topology(), props("lists-" + close.getKey().hashCode()), model);
            assertThat(HyperrecApp.model(lists)).isSameAs(model);
            assertThat(close.getValue().apply(lists)).as(close.getKey()).isTrue();
            assertThat(lists.state()).as(close.getKey()).isEqualTo(KafkaStreams.State.NOT_RUNNING);
            assertThat(model.state()).as("the model's instance after %s of the lists'", close.getKey())
                    .isEqualTo(KafkaStreams.State.NOT_RUNNING);
        }
    }

    @Test
    void aPlainInstanceHasNoModelOfItsOwn() {
        try (KafkaStreams plain = new KafkaStreams(topology(), props("plain"))) {
            assertThat(HyperrecApp.model(plain)).isNull();
        }
    }

    private static Topology topology() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in").to("out");
        return b.build();
    }

    private Properties props(String id) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "with-model-test-" + id);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"); // never started: no broker is contacted
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve(id).toString());
        return p;
    }
}
