package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.engine.EventWeights;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code hyperrec.recs.coalesce} on a real broker, across a stop and a restart on an empty state directory: a backlog of
 * 3,000 events over 30 users (full batches), drained partly, then to the end after the restart. A read_committed
 * consumer sees each list once, every list is a triggering event's, each user's lists come in the order of its events,
 * every user's last triggering event has its own list (so every earlier one is covered by a list at or after it), and
 * there are fewer lists than triggering events.
 */
@ExtendWith(KafkaInfra.class)
class CoalescedListsIT {
    private static final int PARTITIONS = 2;

    @Test
    void everyTriggeringEventIsCoveredOnceByItsUsersListAtOrAfterIt(KafkaInfra.Infra infra) throws Exception {
        List<InteractionEvent> events = Fixtures.randomStream(3000, 30, 40, 9);
        Map<String, Integer> position = new HashMap<>();
        Map<String, String> lastTrigger = new HashMap<>();
        Map<String, String> userOf = new HashMap<>();
        int triggering = 0;
        for (int i = 0; i < events.size(); i++) {
            InteractionEvent e = events.get(i);
            if (EventWeights.triggers(e.getType())) {
                String id = "evt:" + e.getEventId();
                position.put(id, i);
                userOf.put(id, e.getUserId());
                lastTrigger.put(e.getUserId(), id);
                triggering++;
            }
        }
        Map<String, Object> overrides = Map.of(HyperrecConfig.EMBEDDING_DIM, 8, HyperrecConfig.BATCH_MAX_EVENTS, 50,
                HyperrecConfig.BATCH_FLUSH_INTERVAL_MS, 200, HyperrecConfig.RECS_COALESCE, true);
        HyperrecConfig c = ItSupport.config(infra, "coalesce.", overrides);
        ItSupport.prepareAxisCatalog(infra.bootstrapServers(), c, PARTITIONS, 40);
        ItSupport.publishEvents(infra.bootstrapServers(), c, events);

        Set<String> lastIds = new HashSet<>(lastTrigger.values());
        Predicate<List<ConsumerRecord<String, Recommendations>>> allCovered =
                l -> l.stream().map(r -> r.value().getRecommendationId()).filter(lastIds::contains).distinct().count() == lastIds.size();
        try (HyperrecRuntime rt = HyperrecRuntime.create(c)) {
            KafkaStreams s = HyperrecApp.start(rt);
            try {
                ItSupport.awaitRunning(s);
                read(infra, c, l -> l.size() >= 150, Duration.ofMinutes(2));
            } finally {
                assertThat(HyperrecApp.stop(s, Duration.ofSeconds(30))).as("first run stopped in 30 s").isTrue();
            }
        }
        HyperrecConfig restarted = c.with("state.dir", Files.createTempDirectory("hyperrec-it-coalesce-").toString());
        try (HyperrecRuntime rt = HyperrecRuntime.create(restarted)) {
            KafkaStreams s = HyperrecApp.start(rt);
            try {
                ItSupport.awaitRunning(s);
                List<ConsumerRecord<String, Recommendations>> got = read(infra, restarted, allCovered, Duration.ofMinutes(3));
                assertThat(allCovered.test(got)).as("every user's last triggering event has its list, %d lists so far", got.size())
                        .isTrue();
            } finally {
                assertThat(HyperrecApp.stop(s, Duration.ofSeconds(30))).as("restarted run stopped in 30 s").isTrue();
            }
        }
        // everything committed by both runs (nothing can match: reads until the timeout)
        List<ConsumerRecord<String, Recommendations>> lists = read(infra, c, l -> false, Duration.ofSeconds(3));

        List<String> ids = lists.stream().map(r -> r.value().getRecommendationId()).toList();
        assertThat(new HashSet<>(ids)).as("each list once").hasSameSizeAs(ids);
        assertThat(ids).as("lists of triggering events only").allMatch(position::containsKey);
        assertThat(ids).containsAll(lastIds);
        assertThat(ids.size()).as("lists, of %d triggering events", triggering).isLessThan(triggering * 3 / 4).isGreaterThan(30);
        Map<String, Integer> lastSeen = new HashMap<>();
        List<String> outOfOrder = new ArrayList<>();
        for (ConsumerRecord<String, Recommendations> r : lists) {
            String id = r.value().getRecommendationId();
            assertThat(r.key()).isEqualTo(userOf.get(id));
            Integer before = lastSeen.put(r.key(), position.get(id));
            if (before != null && before > position.get(id)) {
                outOfOrder.add(id);
            }
        }
        assertThat(outOfOrder).as("a user's lists in the order of its events").isEmpty();
    }

    private static List<ConsumerRecord<String, Recommendations>> read(KafkaInfra.Infra infra, HyperrecConfig c,
            Predicate<List<ConsumerRecord<String, Recommendations>>> done, Duration timeout) {
        var de = AvroSerdes.forClass(Recommendations.class, c.serdeConfig(), false).deserializer();
        return ItSupport.readUntil(infra.bootstrapServers(), c.topic(Topics.RECOMMENDATIONS), new StringDeserializer(), de,
                done::test, timeout);
    }
}
