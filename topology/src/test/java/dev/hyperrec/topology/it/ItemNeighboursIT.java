package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.topology.DeadLetter;
import dev.hyperrec.topology.Fixtures;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.engine.NeighbourTable;
import dev.hyperrec.topology.internal.NeighbourCodecs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The streaming item-to-item model on a real broker and registry, two partitions: users co-click
 * items, the co-occurrence increments go through {@code item-cooccurrence} to the aggregator, its
 * lists through {@code item-neighbours} to every instance's global store, and another user who clicks
 * one of the items gets the others as SIMILAR, ahead of equally popular items that were not co-clicked
 * with it. Corrupt bytes on {@code item-cooccurrence} are dead-lettered and the app keeps running.
 */
@ExtendWith(KafkaInfra.class)
class ItemNeighboursIT {

    /**
     * With the model in an instance of its own beside the lists' (the default), in the lists' instance, and split by
     * role: a process that runs the lists only and another that runs the model only ({@code hyperrec.role}).
     */
    @ParameterizedTest(name = "model: {0}")
    @ValueSource(strings = {"separate", "one", "roles"})
    void anotherUsersListContainsTheCoClickedItemsThroughTheStreamingModel(String mode, KafkaInfra.Infra infra)
            throws Exception {
        boolean separate = !mode.equals("one");
        boolean roles = mode.equals("roles");
        String prefix = Map.of("separate", "neighbours.", "one", "neighboursOne.", "roles", "neighboursRoles.").get(mode);
        HyperrecConfig config = ItSupport.config(infra, prefix, Map.of(HyperrecConfig.EMBEDDING_DIM, 8,
                HyperrecConfig.BATCH_MAX_EVENTS, 16, HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS, 200,
                HyperrecConfig.NEIGHBOURS_SEPARATE_APP, separate, HyperrecConfig.ROLE, roles ? "lists" : "all"));
        String bootstrap = infra.bootstrapServers();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicSetup.ensure(admin, prefix, 2, (short) 1);
        }
        Properties pp = ItSupport.producerProps(bootstrap);
        var serdeConfig = config.serdeConfig();
        var catalogSer = AvroSerdes.forClass(CatalogItem.class, serdeConfig, false).serializer();
        var eventSer = AvroSerdes.forClass(InteractionEvent.class, serdeConfig, false).serializer();
        try (KafkaProducer<String, CatalogItem> p = new KafkaProducer<>(pp, new StringSerializer(), catalogSer)) {
            for (int i = 0; i < 24; i++) {
                CatalogItem item = Fixtures.axisItem(i);
                p.send(new ProducerRecord<>(config.topic(Topics.CATALOG), item.getItemId(), item));
            }
        }
        String interactions = config.topic(Topics.INTERACTIONS);
        String cooccurrence = config.topic(Topics.ITEM_COOCCURRENCE);
        long i0 = ItemKeys.hash64("i0");
        List<Long> coClicked = List.of(ItemKeys.hash64("i9"), ItemKeys.hash64("i18"));

        // with roles, the model runs in a runtime and instance of its own, as another process would
        try (HyperrecRuntime runtime = HyperrecRuntime.create(config);
                HyperrecRuntime modelRuntime = roles ? HyperrecRuntime.create(config.with(HyperrecConfig.ROLE, "model")) : null) {
            KafkaStreams streams = HyperrecApp.start(runtime);
            KafkaStreams modelProcess = roles ? HyperrecApp.start(modelRuntime) : null;
            try {
                ItSupport.awaitRunning(streams);
                if (modelProcess != null) {
                    ItSupport.awaitRunning(modelProcess);
                }
                try (KafkaProducer<String, InteractionEvent> p = new KafkaProducer<>(pp, new StringSerializer(), eventSer);
                        KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(pp, new ByteArraySerializer(),
                                new ByteArraySerializer())) {
                    // two groups of six users, each clicking its own three items on three different axes
                    int t = 0;
                    for (int u = 0; u < 6; u++) {
                        for (String item : List.of("i0", "i9", "i18")) {
                            p.send(new ProducerRecord<>(interactions, "a" + u,
                                    Fixtures.event("a" + u + item, "a" + u, item, InteractionType.CLICK, 1, t++)));
                        }
                        for (String item : List.of("i1", "i10", "i19")) {
                            p.send(new ProducerRecord<>(interactions, "b" + u,
                                    Fixtures.event("b" + u + item, "b" + u, item, InteractionType.CLICK, 1, t++)));
                        }
                    }
                    raw.send(new ProducerRecord<>(cooccurrence, NeighbourCodecs.key(i0), "garbage".getBytes(StandardCharsets.UTF_8)));
                    p.flush();
                    raw.flush();

                    // i0's list arrives on item-neighbours and in this instance's global view. The model publishes as
                    // the counts come in, so a list can show i0's six occurrences before both co-clicked items have
                    // all theirs (a similarity below 1): wait for the list of all twelve clicks
                    List<ConsumerRecord<byte[], byte[]>> lists = ItSupport.readUntil(bootstrap, config.topic(Topics.ITEM_NEIGHBOURS),
                            new ByteArrayDeserializer(), new ByteArrayDeserializer(), l -> l.stream().anyMatch(r ->
                                    NeighbourCodecs.key(r.key()) == i0 && NeighbourCodecs.list(r.value()).size() == 2
                                            && NeighbourCodecs.list(r.value()).occurrences() == 6
                                            && java.util.Arrays.equals(NeighbourCodecs.list(r.value()).similarity(), new float[] {1f, 1f})),
                            Duration.ofSeconds(60));
                    NeighbourTable.Entry published = lists.stream().filter(r -> NeighbourCodecs.key(r.key()) == i0)
                            .map(r -> NeighbourCodecs.list(r.value())).reduce((a, b) -> b).orElseThrow();
                    assertThat(published.occurrences()).isEqualTo(6);
                    assertThat(published.keys()).containsExactlyInAnyOrder(coClicked.get(0), coClicked.get(1));
                    assertThat(published.similarity()).containsExactly(1f, 1f);
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    // (the global view may still hold an earlier list of i0 for a moment)
                    while ((runtime.neighbours().get(i0) == null || runtime.neighbours().get(i0).size() < 2
                            || runtime.neighbours().similarity(i0, coClicked.get(0)) != 1f
                            || runtime.neighbours().similarity(i0, coClicked.get(1)) != 1f)
                            && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertThat(runtime.neighbours().similarity(i0, coClicked.get(0))).isEqualTo(1f);
                    assertThat(runtime.neighbours().similarity(i0, coClicked.get(1))).isEqualTo(1f);
                    // the increments were aggregated by the model's own instance (its group committed on
                    // item-cooccurrence), or by the app's instance itself
                    assertThat(HyperrecApp.model(streams) != null).isEqualTo(separate && !roles);
                    String aggregating = (separate ? config.modelStreamsProperties() : config.streamsProperties())
                            .getProperty("application.id");
                    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                        assertThat(admin.listConsumerGroupOffsets(aggregating).partitionsToOffsetAndMetadata().get().keySet())
                                .as("partitions of %s committed by group %s", cooccurrence, aggregating)
                                .anyMatch(tp -> tp.topic().equals(cooccurrence));
                        if (roles) {
                            // each process ran its part only: the lists' group read no increments, the model's no events
                            assertThat(admin.listConsumerGroupOffsets(config.streamsProperties().getProperty("application.id"))
                                    .partitionsToOffsetAndMetadata().get().keySet()).extracting(tp -> tp.topic())
                                    .contains(interactions).doesNotContain(cooccurrence);
                            assertThat(admin.listConsumerGroupOffsets(aggregating).partitionsToOffsetAndMetadata().get()
                                    .keySet()).extracting(tp -> tp.topic()).containsOnly(cooccurrence);
                            assertThat(HyperrecApp.model(modelProcess)).isNull();
                            assertThat(modelProcess.metadataForLocalThreads()).flatExtracting(thread -> thread.activeTasks())
                                    .flatExtracting(task -> task.topicPartitions()).extracting(tp -> tp.topic())
                                    .isNotEmpty().containsOnly(cooccurrence);
                        }
                    }

                    p.send(new ProducerRecord<>(interactions, "zed",
                            Fixtures.event("zed1", "zed", "i0", InteractionType.CLICK, 1, t)));
                    p.flush();
                }
                var recsDe = AvroSerdes.forClass(Recommendations.class, serdeConfig, false).deserializer();
                List<ConsumerRecord<String, Recommendations>> recs = ItSupport.readUntil(bootstrap,
                        config.topic(Topics.RECOMMENDATIONS), new StringDeserializer(), recsDe,
                        l -> l.stream().anyMatch(r -> r.value().getRecommendationId().equals("evt:zed1")), Duration.ofSeconds(60));
                Recommendations zed = recs.stream().filter(r -> r.value().getRecommendationId().equals("evt:zed1"))
                        .findFirst().orElseThrow().value();
                List<RecommendedItem> items = zed.getItems();
                assertThat(items.subList(0, 2)).extracting(RecommendedItem::getItemId).containsExactlyInAnyOrder("i9", "i18");
                assertThat(items.subList(0, 2)).allSatisfy(it -> {
                    assertThat(it.getReason()).isEqualTo(Reason.SIMILAR);
                    // w_s · sim = 1.0 · 1.0: only the item-to-item model contributes that much
                    assertThat(it.getScore()).isGreaterThanOrEqualTo(1f);
                });
                assertThat(items).allSatisfy(it -> {
                    if (it.getItemId().equals("i10") || it.getItemId().equals("i19")) {
                        assertThat(it.getScore()).isLessThan(1f);
                        assertThat(it.getRank()).isGreaterThan(2);
                    }
                });

                List<ConsumerRecord<byte[], byte[]>> dead = ItSupport.readUntil(bootstrap,
                        config.topic(Topics.INTERACTIONS_DLQ), new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                        l -> !l.isEmpty(), Duration.ofSeconds(30));
                assertThat(dead).hasSize(1);
                assertThat(new String(dead.get(0).headers().lastHeader(DeadLetter.HEADER_REASON).value(), StandardCharsets.UTF_8))
                        .isEqualTo(DeadLetter.MALFORMED_COOCCURRENCE.name());
                assertThat(new String(dead.get(0).headers().lastHeader(DeadLetter.HEADER_TOPIC).value(), StandardCharsets.UTF_8))
                        .isEqualTo(cooccurrence);
                assertThat(dead.get(0).value()).isEqualTo("garbage".getBytes(StandardCharsets.UTF_8));
                assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
                if (modelProcess != null) {
                    assertThat(modelProcess.state()).isEqualTo(KafkaStreams.State.RUNNING);
                }
            } finally {
                HyperrecApp.stop(streams, Duration.ofSeconds(30));
                if (modelProcess != null) {
                    HyperrecApp.stop(modelProcess, Duration.ofSeconds(30));
                }
            }
        }
    }
}
