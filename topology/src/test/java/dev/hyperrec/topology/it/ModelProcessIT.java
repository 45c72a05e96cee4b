package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.internal.NeighbourCodecs;
import dev.hyperrec.topology.tools.ModelProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One application split over two JVMs on a real broker and registry: this one runs the lists ({@code hyperrec.role=lists}),
 * a child JVM the item-to-item model ({@code hyperrec.role=model}, the production entry point on a properties file, as
 * {@code scripts/gpu-pipeline.sh} runs it under {@code nice} with {@code GPU_PIPELINE_MODEL_NICE=N}). The co-occurrence
 * increments the lists send reach the child, its neighbour lists come back through {@code item-neighbours} into this
 * instance's view; the child leaves its group when stopped, the lists go on without it, and a new model process resumes
 * where the group's commits left off.
 */
@ExtendWith(KafkaInfra.class)
class ModelProcessIT {

    @Test
    void theModelInAJvmOfItsOwnPublishesTheListsTheListsInstanceReadsAndCanStopAndResumeAlone(KafkaInfra.Infra infra, @TempDir Path dir)
            throws Exception {
        String prefix = "modelProcess.";
        HyperrecConfig config = ItSupport.config(infra, prefix, Map.of(HyperrecConfig.EMBEDDING_DIM, 8,
                HyperrecConfig.BATCH_MAX_EVENTS, 16, HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 200,
                HyperrecConfig.NEIGHBOURS_EMIT_INTERVAL_MS, 0, HyperrecConfig.NEIGHBOURS_COMMIT_INTERVAL_MS, 200));
        String bootstrap = infra.bootstrapServers();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicSetup.ensure(admin, prefix, 2, (short) 1);
        }
        Properties pp = ItSupport.producerProps(bootstrap);
        var serdeConfig = config.serdeConfig();
        try (KafkaProducer<String, CatalogItem> p = new KafkaProducer<>(pp, new StringSerializer(),
                AvroSerdes.forClass(CatalogItem.class, serdeConfig, false).serializer())) {
            for (int i = 0; i < 24; i++) {
                CatalogItem item = Fixtures.axisItem(i);
                p.send(new ProducerRecord<>(config.topic(Topics.CATALOG), item.getItemId(), item));
            }
        }
        long i0 = ItemKeys.hash64("i0");
        String modelGroup = config.modelStreamsProperties().getProperty("application.id");
        ModelProcess model = ModelProcess.start(config, dir.resolve("model"), 5, "512m", Duration.ofSeconds(120));
        try (HyperrecRuntime runtime = HyperrecRuntime.create(config.with(HyperrecConfig.ROLE, "lists"))) {
            KafkaStreams lists = HyperrecApp.start(runtime);
            try {
                ItSupport.awaitRunning(lists);
                assertThat(HyperrecApp.model(lists)).as("the lists' role starts no model of its own").isNull();
                try (KafkaProducer<String, InteractionEvent> p = eventProducer(pp, serdeConfig)) {
                    coClick(p, config, "u", 5, 0);
                }
                // only the child aggregates: its list of i0 comes back through item-neighbours ...
                assertThat(occurrencesPublished(bootstrap, config, i0, 5)).as("i0's occurrences on item-neighbours").contains(5L);
                // ... into this instance's view (the model publishes as counts arrive: an earlier list of i0 may show a
                // co-clicked item before all its clicks are counted, with a similarity below 1)
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while ((runtime.neighbours().get(i0) == null || runtime.neighbours().get(i0).size() < 2
                        || runtime.neighbours().similarity(i0, ItemKeys.hash64("i9")) != 1f
                        || runtime.neighbours().similarity(i0, ItemKeys.hash64("i18")) != 1f)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(runtime.neighbours().similarity(i0, ItemKeys.hash64("i9"))).isEqualTo(1f);
                assertThat(runtime.neighbours().similarity(i0, ItemKeys.hash64("i18"))).isEqualTo(1f);
                assertThat(members(bootstrap, modelGroup)).as("the model's group is the child alone").hasSize(1);
                assertThat(model.isAlive()).isTrue();

                // the model stops: SIGTERM closes the child's Streams, which leaves the group
                model.close();
                assertThat(model.isAlive()).isFalse();
                assertThat(members(bootstrap, modelGroup)).isEmpty();
                // the lists go on without it: three more users co-click, and another user's click gets its list
                try (KafkaProducer<String, InteractionEvent> p = eventProducer(pp, serdeConfig)) {
                    int t = coClick(p, config, "v", 3, 100);
                    p.send(new ProducerRecord<>(config.topic(Topics.INTERACTIONS), "zed",
                            Fixtures.event("zed1", "zed", "i0", InteractionType.CLICK, 1, t)));
                    p.flush();
                }
                assertThat(ItSupport.readUntil(bootstrap, config.topic(Topics.RECOMMENDATIONS), new StringDeserializer(),
                        AvroSerdes.forClass(Recommendations.class, serdeConfig, false).deserializer(),
                        l -> l.stream().anyMatch(r -> r.value().getRecommendationId().equals("evt:zed1")), Duration.ofSeconds(60)))
                        .as("zed's list, made while no model runs").anyMatch(r -> r.value().getRecommendationId().equals("evt:zed1"));
                assertThat(lists.state()).isEqualTo(KafkaStreams.State.RUNNING);

                // a new model process resumes from its group's committed offsets: i0's list now counts the nine users
                // who clicked it (the five before the stop, the three after it and zed), no increment lost or counted twice
                model = ModelProcess.start(config, dir.resolve("model"), 5, "512m", Duration.ofSeconds(120));
                assertThat(occurrencesPublished(bootstrap, config, i0, 9)).as("i0's occurrences on item-neighbours").contains(9L)
                        .allMatch(n -> n <= 9);
            } finally {
                HyperrecApp.stop(lists, Duration.ofSeconds(30));
            }
        } finally {
            model.close();
        }
        assertThat(model.isAlive()).isFalse();
    }

    private static KafkaProducer<String, InteractionEvent> eventProducer(Properties pp, Map<String, Object> serdeConfig) {
        return new KafkaProducer<>(pp, new StringSerializer(), AvroSerdes.forClass(InteractionEvent.class, serdeConfig, false)
                .serializer());
    }

    /**
     * Users {@code prefix}0 … {@code prefix}(n-1) each click i0, i9 and i18, event times from {@code t}; flushed.
     * Returns the next event time.
     */
    private static int coClick(KafkaProducer<String, InteractionEvent> p, HyperrecConfig config, String prefix, int n, int t) {
        for (int u = 0; u < n; u++) {
            for (String item : List.of("i0", "i9", "i18")) {
                p.send(new ProducerRecord<>(config.topic(Topics.INTERACTIONS), prefix + u,
                        Fixtures.event(prefix + u + item, prefix + u, item, InteractionType.CLICK, 1, t++)));
            }
        }
        p.flush();
        return t;
    }

    private static java.util.Collection<org.apache.kafka.clients.admin.MemberDescription> members(String bootstrap, String group)
            throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).members();
        }
    }

    /** Every occurrence count published for {@code item} on item-neighbours, read until {@code until} is among them. */
    private static List<Long> occurrencesPublished(String bootstrap, HyperrecConfig config, long item, long until) {
        return ItSupport.readUntil(bootstrap, config.topic(Topics.ITEM_NEIGHBOURS), new ByteArrayDeserializer(),
                        new ByteArrayDeserializer(), l -> l.stream().anyMatch(r -> NeighbourCodecs.key(r.key()) == item
                                && NeighbourCodecs.list(r.value()).occurrences() == until), Duration.ofSeconds(60))
                .stream().filter(r -> NeighbourCodecs.key(r.key()) == item).map(r -> NeighbourCodecs.list(r.value()).occurrences())
                .toList();
    }
}
